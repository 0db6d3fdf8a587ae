"""Every key of the result JSON is declared in the OpenAPI schema of /api/v1/evaluate.

The key paths of the API's answer to every shared vignette, and of the result document of random
cases, are walked together with the served schema, nested objects and arrays included; a key the
schema does not declare (or a value of another type) is named by its path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.result import write_result
from tests.conftest import VIGNETTES
from tests.rules.strategies import complete_case, masked
from tests.web.test_api import API, _openapi, bearer, call

FILES = sorted(VIGNETTES.glob("*.json"))
_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def undeclared(
    value: Any, schema: dict[str, Any], document: dict[str, Any], path: str = "$"
) -> list[str] | None:
    """The key paths of `value` that `schema` does not declare; None when the type differs."""
    schema = _resolve(schema, document)
    if "anyOf" in schema:
        fits = [
            r for s in schema["anyOf"] if (r := undeclared(value, s, document, path)) is not None
        ]
        return min(fits, key=len) if fits else None
    kind = _TYPES[type(value)]
    if schema.get("type") != kind and not (kind == "integer" and schema.get("type") == "number"):
        return None
    if kind == "object":
        declared = schema.get("properties", {})
        extra = schema.get("additionalProperties")  # a dict of dynamic keys (domains, inputs)
        found: list[str] = []
        for key, sub in value.items():
            where = f"{path}.{key}"
            inner = declared.get(key, extra if isinstance(extra, dict) else None)
            if inner is None:
                found.append(where)
                continue
            fits = undeclared(sub, inner, document, where)
            found.extend([f"{where} (type)"] if fits is None else fits)
        return found
    if kind == "array":
        found = []
        for i, sub in enumerate(value):
            where = f"{path}[{i}]"
            if "items" not in schema:
                found.append(where)
                continue
            fits = undeclared(sub, schema["items"], document, where)
            found.extend([f"{where} (type)"] if fits is None else fits)
        return found
    return []


def _evaluate_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    responses = openapi["paths"][f"{API}/evaluate"]["post"]["responses"]
    answer = responses.get("200") or responses[200]  # served JSON, or ninja's dict in-process
    return _resolve(answer["content"]["application/json"]["schema"], openapi)


def test_a_key_the_schema_lacks_is_found() -> None:
    """The walk itself: an undeclared nested key and a value of the wrong type are both named."""
    openapi = _openapi()
    schema = _evaluate_schema(openapi)
    assert undeclared({"referral": {"new_key": 1}}, schema, openapi) == ["$.referral.new_key"]
    assert undeclared({"overlays": [3]}, schema, openapi) == ["$.overlays[0] (type)"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_key_of_a_vignettes_result_is_in_the_served_schema(
    path: Path, lang: str, client: Client, user: Any
) -> None:
    from osteofys.web.accounts import tokens

    auth = bearer(tokens.api_token_create(user=user, name="schema").secret)
    openapi = client.get(f"{API}/openapi.json").json()
    case = json.loads(path.read_text("utf-8"))["case"]
    response = call(client, "POST", f"{API}/evaluate?lang={lang}", case, **auth)
    assert response.status_code == 200, response.content
    doc = response.json()
    assert undeclared(doc, _evaluate_schema(openapi), openapi) == []
    assert doc["trace"], "the walk must reach the trace"


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))))
def test_every_key_of_a_random_result_is_in_the_schema(
    case: dict[str, Any], run: Any, base: KnowledgeBase
) -> None:
    openapi = _openapi()
    result: Assessment = run(case)
    doc = json.loads(json.dumps(write_result(result, words(base))))
    assert undeclared(doc, _evaluate_schema(openapi), openapi) == []

"""Helpers for the FHIR tests: export a case dict and find resources in a Bundle."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from osteofys.fhir import Subject, bundle
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Category, assess, parse_case
from tests.conftest import VIGNETTES

VIGNETTE_FILES = sorted(VIGNETTES.glob("*.json"))
Export = Callable[..., dict[str, Any]]


def vignette(name: str) -> dict[str, Any]:
    """The case of one shared vignette ('E03')."""
    case: dict[str, Any] = json.loads((VIGNETTES / f"{name}.json").read_text("utf-8"))["case"]
    return case


def vignette_path_ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.fixture(scope="session")
def export(base: KnowledgeBase) -> Export:
    """export(case_dict, subject=None, **bundle_options) -> Bundle JSON."""
    k = base.knowledge

    def _export(
        case: dict[str, Any], subject: Subject | None = None, **options: Any
    ) -> dict[str, Any]:
        parsed = parse_case(case, k.input_ranges, k.conditions)
        confirmed = options.pop("confirmed", None)
        chosen = Category(confirmed) if confirmed else None
        result = assess(parsed, k, confirmed_category=chosen)
        doc = bundle(subject or Subject("patient-1"), parsed, result, base, **options)
        # Plain JSON in, plain JSON out: whatever is not JSON-able fails here.
        out: dict[str, Any] = json.loads(json.dumps(doc))
        return out

    return _export


def resources(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind]


def one(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(doc, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def observation(doc: dict[str, Any], system: str, code: str) -> dict[str, Any] | None:
    for o in resources(doc, "Observation"):
        if any(c["system"] == system and c["code"] == code for c in o["code"]["coding"]):
            return o
    return None

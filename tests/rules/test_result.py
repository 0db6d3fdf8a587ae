"""The result format's owner (rules.result): writer, tolerant reader and generated schema agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from osteofys.kb.explain import step_text, words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.model import ReferralBasis
from osteofys.rules.result import (
    RESULT_FORMAT,
    Result,
    json_schema,
    read_result,
    to_json,
    write_result,
)
from tests.conftest import BASE_CASE, vary

Run = Callable[..., Assessment]


def _stored(run: Run, base: KnowledgeBase, case: dict[str, Any] = BASE_CASE) -> dict[str, Any]:
    return json.loads(json.dumps(write_result(run(case), words(base))))


def test_what_is_read_back_writes_the_same_document(run: Run, base: KnowledgeBase) -> None:
    stored = _stored(run, base)
    assert to_json(read_result(stored)) == stored
    assert list(stored) == list(Result.__dataclass_fields__)


def test_a_trace_step_read_back_words_as_the_original(run: Run, base: KnowledgeBase) -> None:
    result = run(BASE_CASE)
    steps = {s.rule: s.step() for s in read_result(_stored(run, base)).trace}
    for original in result.trace:
        assert steps[original.rule] == original
        assert step_text(base, steps[original.rule], "en") == step_text(base, original, "en")


def test_a_result_stored_by_an_earlier_version_reads_with_defaults(
    run: Run, base: KnowledgeBase
) -> None:
    """Results in the database are rendered as stored; the keys added since take defaults."""
    stored = _stored(run, base)
    del stored["overlays"]
    del stored["referral"]["basis"]
    del stored["acute_phase"]["precautionary"]
    stored["unknown_later_key"] = 1
    read = read_result(stored)
    assert read.overlays == ()
    assert read.referral.basis is ReferralBasis.NONE
    assert read.acute_phase.precautionary is False
    assert read.format == RESULT_FORMAT


def test_the_schema_is_generated_from_the_structure() -> None:
    schema = json_schema()
    assert list(schema["properties"]) == list(Result.__dataclass_fields__)
    assert "basis" in schema["properties"]["referral"]["properties"]
    assert "precautionary" in schema["properties"]["acute_phase"]["properties"]
    plan = schema["properties"]["plan"]["anyOf"][0]
    dose = plan["properties"]["domains"]["additionalProperties"]["items"]["properties"]["dose"]
    assert "sets" not in dose["required"]  # unset parts of a dose are left out
    assert "$ref" not in json.dumps(schema)  # embeddable in OpenAPI as it is


def test_a_plan_and_an_acute_phase_round_trip(run: Run, base: KnowledgeBase) -> None:
    case = vary(
        fractures=[{"date": "2026-10-01", "low_energy": True, "site": "vertebra"}],
    )
    stored = _stored(run, base, case)
    assert stored["plan"] is not None
    assert to_json(read_result(stored)) == stored

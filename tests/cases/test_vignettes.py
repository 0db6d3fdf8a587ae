"""The clinical vignettes of ../shared/clinical/vignettes, read from there, must always pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.result import write_result
from tests.conftest import VIGNETTES

FILES = sorted(VIGNETTES.glob("*.json"))


def test_the_vignettes_are_there() -> None:
    assert len(FILES) >= 10, f"expected the ten shared vignettes in {VIGNETTES}"


def _check(expect: dict[str, Any], doc: dict[str, Any]) -> None:
    """Compare each expectation with the result document; an unknown key is an error, not a skip."""
    checks: dict[str, Callable[[Any], bool]] = {
        "category": lambda v: doc["category"] == v,
        "bone_status": lambda v: doc["bone_status"] == v,
        "acute_active": lambda v: doc["acute_phase"]["active"] is v,
        "acute_until": lambda v: doc["acute_phase"]["until"] == v,
        "fall_risk": lambda v: doc["fall_risk"] is v,
        "low_performance": lambda v: doc["low_performance"] is v,
        "referral_recommended": lambda v: doc["referral"]["recommended"] is v,
        "referral_urgent": lambda v: doc["referral"]["urgent"] is v,
        "referral_reasons_include": lambda v: set(v) <= set(doc["referral"]["reasons"]),
        "alternatives_include": lambda v: set(v) <= {a["category"] for a in doc["alternatives"]},
        "red_flag": lambda v: bool(doc["red_flags"]) is v,
        "plan_exercise_set": lambda v: doc["plan"]["exercise_set"] == v,
    }
    for key, wanted in expect.items():
        assert key in checks, f"the test does not know the expectation {key!r}"
        assert checks[key](wanted), f"{key}: expected {wanted!r}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vignette(path: Path, base: KnowledgeBase, run: Callable[..., Assessment]) -> None:
    vignette = json.loads(path.read_text("utf-8"))
    result = run(vignette["case"])
    doc = json.loads(json.dumps(write_result(result, words(base, "da"))))
    _check(vignette["expect"], doc)
    assert doc["knowledge_version"] == base.version
    assert doc["knowledge_hash"] == base.content_hash
    for reason in doc["reasons"]:
        assert reason["text"], reason
        assert reason["sources"], reason


def test_published_case_format_matches_the_shared_contract() -> None:
    """docs/case-format.md is the public copy of the contract; it must not drift from shared/."""
    ours = (Path(__file__).resolve().parents[2] / "docs" / "case-format.md").read_text("utf-8")
    assert ours == (VIGNETTES.parent / "case-format.md").read_text("utf-8")

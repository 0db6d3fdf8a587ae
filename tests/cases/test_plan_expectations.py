"""The `plan` expectations of our case files (docs/case-format.md, "Case files") and `xfail`.

Every key must be able to fail: a case file that states a plan property the engine does not
meet fails by the key's name, and a case marked `xfail` (a known disagreement with the planner
or its data, named in the reason) is reported as xfail, never as a pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cases.engines import ExpectationError, check_core

HERE = Path(__file__).parent
OWN = sorted(HERE.glob("*.json"))


def _case(stem: str) -> dict[str, Any]:
    path = next(p for p in OWN if p.name.startswith(stem))
    case: dict[str, Any] = json.loads(path.read_text("utf-8"))["case"]
    return case


# One expectation per key that the training-active CrossFit case (S01) does not meet.
WRONG: dict[str, Any] = {
    "layout": "funktionsbegraenset",
    "max_items": 6,
    "min_items": 40,
    "patterns_present": ["pain_relief"],
    "patterns_absent": ["impact"],
    "exercises_present": ["log_roll"],
    "exercises_absent": ["goblet_squat"],
    "supervised": False,
    "caps": {"load": "light"},
    "slot_status": {"impact": "not_allowed"},
    "slot_caps": {"impact": [{"tag": "impact", "level": "walking"}]},
    "levels": {"sit_to_stand": 1},
    "dose_max": {"tandem": {"hold_s": 5}},
    "withheld": True,
    "texts_present": ["R-ACU"],
    "texts_absent": ["O3"],
}


@pytest.mark.parametrize("key", sorted(WRONG))
def test_every_plan_expectation_can_fail_and_names_its_key(key: str) -> None:
    with pytest.raises(ExpectationError, match=rf"plan\.{key}: expected"):
        check_core(_case("S01"), {"plan": {key: WRONG[key]}})


def test_an_unknown_plan_expectation_fails_rather_than_being_skipped() -> None:
    with pytest.raises(ExpectationError, match="does not know the plan expectation 'layuot'"):
        check_core(_case("S01"), {"plan": {"layuot": "traeningsaktiv"}})


def test_a_slot_status_list_is_every_slot_of_the_pattern_in_order() -> None:
    check_core(_case("S01"), {"plan": {"slot_status": {"squat": ["filled", "filled"]}}})
    with pytest.raises(ExpectationError, match=r"plan\.slot_status"):
        check_core(_case("S01"), {"plan": {"slot_status": {"squat": ["filled"]}}})
    # An empty list: the layout has no slot of the pattern (or its condition did not hold).
    check_core(_case("S01"), {"plan": {"slot_status": {"floor_recovery": []}}})


def test_dose_max_needs_an_item_of_the_family() -> None:
    with pytest.raises(ExpectationError, match=r"plan\.dose_max"):
        check_core(_case("S01"), {"plan": {"dose_max": {"breathing": {"reps": 99}}}})


def test_the_specialist_archetypes_are_case_files() -> None:
    specialist = [p for p in OWN if p.name.startswith("S")]
    assert len(specialist) >= 15
    for path in specialist:
        doc = json.loads(path.read_text("utf-8"))
        assert doc["id"] == path.name.split("-")[0], path.name
        assert doc["description"], path.name
        assert isinstance(doc["expect"].get("plan"), dict), path.name


CONFTEST = """
from tests.cases.collect import CaseFile


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".json":
        return CaseFile.from_parent(parent, path=file_path)
"""


def test_a_case_marked_xfail_is_reported_as_xfail_not_as_a_pass(tmp_path: Path) -> None:
    """Two copies of S01 marked xfail, collected by tests/cases/collect.py: one whose
    expectation the engine misses (xfail), one whose expectation it meets (a strict XPASS,
    which fails: the mark must go)."""
    doc = json.loads(next(p for p in OWN if p.name.startswith("S01")).read_text("utf-8"))
    (tmp_path / "conftest.py").write_text(CONFTEST, "utf-8")
    for name, layout in (("X01-missed", "funktionsbegraenset"), ("X02-met", "traeningsaktiv")):
        case = {
            **doc,
            "id": name,
            "xfail": "a known disagreement",
            "expect": {"plan": {"layout": layout}},
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(case), "utf-8")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rxX",
        str(tmp_path),
    ]
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, check=False, env=env
    )
    out = run.stdout
    assert "XFAIL X01-missed.json::core - a known disagreement" in out, out[-3000:]
    assert "case X02-met [core]" in out, out[-3000:]
    assert "[XPASS(strict)] a known disagreement" in out, out[-3000:]
    assert "1 failed, 2 passed, 1 xfailed" in out, out[-3000:]


def test_our_xfail_marks_name_their_reason() -> None:
    for path in OWN:
        doc = json.loads(path.read_text("utf-8"))
        if "xfail" in doc:
            assert isinstance(doc["xfail"], str), path.name
            assert len(doc["xfail"]) > 20, path.name

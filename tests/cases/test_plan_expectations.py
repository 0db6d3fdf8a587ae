"""The `plan` expectations of our case files (docs/case-format.md, "Case files") and `xfail`.

Every key must be able to fail: a case file that states a plan property the engine does not
meet fails by the key's name, and a case marked `xfail` (a known disagreement with the planner
or its data, named in the reason) is reported as xfail, never as a pass.
"""

from __future__ import annotations

import json
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


def test_a_case_marked_xfail_is_reported_as_xfail_not_as_a_pass() -> None:
    marked = [p for p in OWN if "xfail" in json.loads(p.read_text("utf-8"))]
    if not marked:
        pytest.skip("no case file is marked xfail: every specialist expectation is met")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rxX"]
    nodes = [f"tests/cases/{p.name}::core" for p in marked]
    run = subprocess.run(
        [*command, *nodes], cwd=HERE.parents[1], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-2000:]
    for path in marked:
        assert f"XFAIL tests/cases/{path.name}::core" in run.stdout, run.stdout[-2000:]
    assert " passed" not in run.stdout

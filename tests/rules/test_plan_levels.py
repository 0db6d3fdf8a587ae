"""The plan starts each slot at the level the recorded tests support (issue 15 item 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.model import SlotStatus

Run = Callable[..., Assessment]
# The 77-year-old with two falls and tandem stance 6 s (a specialist case).
CASE = json.loads(
    (Path(__file__).parents[1] / "cases" / "S06-77-two-falls-tandem-6s.json").read_text("utf-8")
)["case"]


def _with_tests(**tests: Any) -> dict[str, Any]:
    case = copy.deepcopy(CASE)
    case["tests"].update(tests)
    return case


def _slot(result: Assessment, pattern: str) -> Any:
    assert result.plan is not None
    return next(s for s in result.plan.slots if s.pattern == pattern)


def test_without_a_5xsts_the_chair_stand_decides_and_a_slow_5xsts_holds_back(run: Run) -> None:
    fast_stands = _slot(run(_with_tests(sit_to_stand_5x_s=None, chair_stand_30s=12)), "squat")
    few_stands = _slot(run(_with_tests(sit_to_stand_5x_s=None, chair_stand_30s=5)), "squat")
    slow_5x = _slot(run(_with_tests(sit_to_stand_5x_s=17.0, chair_stand_30s=12)), "squat")
    assert (fast_stands.exercise, fast_stands.level) == ("squat_to_chair", 2)
    assert (few_stands.exercise, few_stands.level) == ("sit_to_stand", 1)
    assert (slow_5x.exercise, slow_5x.level) == ("sit_to_stand", 1)


def test_a_missing_test_starts_the_slot_lower_and_names_the_test(run: Run) -> None:
    recorded = _slot(run(_with_tests(tandem_stance_s=6)), "static_balance")
    missing = _slot(run(_with_tests(tandem_stance_s=None)), "static_balance")
    assert recorded.exercise == "tandem_stance_supported"
    assert missing.level is not None
    assert recorded.level is not None
    assert missing.level < recorded.level
    assert "tests.tandem_stance_s" in missing.refine


def test_the_hold_follows_the_recorded_tandem_stance(run: Run, base: KnowledgeBase) -> None:
    result = run(_with_tests(tandem_stance_s=6))
    assert result.plan is not None
    item = next(
        i for d in result.plan.domains for i in d.items if i.exercise == "tandem_stance_supported"
    )
    step = base.knowledge.value("capacity_step_hold_s")
    assert item.dose.hold_s is not None
    assert item.dose.hold_s[1] == 6 + step


def test_pain_at_activity_above_the_threshold_starts_every_slot_one_level_lower(run: Run) -> None:
    calm = run(CASE)
    case = copy.deepcopy(CASE)
    case["function"]["pain_activity"] = 8
    sore = run(case)
    assert calm.plan is not None
    assert sore.plan is not None
    calm_levels = {s.pattern: s.level for s in calm.plan.slots if s.level}
    sore_levels = {s.pattern: s.level for s in sore.plan.slots if s.level}
    assert any(sore_levels[p] < calm_levels[p] for p in calm_levels if p in sore_levels)
    assert all(sore_levels[p] <= calm_levels[p] for p in calm_levels if p in sore_levels)
    assert "R-PAIN" in sore.reasons


def test_a_slot_whose_first_level_the_tests_rule_out_says_so(run: Run) -> None:
    plan = run(_with_tests(sit_to_stand_5x_s="unable")).plan
    assert plan is not None
    floor = [s for s in plan.slots if s.pattern == "floor_recovery"]
    assert floor  # two falls: the slot is part of the layout
    assert floor[0].status is SlotStatus.ENTRY_NOT_MET

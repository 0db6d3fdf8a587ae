"""Property tests of the clinical core over random valid cases (hypothesis)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys.cli.report import render_report
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment, parse_case
from osteofys.rules.model import CAP_SCALES, Category, SlotStatus
from osteofys.rules.result import write_result
from tests.rules.strategies import ASSESSED, complete_case, day_between, masked

Run = Callable[..., Assessment]
# Example counts come from the profile in tests/conftest.py (HYPOTHESIS_PROFILE=thorough for more).
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CAUTION = {  # lower is more cautious (SPEC §4.1 order)
    Category.FUNKTIONSBEGRAENSET: 1,
    Category.HVERDAGSAKTIV_MED_HENSYN: 2,
    Category.HVERDAGSAKTIV: 3,
    Category.TRAENINGSAKTIV_MED_HENSYN: 4,
    Category.TRAENINGSAKTIV: 5,
}


@SETTINGS
@given(case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))))
def test_any_valid_case_is_assessed_and_rendered(
    case: dict[str, Any], run: Run, base: KnowledgeBase
) -> None:
    result = run(case)
    document = write_result(result, words(base, "da"))
    assert document["category"] in {*CAUTION, None}
    k = base.knowledge
    report = render_report(base, parse_case(case, k.input_ranges, k.conditions), result, "en")
    assert "OsteoFys" in report


@SETTINGS
@given(case=complete_case(), data=st.data())
def test_a_vertebral_fracture_never_makes_things_less_cautious(
    case: dict[str, Any], data: st.DataObject, run: Run
) -> None:
    born = case["patient"]["birth_date"]
    from datetime import date

    new = copy.deepcopy(case)
    new["fractures"].append(
        {
            "site": "vertebra",
            "date": data.draw(
                st.one_of(st.none(), day_between(date.fromisoformat(born), ASSESSED))
            ),
            "low_energy": data.draw(st.sampled_from([True, False, None])),
        }
    )
    before, after = run(case), run(new)
    if before.category is not None:
        assert after.category is not None
        assert CAUTION[after.category] <= CAUTION[before.category]
    if before.plan is not None:
        assert after.plan is not None
        assert CAUTION[after.plan.exercise_set] <= CAUTION[before.plan.exercise_set]
        old_caps, new_caps = dict(before.plan.caps), dict(after.plan.caps)
        for tag, scale in CAP_SCALES.items():
            assert scale.index(new_caps[tag]) <= scale.index(old_caps[tag]), tag
        assert {i.exercise for i in after.plan.supervised} <= {
            i.exercise for i in before.plan.supervised
        }


WORSE: list[tuple[str, Callable[[Any], Any]]] = [
    ("tug_s", lambda v: min(120, round(v + 3.3, 1))),
    ("sit_to_stand_5x_s", lambda v: "unable" if v == "unable" else min(90, round(v + 2.1, 1))),
    ("tandem_stance_s", lambda v: max(0, round(v - 4.2, 1))),
    ("one_leg_stance_s", lambda v: max(0, round(v - 2.7, 1))),
    ("chair_stand_30s", lambda v: max(0, v - 3)),
    ("gait_speed_m_s", lambda v: max(0.05, round(v - 0.15, 2))),
]


@SETTINGS
@given(case=complete_case().flatmap(masked), which=st.sampled_from(WORSE), unable=st.booleans())
def test_a_worse_test_never_removes_fall_risk_or_low_performance(
    case: dict[str, Any], which: tuple[str, Callable[[Any], Any]], unable: bool, run: Run
) -> None:
    field, worsen = which
    value = case["tests"][field]
    if value is None:
        return
    worse = copy.deepcopy(case)
    worse["tests"][field] = "unable" if unable and field == "sit_to_stand_5x_s" else worsen(value)
    before, after = run(case), run(worse)
    if before.fall_risk is True:
        assert after.fall_risk is True
    if before.low_performance is True:
        assert after.low_performance is True


@SETTINGS
@given(complete=complete_case(), data=st.data())
def test_a_decided_rule_keeps_its_outcome_when_missing_inputs_are_filled_in(
    complete: dict[str, Any], data: st.DataObject, run: Run
) -> None:
    partial = data.draw(masked(complete))
    before, after = run(partial), run(complete)
    later = {s.rule: s for s in after.trace}
    for step in before.trace:
        if step.outcome is None or step.provisional or step.rule not in later:
            continue
        assert later[step.rule].outcome == step.outcome, (
            step.rule,
            step.inputs,
            later[step.rule].inputs,
        )
    red_flag_known = next(s.outcome for s in before.trace if s.rule == "P4") is not None
    if before.category is not None and not before.provisional and red_flag_known:
        assert after.category == before.category


def _fragile(case: dict[str, Any]) -> tuple[bool, int]:
    fractures = case["fractures"] or []
    vertebral = any(f["site"] == "vertebra" for f in fractures)
    return vertebral, sum(f["low_energy"] is not False for f in fractures)


@SETTINGS
@given(
    case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))), hirit=st.booleans()
)
def test_no_plan_breaks_a_precaution(
    case: dict[str, Any], hirit: bool, run: Run, base: KnowledgeBase
) -> None:
    """An oracle written from the case facts, independent of the plan's own caps."""
    result = run(case, hirit_for_med_hensyn=hirit)
    plan = result.plan
    if plan is None:
        assert result.category is None
        return
    exercises = {e.id: e for e in base.knowledge.exercises}
    items = [exercises[i.exercise] for d in plan.domains for i in d.items]
    vertebral, fragile = _fragile(case)
    red_flag = bool(result.red_flags)
    careful = red_flag or result.acute_phase.active is not False
    # S34, R-SAFE-4 (issue 15 item 5): the facts cap impact, and the FB card does.
    walking_only = (
        vertebral or fragile >= 2 or careful or plan.exercise_set == "funktionsbegraenset"
    )
    for e in items:
        assert not e.supervised_only, e.id
        assert not e.hirit, e.id
        assert plan.exercise_set in e.categories, e.id
        assert e.spinal_flexion != "end_range", e.id
        if walking_only:
            assert e.impact in ("none", "walking"), e.id
        if vertebral or fragile >= 2 or careful:
            assert e.spinal_flexion in ("none", "low"), e.id
        if result.fall_risk is not False:
            assert e.fall_risk != "high", e.id
        if careful:
            assert e.fall_risk == "low", e.id
            assert e.load in ("bodyweight", "light"), e.id
        if plan.exercise_set == "funktionsbegraenset":
            assert e.load in ("bodyweight", "light"), e.id
    if careful:
        assert plan.exercise_set == "funktionsbegraenset"
        assert plan.acute_advice
        assert plan.layout.startswith("acute_")
    if plan.supervised:
        allowed = {"traeningsaktiv"} | ({"traeningsaktiv_med_hensyn"} if hirit else set())
        assert result.category in allowed
        assert not careful
        assert all(exercises[i.exercise].supervised_only for i in plan.supervised)


def _items(plan: Any) -> list[Any]:
    return [i for d in plan.domains for i in d.items]


@SETTINGS
@given(case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))))
def test_every_plan_item_keeps_within_the_plans_caps(
    case: dict[str, Any], run: Run, base: KnowledgeBase
) -> None:
    """Issue 15: every item carries its tags, and none is above its plan's cap, load included."""
    plan = run(case).plan
    if plan is None:
        return
    caps = dict(plan.caps)
    assert set(caps) == set(CAP_SCALES)
    for item in (*_items(plan), *plan.supervised):
        tags = dict(item.tags)
        assert set(tags) == set(CAP_SCALES), item.exercise
        for tag, level in tags.items():
            if item in plan.supervised and tag == "load":
                continue  # P13: the HiRIT decision is the load decision (docs/decisions.md 25)
            scale = CAP_SCALES[tag]
            assert scale.index(level) <= scale.index(caps[tag]), (item.exercise, tag)
        assert item.pattern is not None, item.exercise
        assert item.family, item.exercise
        assert item.level, item.exercise


@SETTINGS
@given(case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))))
def test_every_slot_is_filled_or_reported_and_plans_keep_their_size(
    case: dict[str, Any], run: Run, base: KnowledgeBase
) -> None:
    """Each slot the layout holds for the case appears once in the plan's report; the items are
    exactly the filled slots; FB and acute plans hold at most 6."""
    result = run(case)
    plan = result.plan
    if plan is None:
        return
    layout = base.knowledge.layouts[plan.layout]
    items = _items(plan)
    assert len(items) <= layout.max_items
    if plan.exercise_set == "funktionsbegraenset":
        assert len(items) <= 6
    filled = [s for s in plan.slots if s.status in (SlotStatus.FILLED, SlotStatus.CAPPED)]
    assert sorted(s.exercise or "" for s in filled) == sorted(i.exercise for i in items)
    # Conditional slots (fall risk, COPD) may or may not hold; every other slot is reported.
    assert len([s for s in layout.slots if s.when is None]) <= len(plan.slots) <= len(layout.slots)
    for slot in plan.slots:
        if slot.status is SlotStatus.NOT_ALLOWED:
            assert slot.capped, slot.pattern
        if slot.status is SlotStatus.OVER_SIZE:
            assert len(items) == layout.max_items
    if case["function"].get("neurological_symptoms") is True:
        assert not items
        assert not plan.supervised
        assert plan.withheld
        assert all(s.status is SlotStatus.WITHHELD for s in plan.slots)


@SETTINGS
@given(case=complete_case().flatmap(lambda c: st.one_of(st.just(c), masked(c))))
def test_no_hold_or_repetition_target_exceeds_the_recorded_capacity_plus_the_step(
    case: dict[str, Any], run: Run, base: KnowledgeBase
) -> None:
    plan = run(case).plan
    if plan is None:
        return
    kb = base.knowledge
    tests = case.get("tests") or {}
    steps = {"hold_s": kb.value("capacity_step_hold_s"), "reps": kb.value("capacity_step_reps")}
    for item in _items(plan):
        exercise = kb.exercise(item.exercise)
        assert exercise is not None
        recorded = tests.get(exercise.capacity) if exercise.capacity else None
        if recorded is None:
            continue
        span = item.dose.hold_s if item.dose.hold_s is not None else item.dose.reps
        kind = "hold_s" if item.dose.hold_s is not None else "reps"
        assert span is not None
        assert span[0] <= span[1] <= max(1, recorded + steps[kind]), (item.exercise, span)

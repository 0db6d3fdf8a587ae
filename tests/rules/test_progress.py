"""Progression suggestions (issue 16, item 2): each rule fires on its case and not next to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import parse_case
from osteofys.rules.knowledge import Knowledge
from osteofys.rules.model import Dose
from osteofys.rules.progress import (
    Event,
    ItemNow,
    Logged,
    Step,
    Suggestion,
    entry_findings,
    suggest,
)
from tests.conftest import BASE_CASE, vary

DAY = date(2027, 1, 4)


@pytest.fixture(scope="module")
def k(base: KnowledgeBase) -> Knowledge:
    return base.knowledge


def item(k: Knowledge, exercise: str, dose: Dose | None = None, **kw: Any) -> ItemNow:
    e = k.exercise(exercise)
    assert e is not None
    return ItemNow(exercise, kw.get("family", ""), kw.get("level"), dose or e.doses["default"])


def at_top(dose: Dose, n: int = 2, **kw: Any) -> list[Logged]:
    """`n` sessions, every prescribed set at the top of the range, good technique, effort 6."""
    fields: dict[str, Any] = {
        "sets": dose.sets,
        "effort": 6,
        "technique_ok": True,
        "pain_during": 0,
        "pain_next_day": 0,
    }
    if dose.reps:
        fields["reps"] = dose.reps[1]
    if dose.hold_s:
        fields["hold_s"] = dose.hold_s[1]
    if dose.minutes:
        fields["minutes"] = dose.minutes[1]
    if dose.impacts:
        fields["reps"] = dose.impacts
    fields.update(kw)
    return [Logged(DAY + timedelta(days=3 * i), True, **fields) for i in range(n)]


def later(entries: list[Logged], **kw: Any) -> list[Logged]:
    """The entries with one more session after them, as the last one with `kw` changed."""
    return [*entries, replace(entries[-1], when=entries[-1].when + timedelta(days=3), **kw)]


def go(k: Knowledge, exercise: str, history: list[Logged] | None = None, **kw: Any) -> Suggestion:
    it = item(k, exercise)
    caps = kw.pop("caps", {})
    s = suggest(k, it, history if history is not None else at_top(it.dose), caps, **kw)
    assert s is not None
    return s


# --- double progression ----------------------------------------------------------------


def test_nothing_logged_gives_no_suggestion(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    assert suggest(k, it, [], {}) is None
    assert suggest(k, it, at_top(it.dose), {}, since=DAY + timedelta(days=3)) is None


def test_top_of_the_range_twice_in_a_row_moves_to_the_next_level(
    k: Knowledge, base: KnowledgeBase
) -> None:
    s = go(k, "squat_to_chair")
    goblet = k.exercise("goblet_squat")
    assert goblet is not None
    assert (s.step, s.rule, s.exercise, s.level) == (
        Step.NEXT_LEVEL,
        "next_level",
        "goblet_squat",
        3,
    )
    assert s.dose == goblet.doses["default"]
    assert s.evidence == "DERIVED"
    assert s.sources == ("S35", "S41", "S34")
    assert base.texts.progression_reason(s, "da").startswith(
        "Alle 2 sæt nåede 12 gentagelser med god teknik og anstrengelse ≤ 7 i 2 sessioner i træk"
    )
    assert "Goblet squat" in base.texts.progression_reason(s, "en")


def test_one_session_at_the_top_is_not_enough(k: Knowledge, base: KnowledgeBase) -> None:
    it = item(k, "squat_to_chair")
    s = go(k, "squat_to_chair", at_top(it.dose, 1))
    assert (s.step, s.rule, s.exercise) == (Step.STAY, "keep_going", "squat_to_chair")
    assert s.fact("streak") == 1
    assert "i 1 af de 2 sessioner" in base.texts.progression_reason(s, "da")


def test_the_sessions_must_be_consecutive(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    top, short = at_top(it.dose, 1), replace(at_top(it.dose, 1)[0], reps=10)
    gap = [
        top[0],
        replace(short, when=DAY + timedelta(days=3)),
        replace(top[0], when=DAY + timedelta(days=6)),
    ]
    assert go(k, "squat_to_chair", gap).rule == "keep_going"
    assert go(k, "squat_to_chair", later(gap)).rule == "next_level"
    # Out of order in the list: the dates decide what is newest.
    assert go(k, "squat_to_chair", list(reversed(gap))).rule == "keep_going"


def test_entries_up_to_the_last_decision_do_not_count(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    history = at_top(it.dose, 3)
    assert go(k, "squat_to_chair", history, since=history[0].when).rule == "next_level"
    assert go(k, "squat_to_chair", history, since=history[1].when).rule == "keep_going"


@pytest.mark.parametrize(
    ("change", "moves"),
    [
        ({"effort": 7}, True),
        ({"effort": 8}, False),
        ({"effort": None}, False),
        ({"technique_ok": False}, False),
        ({"technique_ok": None}, False),
        ({"reps": 11}, False),
        ({"reps": 13}, True),
        ({"sets": 1}, False),
        ({"sets": None}, False),
        ({"pain_during": 5}, True),
    ],
)
def test_every_condition_of_double_progression_counts(
    k: Knowledge, change: dict[str, Any], moves: bool
) -> None:
    it = item(k, "squat_to_chair")
    history = [at_top(it.dose, 1)[0], *at_top(it.dose, 1, **change)]
    history[1] = replace(history[1], when=DAY + timedelta(days=3))
    assert (go(k, "squat_to_chair", history).step is Step.NEXT_LEVEL) is moves


def test_a_hold_dose_progresses_on_the_hold(k: Knowledge) -> None:
    it = item(k, "tandem_stance_supported")
    assert it.dose.hold_s == (10, 30)
    assert go(k, "tandem_stance_supported").exercise == "tandem_stance"
    short = at_top(it.dose, 2, hold_s=29)
    assert go(k, "tandem_stance_supported", short).rule == "keep_going"


def test_minutes_and_impacts_doses_progress_on_what_was_done(k: Knowledge) -> None:
    walk = item(k, "brisk_walking")
    assert go(k, "brisk_walking").exercise == "jogging_intervals"
    assert go(k, "brisk_walking", at_top(walk.dose, 2, minutes=29)).rule == "keep_going"
    assert go(k, "brisk_walking", at_top(walk.dose, 2, minutes=None)).rule == "keep_going"
    stamp = item(k, "stamping")
    assert go(k, "stamping").exercise == "low_jumps"
    # Fewer impacts than the dose is not "too hard" by itself: only the effort says so.
    assert go(k, "stamping", at_top(stamp.dose, 2, reps=20)).rule == "keep_going"
    assert go(k, "stamping", at_top(stamp.dose, 2, reps=50, effort=9)).rule == "too_hard_down"
    # Fewer minutes than the bottom of the range is.
    assert go(k, "brisk_walking", at_top(walk.dose, 1, minutes=15)).rule == "too_hard_range"


def test_a_dose_without_a_range_is_not_judged(k: Knowledge) -> None:
    it = ItemNow("squat_to_chair", "", 2, Dose(sets=2, days_per_week=(2, 3)))
    s = suggest(k, it, at_top(item(k, "squat_to_chair").dose), {})
    assert s is not None
    assert (s.step, s.rule) == (Step.STAY, "not_measured")


# --- more load, caps and the top of a family -------------------------------------------


def test_an_external_load_is_raised_first_within_the_load_cap(k: Knowledge) -> None:
    s = go(k, "goblet_squat")
    assert (s.step, s.exercise, s.level) == (Step.MORE_LOAD, "goblet_squat", 3)
    assert (s.fact("load_from"), s.fact("load_to")) == ("moderate", "heavy")
    assert s.dose == item(k, "goblet_squat").dose
    assert go(k, "goblet_squat", caps={"load": "heavy"}).step is Step.MORE_LOAD
    held = go(k, "goblet_squat", caps={"load": "moderate"})
    # The next level, a supervised lift, is not a home step either.
    assert (held.step, held.blocked_by) == (Step.STAY, ("load", "supervised"))


def test_a_light_band_at_a_light_cap_goes_to_the_next_level_only_within_it(k: Knowledge) -> None:
    assert go(k, "seated_band_row", caps={"load": "moderate"}).step is Step.MORE_LOAD
    s = go(k, "seated_band_row", caps={"load": "light"})
    # The dumbbell row is moderate load: it breaks the cap as well.
    assert (s.step, s.blocked_by) == (Step.STAY, ("load",))
    knee = go(k, "seated_knee_extension", caps={"load": "light"})
    assert (knee.step, knee.exercise) == (Step.NEXT_LEVEL, "supported_knee_bend")


def test_a_cap_keeps_the_next_level_out(k: Knowledge, base: KnowledgeBase) -> None:
    assert go(k, "low_step_up_supported").exercise == "step_up"
    s = go(k, "low_step_up_supported", caps={"fall_risk": "low"})
    assert (s.step, s.rule, s.blocked_by) == (Step.STAY, "progress_blocked", ("fall_risk",))
    assert "loftet for faldrisiko" in base.texts.progression_reason(s, "da")
    walk = go(k, "brisk_walking", caps={"impact": "walking"})
    assert walk.blocked_by == ("impact",)
    assert go(k, "brisk_walking", caps={"impact": "moderate"}).step is Step.NEXT_LEVEL


def test_an_exercise_that_already_breaks_a_cap_never_moves_up(k: Knowledge) -> None:
    s = go(k, "goblet_squat", caps={"load": "light"})
    assert (s.step, s.blocked_by) == (Step.STAY, ("load",))


def test_the_top_of_a_family_stays(k: Knowledge) -> None:
    s = go(k, "floor_push_up")
    assert (s.step, s.blocked_by) == (Step.STAY, ("top_of_family",))
    assert go(k, "floor_recovery").blocked_by == ("top_of_family",)


def test_a_supervised_lift_may_get_more_load_but_has_no_home_level_above(k: Knowledge) -> None:
    s = go(k, "hirit_back_squat")
    assert (s.step, s.fact("load_to")) == (Step.MORE_LOAD, "heavy")
    capped = go(k, "hirit_back_squat", caps={"load": "moderate"})
    assert capped.blocked_by == ("load",)


def test_the_plans_exercise_set_and_its_dose(k: Knowledge) -> None:
    # Goblet squat is not for everyday-active plans.
    s = go(k, "squat_to_chair", exercise_set="hverdagsaktiv")
    assert (s.step, s.blocked_by) == (Step.STAY, ("exercise_set",))
    fb = go(k, "sit_to_stand", exercise_set="hverdagsaktiv")
    squat = k.exercise("squat_to_chair")
    assert squat is not None
    assert (fb.exercise, fb.dose) == ("squat_to_chair", squat.dose_for("hverdagsaktiv"))


def test_with_the_findings_an_unmet_or_unknown_entry_holds_the_next_level(
    k: Knowledge, run: Any
) -> None:
    case = vary(BASE_CASE, tests__tandem_stance_s=6.0)
    result = run(case)
    findings = entry_findings(k, parse_case(case, k.input_ranges, k.conditions), result)
    it = item(k, "tandem_stance_supported")
    # Tandem stance 6 s: free tandem stance's entry (the fall-risk cut-off, 10 s) is not met.
    held = suggest(k, it, at_top(it.dose), {}, findings=findings)
    assert held is not None
    assert held.blocked_by == ("entry",)
    unknown = suggest(k, it, at_top(it.dose), {}, findings={})
    assert unknown is not None
    assert unknown.blocked_by == ("entry",)
    good = vary(BASE_CASE, tests__tandem_stance_s=30.0)
    met = entry_findings(k, parse_case(good, k.input_ranges, k.conditions), run(good))
    moved = suggest(k, it, at_top(it.dose), {}, findings=met)
    assert moved is not None
    assert moved.exercise == "tandem_stance"
    # Without findings the entry is the therapist's to judge.
    assert run_step(k, it) is Step.NEXT_LEVEL


def run_step(k: Knowledge, it: ItemNow) -> Step:
    s = suggest(k, it, at_top(it.dose), {})
    assert s is not None
    return s.step


def test_an_unknown_exercise_is_not_moved(k: Knowledge) -> None:
    it = ItemNow("retired_exercise", "", 2, Dose(sets=2, reps=(8, 12)))
    s = suggest(k, it, at_top(it.dose), {})
    assert s is not None
    assert (s.step, s.blocked_by) == (Step.STAY, ("unknown_exercise",))
    down = suggest(k, it, at_top(it.dose, 1, pain_during=8), {})
    assert down is not None
    assert (down.step, down.exercise, down.dose.sets) == (
        Step.DOWN,
        "retired_exercise",
        1,
    )


def test_the_planned_family_and_level_are_followed(k: Knowledge) -> None:
    # The plan as kept: squat_to_chair at level 2 of sit_to_stand, family given.
    it = ItemNow("squat_to_chair", "sit_to_stand", 2, item(k, "squat_to_chair").dose)
    s = suggest(k, it, at_top(it.dose), {})
    assert s is not None
    assert (s.exercise, s.level) == ("goblet_squat", 3)


def test_caps_must_be_on_a_known_scale(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    with pytest.raises(ValueError, match="cap"):
        suggest(k, it, at_top(it.dose), {"impact": "extreme"})
    with pytest.raises(ValueError, match="cap"):
        suggest(k, it, at_top(it.dose), {"weight": "light"})


# --- too hard --------------------------------------------------------------------------


def test_too_hard_once_stays_and_twice_goes_down(k: Knowledge, base: KnowledgeBase) -> None:
    it = item(k, "squat_to_chair")
    once = go(k, "squat_to_chair", at_top(it.dose, 1, reps=7))
    assert (once.step, once.rule, once.exercise) == (Step.STAY, "too_hard_range", "squat_to_chair")
    assert "Laveste sæt nåede 7 gentagelser" in base.texts.progression_reason(once, "da")
    twice = go(k, "squat_to_chair", at_top(it.dose, 2, reps=7))
    assert (twice.step, twice.rule, twice.exercise, twice.level) == (
        Step.DOWN,
        "too_hard_down",
        "sit_to_stand",
        1,
    )
    # The bottom of the range is not too hard.
    assert go(k, "squat_to_chair", at_top(it.dose, 2, reps=8)).rule == "keep_going"
    # Too hard, then a good session: no step down.
    mixed = later(at_top(it.dose, 1, reps=7), reps=10)
    assert go(k, "squat_to_chair", mixed).rule == "keep_going"


def test_effort_above_the_limit_is_too_hard(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    assert go(k, "squat_to_chair", at_top(it.dose, 1, effort=9)).rule == "too_hard_effort"
    assert go(k, "squat_to_chair", at_top(it.dose, 2, effort=9)).rule == "too_hard_down"
    assert go(k, "squat_to_chair", at_top(it.dose, 2, effort=8)).rule == "keep_going"


def test_a_hold_below_the_bottom_is_too_hard(k: Knowledge) -> None:
    it = item(k, "tandem_stance")
    s = go(k, "tandem_stance", at_top(it.dose, 1, hold_s=9))
    assert (s.rule, s.fact("unit"), s.fact("bottom")) == ("too_hard_range", "hold_s", 10)


def test_a_skipped_exercise_stays(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    s = go(k, "squat_to_chair", later(at_top(it.dose, 2), done=False))
    assert (s.step, s.rule) == (Step.STAY, "not_done")


# --- pain and events -------------------------------------------------------------------


def test_pain_during_above_the_limit_goes_down_and_at_the_limit_not(
    k: Knowledge, base: KnowledgeBase
) -> None:
    limit = int(k.value("pain_activity_caution_max"))
    assert k.follow_up.pain_flag_above == limit
    it = item(k, "squat_to_chair")
    s = go(k, "squat_to_chair", later(at_top(it.dose, 2), pain_during=limit + 1))
    assert (s.step, s.rule, s.exercise) == (Step.DOWN, "pain_during", "sit_to_stand")
    assert base.texts.progression_reason(s, "da").startswith(
        f"Smerte under træningen {limit + 1}/10"
    )
    assert (
        go(k, "squat_to_chair", later(at_top(it.dose, 2), pain_during=limit)).step
        is Step.NEXT_LEVEL
    )


def test_more_pain_the_next_day_goes_down(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    worse = go(k, "squat_to_chair", at_top(it.dose, 2, pain_during=2, pain_next_day=3))
    assert (worse.step, worse.rule) == (Step.DOWN, "pain_next_day")
    same = go(k, "squat_to_chair", at_top(it.dose, 2, pain_during=3, pain_next_day=3))
    assert same.step is Step.NEXT_LEVEL
    # Next-day pain with none recorded during: only above the pain limit.
    assert go(k, "squat_to_chair", at_top(it.dose, 1, pain_during=None, pain_next_day=6)).rule == (
        "pain_next_day"
    )
    assert go(k, "squat_to_chair", at_top(it.dose, 1, pain_during=None, pain_next_day=5)).rule == (
        "keep_going"
    )


@pytest.mark.parametrize("event", [Event.FALL, Event.NEW_BACK_PAIN])
def test_a_fall_or_new_back_pain_stops_and_reassesses(
    k: Knowledge, base: KnowledgeBase, event: Event
) -> None:
    it = item(k, "squat_to_chair")
    s = go(k, "squat_to_chair", later(at_top(it.dose, 2), events=(event,)))
    assert (s.step, s.rule, s.exercise, s.dose) == (
        Step.STOP,
        "stop_event",
        "squat_to_chair",
        it.dose,
    )
    assert "røde flag" in base.texts.progression_reason(s, "da")
    # Even when the exercise was not done, and before any pain rule.
    both = later(at_top(it.dose, 1), events=(Event.NEW_PAIN, event), done=False, pain_during=9)
    assert go(k, "squat_to_chair", both).step is Step.STOP


def test_an_earlier_event_breaks_the_streak_but_does_not_stop(k: Knowledge) -> None:
    it = item(k, "squat_to_chair")
    history = later(at_top(it.dose, 1, events=(Event.FALL,)), events=())
    assert go(k, "squat_to_chair", history).rule == "keep_going"


def test_new_pain_goes_down_and_another_event_stays(k: Knowledge, base: KnowledgeBase) -> None:
    it = item(k, "squat_to_chair")
    pain = go(k, "squat_to_chair", later(at_top(it.dose, 2), events=(Event.NEW_PAIN,)))
    assert (pain.step, pain.rule) == (Step.DOWN, "new_pain")
    other = go(k, "squat_to_chair", later(at_top(it.dose, 2), events=(Event.OTHER,)))
    assert (other.step, other.rule) == (Step.STAY, "review_event")
    assert base.texts.progression_reason(other, "da").startswith("En anden hændelse ved træningen")


def test_down_at_the_first_level_keeps_the_exercise_with_an_easier_dose(
    k: Knowledge, base: KnowledgeBase
) -> None:
    it = item(k, "sit_to_stand")
    assert it.dose.sets == 2
    s = go(k, "sit_to_stand", at_top(it.dose, 1, pain_during=7))
    assert (s.step, s.exercise, s.level, s.dose.sets, s.dose.reps) == (
        Step.DOWN,
        "sit_to_stand",
        1,
        1,
        (8, 12),
    )
    assert s.fact("easier") is True
    assert "Samme øvelse med lettere dosering" in base.texts.progression_reason(s, "da")
    one_set = ItemNow("sit_to_stand", "", 1, replace(it.dose, sets=1))
    lower = suggest(k, one_set, at_top(one_set.dose, 1, pain_during=7), {})
    assert lower is not None
    assert (lower.dose.sets, lower.dose.reps) == (1, (5, 8))
    hold = ItemNow("wall_plank", "", 1, Dose(sets=1, hold_s=(10, 30)))
    held = suggest(k, hold, at_top(hold.dose, 1, pain_during=7), {})
    assert held is not None
    assert held.dose.hold_s == (6, 20)
    floor = ItemNow("sit_to_stand", "", 1, Dose(sets=1, reps=(1, 1)))
    same = suggest(k, floor, at_top(floor.dose, 1, pain_during=7), {})
    assert same is not None
    assert (same.step, same.dose, same.fact("easier")) == (Step.DOWN, floor.dose, False)
    assert "kan ikke gøres lettere" in base.texts.progression_reason(same, "da")


def test_a_reason_names_the_sets_in_words(k: Knowledge, base: KnowledgeBase) -> None:
    one = go(k, "chin_tuck")
    assert item(k, "chin_tuck").dose.sets == 1
    assert base.texts.progression_reason(one, "da").startswith("Sættet nåede 10 gentagelser")
    assert base.texts.progression_reason(one, "en").startswith("The set reached 10 repetitions")
    it = ItemNow("squat_to_chair", "", 2, replace(item(k, "squat_to_chair").dose, sets=None))
    every = suggest(k, it, at_top(it.dose), {})
    assert every is not None
    assert base.texts.progression_reason(every, "da").startswith("Hvert sæt nåede 12")


def test_down_never_goes_to_a_level_that_breaks_a_cap(k: Knowledge) -> None:
    # forward_lunge (fall risk moderate) -> split_squat_supported (low) is allowed ...
    it = item(k, "forward_lunge")
    assert (
        go(k, "forward_lunge", at_top(it.dose, 1, pain_during=8)).exercise
        == "split_squat_supported"
    )
    # ... split_squat_supported -> step_up (fall risk moderate) is not under a low cap.
    s = go(k, "split_squat_supported", at_top(it.dose, 1, pain_during=8), caps={"fall_risk": "low"})
    assert (s.step, s.exercise, s.dose.sets) == (Step.DOWN, "split_squat_supported", 1)

"""The clinician's acute-phase decision (case `acute_phase_decision`; issue 15, item 6).

SPEC R-ACU-2 (start for another recent fracture), R-ACU-EXIT-2 (end from earliest_end, fracture +
12 weeks) and P4 (a red flag's precautionary phase): checked by rules R-ACU-EXIT-2 and R-ACU-2,
whose steps are in the trace; a decision that may not take effect is refused with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings

from osteofys import kb
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment, CaseError, assess, parse_case
from osteofys.rules.model import AcuteRefusal, AcuteSite, AcuteSource
from osteofys.rules.result import json_schema, read_result, write_result
from tests.conftest import vary
from tests.rules.strategies import ASSESSED as TODAY
from tests.rules.strategies import complete_case

Run = Callable[..., Assessment]
ASSESSED = "2026-11-26"
END = {"action": "end", "reason": "Smerterne er faldet, går som før bruddet."}


def vertebral(date: str) -> list[dict[str, Any]]:
    return [{"site": "vertebra", "date": date, "low_energy": True}]


def pelvis(date: str = "2026-10-29") -> list[dict[str, Any]]:
    """A pelvic fracture 4 weeks before the assessment (2026-11-26) by default."""
    return [{"site": "pelvis", "date": date, "low_energy": True}]


def start(site: str = "pelvis") -> dict[str, Any]:
    return {
        "action": "start",
        "reason": "Bækkenbrud for 4 uger siden, smerter ved gang.",
        "site": site,
    }


def step(a: Assessment, rule: str) -> Any:
    return next(s for s in a.trace if s.rule == rule)


def issues(base: KnowledgeBase, case: dict[str, Any]) -> list[tuple[str, str, str]]:
    k = base.knowledge
    with pytest.raises(CaseError) as caught:
        parse_case(case, k.input_ranges, k.conditions)
    return [(i.field, i.problem, i.allowed) for i in caught.value.issues]


# --- ending the acute phase (R-ACU-EXIT-2) ----------------------------------------------------


def test_ending_before_earliest_end_is_refused_and_the_phase_stays(run: Run) -> None:
    # 8 weeks after the fracture: earliest_end is at 12 weeks.
    a = run(vary(fractures=vertebral("2026-10-01"), acute_phase_decision=END))
    acute = a.acute_phase
    assert acute.active is True
    assert not acute.ended_by_clinician
    assert acute.source is AcuteSource.FRACTURE
    assert acute.site is AcuteSite.VERTEBRA
    assert acute.decision is not None
    assert acute.decision.applied is False
    assert acute.decision.refused is AcuteRefusal.BEFORE_EARLIEST_END
    assert acute.reason == ""  # a refused decision's reason is not the phase's
    assert step(a, "R-ACU-EXIT-2").outcome is False
    assert step(a, "P3").outcome is True
    assert "R-ACU" in a.plan.cap_rules


def test_ending_at_13_weeks_ends_the_phase_and_the_category_applies(run: Run) -> None:
    a = run(vary(fractures=vertebral("2026-08-27"), acute_phase_decision=END))  # 13 weeks
    acute = a.acute_phase
    assert acute.active is False
    assert acute.ended_by_clinician is True
    assert acute.source is AcuteSource.FRACTURE
    assert acute.site is AcuteSite.VERTEBRA
    assert acute.reason == END["reason"]
    assert acute.decision is not None
    assert acute.decision.applied is True
    assert acute.decision.refused is None
    assert str(acute.earliest_end) == "2026-11-19"
    assert step(a, "R-ACU-EXIT-2").outcome is True
    assert step(a, "P3").outcome is False
    assert "R-ACU-EXIT-2" in a.reasons
    assert "P3" not in a.reasons
    # R-ACU-EXIT-3: the base category with the fracture (_H), no longer the FB start.
    assert a.category == "hverdagsaktiv_med_hensyn"
    assert a.plan.exercise_set == "hverdagsaktiv_med_hensyn"
    assert "R-ACU" not in a.plan.cap_rules
    assert "R-SAFE-4" in a.plan.cap_rules  # the fracture's own precautions stay


def test_ending_exactly_at_earliest_end_is_allowed(run: Run) -> None:
    a = run(vary(fractures=vertebral("2026-09-03"), acute_phase_decision=END))  # 12 weeks
    assert a.acute_phase.ended_by_clinician is True


def test_ending_without_an_acute_phase_is_refused(run: Run) -> None:
    a = run(vary(fractures=vertebral("2025-11-01"), acute_phase_decision=END))
    assert a.acute_phase.active is False
    assert a.acute_phase.decision is not None
    assert a.acute_phase.decision.refused is AcuteRefusal.NOT_ACTIVE


def test_a_red_flag_refuses_the_end(run: Run) -> None:
    case = vary(function__new_sudden_back_pain=True, acute_phase_decision=END)
    acute = run(case).acute_phase
    assert acute.active is True
    assert acute.precautionary is True
    assert acute.source is AcuteSource.RED_FLAG
    assert acute.decision is not None
    assert acute.decision.refused is AcuteRefusal.RED_FLAG_ACTIVE
    # With a fracture 13 weeks ago the fracture's phase stays too: not ended under a red flag.
    case = vary(case, fractures=vertebral("2026-08-27"))
    acute = run(case).acute_phase
    assert acute.active is True
    assert not acute.ended_by_clinician
    assert acute.decision is not None
    assert acute.decision.refused is AcuteRefusal.RED_FLAG_ACTIVE


def test_ending_with_the_red_flag_unanswered_is_undecided_and_names_it(run: Run) -> None:
    case = vary(
        fractures=vertebral("2026-08-27"),
        function__new_sudden_back_pain=None,
        acute_phase_decision=END,
    )
    a = run(case)
    assert a.acute_phase.active is None
    assert a.acute_phase.decision is not None
    assert a.acute_phase.decision.applied is None
    assert a.acute_phase.decision.refused is AcuteRefusal.UNDECIDED
    assert "function.new_sudden_back_pain" in a.missing
    assert "R-ACU" in a.plan.cap_rules  # unknown: the plan stays careful


# --- starting it for another recent fracture (R-ACU-2) ----------------------------------------


def test_starting_for_a_pelvic_fracture_4_weeks_ago_sets_the_acute_phase(run: Run) -> None:
    a = run(vary(fractures=pelvis(), acute_phase_decision=start()))
    acute = a.acute_phase
    assert acute.active is True
    assert acute.site is AcuteSite.OTHER
    assert acute.source is AcuteSource.CLINICIAN
    assert acute.reason == start()["reason"]
    assert str(acute.fracture_date) == "2026-10-29"
    assert str(acute.until) == "2027-04-29"
    assert str(acute.earliest_end) == "2027-01-21"
    assert step(a, "R-ACU-2").outcome is True
    assert step(a, "P3").outcome is False
    assert "R-ACU-2" in a.reasons
    assert a.plan.exercise_set == "funktionsbegraenset"
    assert "R-ACU" in a.plan.cap_rules
    assert "hirit_offered" not in a.overlays


def test_without_the_decision_a_pelvic_fracture_sets_no_acute_phase(run: Run) -> None:
    acute = run(vary(fractures=pelvis())).acute_phase
    assert acute.active is False
    assert acute.source is None
    assert acute.decision is None


def test_starting_for_an_old_fracture_is_refused(run: Run) -> None:
    a = run(vary(fractures=pelvis("2026-04-01"), acute_phase_decision=start()))
    assert a.acute_phase.active is False
    assert a.acute_phase.decision is not None
    assert a.acute_phase.decision.refused is AcuteRefusal.NOT_RECENT


def test_starting_while_a_vertebral_acute_phase_is_active_is_refused(run: Run) -> None:
    fractures = [*vertebral("2026-10-01"), *pelvis()]
    acute = run(vary(fractures=fractures, acute_phase_decision=start())).acute_phase
    assert acute.active is True
    assert acute.source is AcuteSource.FRACTURE
    assert acute.decision is not None
    assert acute.decision.refused is AcuteRefusal.ALREADY_ACTIVE


def test_starting_for_an_undated_fracture_is_undecided_and_names_the_date(run: Run) -> None:
    fractures = [{"site": "pelvis", "date": None, "low_energy": True}]
    a = run(vary(fractures=fractures, acute_phase_decision=start()))
    assert a.acute_phase.active is None
    assert "fractures[0].date" in a.missing


def test_a_hip_fracture_sets_the_hip_site(run: Run) -> None:
    fractures = [{"site": "hip", "date": "2026-09-01", "low_energy": True}]
    acute = run(vary(fractures=fractures)).acute_phase
    assert acute.site is AcuteSite.HIP
    assert acute.source is AcuteSource.FRACTURE


def test_the_red_flag_phase_names_its_source(run: Run) -> None:
    acute = run(vary(function__new_sudden_back_pain=True)).acute_phase
    assert acute.precautionary
    assert acute.source is AcuteSource.RED_FLAG


# --- the case format ---------------------------------------------------------------------------


def test_a_reason_is_required(base: KnowledgeBase) -> None:
    for reason in (None, "", "   "):
        case = vary(fractures=pelvis(), acute_phase_decision={**start(), "reason": reason})
        assert ("acute_phase_decision.reason", "required", "") in issues(base, case)


def test_a_bad_action_names_the_allowed_values(base: KnowledgeBase) -> None:
    case = vary(fractures=pelvis(), acute_phase_decision={**start(), "action": "pause"})
    assert ("acute_phase_decision.action", "bad_choice", "end, start") in issues(base, case)


def test_starting_needs_the_site_of_a_recorded_fracture(base: KnowledgeBase) -> None:
    no_site = vary(fractures=pelvis(), acute_phase_decision={**start(), "site": None})
    assert [i[:2] for i in issues(base, no_site)] == [("acute_phase_decision.site", "required")]
    elsewhere = vary(fractures=pelvis(), acute_phase_decision=start("proximal_humerus"))
    assert [i[:2] for i in issues(base, elsewhere)] == [
        ("acute_phase_decision.site", "no_fracture")
    ]
    unknown = vary(fractures=pelvis(), acute_phase_decision=start("sacrum"))
    assert [i[:2] for i in issues(base, unknown)] == [("acute_phase_decision.site", "bad_choice")]


def test_ending_takes_no_site_and_unknown_keys_are_named(base: KnowledgeBase) -> None:
    case = vary(fractures=vertebral("2026-08-27"), acute_phase_decision={**END, "site": "hip"})
    assert [i[:2] for i in issues(base, case)] == [("acute_phase_decision.site", "only_with_start")]
    case = vary(fractures=vertebral("2026-08-27"), acute_phase_decision={**END, "date": ASSESSED})
    assert [i[:2] for i in issues(base, case)] == [("acute_phase_decision.date", "unknown_field")]
    case = vary(acute_phase_decision="end")
    assert [i[:2] for i in issues(base, case)] == [("acute_phase_decision", "wrong_type")]


def test_a_long_reason_is_refused(base: KnowledgeBase) -> None:
    case = vary(fractures=pelvis(), acute_phase_decision={**start(), "reason": "x" * 2001})
    assert [i[:2] for i in issues(base, case)] == [("acute_phase_decision.reason", "too_long")]


def test_every_problem_and_refusal_has_its_words(base: KnowledgeBase) -> None:
    for code in ("too_long", "only_with_start", "no_fracture", *AcuteRefusal):
        for lang in ("da", "en"):
            assert base.texts.error(code, lang)
            assert base.texts.error_inline(code, lang)


# --- the result document ------------------------------------------------------------------------


def test_the_result_carries_the_decision_and_its_schema_names_it(
    run: Run, base: KnowledgeBase
) -> None:
    a = run(vary(fractures=pelvis(), acute_phase_decision=start()))
    doc = write_result(a, words(base, "da"))
    schema = json_schema()["properties"]["acute_phase"]
    assert list(schema["properties"]) == list(doc["acute_phase"])
    assert schema["properties"]["source"]["anyOf"][0]["enum"] == [
        "fracture",
        "clinician",
        "red_flag",
    ]
    assert read_result(doc).acute_phase.decision is not None
    acute = doc["acute_phase"]
    assert acute["site"] == "other"
    assert acute["source"] == "clinician"
    assert acute["ended_by_clinician"] is False
    assert acute["reason"] == start()["reason"]
    assert acute["decision"] == {
        "action": "start",
        "reason": start()["reason"],
        "site": "pelvis",
        "rule": "R-ACU-2",
        "applied": True,
        "refused": None,
    }
    assert any(r["rule"] == "R-ACU-2" and r["group"] == "acute_phase" for r in doc["reasons"])


# --- pain caution (R-PAIN) ------------------------------------------------------------------------


@pytest.mark.parametrize(("pain", "caution"), [(6, True), (5, False), (None, False)])
def test_pain_at_activity_above_the_threshold_asks_to_start_lower(
    run: Run, base: KnowledgeBase, pain: float | None, caution: bool
) -> None:
    a = run(vary(function__pain_activity=pain))
    assert ("pain_caution" in a.overlays) is caution
    assert ("R-PAIN" in a.reasons) is caution
    assert base.knowledge.value("pain_activity_caution_max") == 5


def test_a_reason_with_a_control_character_is_refused(base: KnowledgeBase) -> None:
    case = vary(fractures=pelvis(), acute_phase_decision={**start(), "reason": "ok\x00"})
    assert [i[:2] for i in issues(base, case)] == [("acute_phase_decision.reason", "wrong_type")]
    case = vary(fractures=pelvis(), acute_phase_decision={**start(), "reason": "linje 1\nlinje 2"})
    k = base.knowledge
    parsed = parse_case(case, k.input_ranges, k.conditions)
    assert parsed.acute_phase_decision is not None
    assert parsed.acute_phase_decision.reason == "linje 1\nlinje 2"


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(case=complete_case())
def test_a_decision_that_does_not_take_effect_changes_nothing_that_loosens_safety(
    case: dict[str, Any],
) -> None:
    k = kb.load().knowledge
    decided = assess(parse_case(case, k.input_ranges, k.conditions, today=TODAY), k)
    plain = assess(
        parse_case(
            {**case, "acute_phase_decision": None}, k.input_ranges, k.conditions, today=TODAY
        ),
        k,
    )
    decision = decided.acute_phase.decision
    if decision is None:
        assert decided.acute_phase == plain.acute_phase
        return
    if decision.applied is False:
        assert decided.acute_phase.active == plain.acute_phase.active
        assert decided.plan == plain.plan
    elif decision.applied is None:
        # Undecided: never less careful than without the decision.
        assert decided.acute_phase.active in (None, plain.acute_phase.active)
    elif decision.action == "end":
        assert decided.acute_phase.active is False
        assert decided.acute_phase.ended_by_clinician
    else:
        assert decided.acute_phase.active is True
        assert decided.acute_phase.source is AcuteSource.CLINICIAN


def test_ending_with_pain_above_the_guidance_is_allowed_with_a_caution(run: Run) -> None:
    case = vary(
        fractures=vertebral("2026-08-27"),
        function__pain_activity=7,
        acute_phase_decision=END,
    )
    a = run(case)
    assert a.acute_phase.ended_by_clinician
    assert "R-ACU-EXIT-2_pain" in a.reasons
    assert "acute_exit_pain_caution" in a.overlays
    calm = run(vary(case, function__pain_activity=3))
    assert "R-ACU-EXIT-2_pain" not in calm.reasons


def test_starting_with_the_fractures_not_recorded_is_undecided(run: Run) -> None:
    a = run(vary(fractures=None, acute_phase_decision=start()))
    assert a.acute_phase.active is None
    assert a.acute_phase.decision is not None
    assert a.acute_phase.decision.refused is AcuteRefusal.UNDECIDED
    assert "fractures" in a.missing

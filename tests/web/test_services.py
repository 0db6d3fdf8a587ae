"""Services and selectors: what is stored, and that every read is scoped to the clinic."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from osteofys import kb
from osteofys.web.accounts import selectors as account_selectors
from osteofys.web.accounts import services as account_services
from osteofys.web.accounts.models import Clinic
from osteofys.web.records import clinical, selectors, services
from osteofys.web.records.cpr import masked, normalise
from tests.web.conftest import case_for, make_assessment, make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db


def test_assessment_stores_inputs_suggestion_choice_kb_and_trace(
    clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    case = case_for(
        patient, fractures=[{"site": "vertebra", "date": "2026-09-20", "low_energy": True}]
    )
    evaluated = clinical.evaluate(case, final_category="funktionsbegraenset")
    stored = services.assessment_record(
        patient=patient,
        user=user,
        case=case,
        evaluated=evaluated,
        final_category="funktionsbegraenset",
        override_reason="Har stærke smerter.",
    )
    stored.refresh_from_db()
    assert stored.inputs == case
    assert stored.suggested_category == "hverdagsaktiv_med_hensyn"
    assert stored.final_category == "funktionsbegraenset"
    assert stored.override_reason == "Har stærke smerter."
    assert stored.overridden
    assert stored.kb_version == kb.load().version
    assert stored.kb_hash == kb.load().content_hash
    assert stored.acute_phase_active is True
    assert {s["rule"] for s in stored.result["trace"]} >= {"P3", "D6", "P9_osteoporosis"}
    plan = stored.plans.get()
    assert plan.exercise_set == "funktionsbegraenset"  # acute phase
    assert plan.acute_advice
    # Issue 15: an acute plan after a vertebral fracture holds at most 6 exercises, one per slot of
    # the acute layout, and the plan keeps the report of every slot.
    assert 1 <= plan.items.count() <= 6
    patterns = {s["pattern"] for s in plan.slots}
    assert {"pain_relief", "movement_technique", "back_extensors"} <= patterns
    assert plan.items.filter(exercise="log_roll").exists()
    assert plan.caps["load"] == "light"


def test_override_reason_is_dropped_when_the_suggestion_is_kept(clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    case = case_for(patient)
    stored = services.assessment_record(
        patient=patient,
        user=user,
        case=case,
        evaluated=clinical.evaluate(case),
        final_category="hverdagsaktiv",
        override_reason="ingen grund",
    )
    assert stored.override_reason == ""
    assert not stored.overridden


def test_changing_the_decision_needs_a_reason_in_the_service_itself(
    clinic: Clinic, user: User
) -> None:
    """The rule is the service's, so no caller (view, API, script) can store an unexplained
    override; a refused change writes nothing."""
    assessment = make_assessment(make_patient(clinic), user)
    before = (assessment.final_category, assessment.version, assessment.plans.count())
    for reason in ("", "   "):
        with pytest.raises(services.OverrideReasonMissingError):
            services.assessment_decide(
                assessment=assessment,
                user=user,
                final_category="traeningsaktiv",
                override_reason=reason,
                version=assessment.version,
            )
        assessment.refresh_from_db()
        assert (assessment.final_category, assessment.version, assessment.plans.count()) == before
    services.assessment_decide(
        assessment=assessment,
        user=user,
        final_category="traeningsaktiv",
        override_reason="  trænet 3 gange om ugen i et år  ",
        version=assessment.version,
    )
    assessment.refresh_from_db()
    assert assessment.final_category == "traeningsaktiv"
    assert assessment.override_reason == "trænet 3 gange om ugen i et år"


def test_plan_for_an_overridden_category_keeps_fact_based_precautions(
    clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    case = case_for(
        patient,
        fractures=[{"site": "vertebra", "date": "2020-01-01", "low_energy": True}],
        function__training_days_per_week=3,
        function__training_months=24,
    )
    evaluated = clinical.evaluate(case, final_category="traeningsaktiv")
    stored = services.assessment_record(
        patient=patient,
        user=user,
        case=case,
        evaluated=evaluated,
        final_category="traeningsaktiv",
        override_reason="Erfaren løfter",
    )
    plan = stored.plans.get()
    assert plan.exercise_set == "traeningsaktiv"
    assert plan.caps["impact"] == "walking"  # R-SAFE-4 follows the vertebral fracture
    assert not plan.items.filter(supervised=True).exists()


def test_invalid_case_comes_back_as_issues_not_an_exception() -> None:
    evaluated = clinical.evaluate(
        {"assessment_date": "2026-11-26", "patient": {"birth_date": "x", "sex": "f"}}
    )
    assert evaluated.document is None
    assert {i.field for i in evaluated.issues} == {"patient.birth_date", "patient.sex"}


def test_selectors_never_cross_clinics(clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    other = make_clinic("Anden klinik")
    with pytest.raises(Http404):
        selectors.patient_get(other, patient.pk)
    with pytest.raises(Http404):
        selectors.assessment_get(other, assessment.pk)
    with pytest.raises(Http404):
        selectors.plan_get(other, assessment.plans.get().pk)
    assert list(selectors.patient_list(other).object_list) == []
    assert [p.pk for p in selectors.patient_list(clinic).object_list] == [patient.pk]


def test_patient_list_search_paging_and_latest_category(clinic: Clinic, user: User) -> None:
    for i in range(30):
        make_patient(clinic, name=f"Patient {i:02d}")
    hansen = make_patient(clinic, name="Jens Hansen")
    make_assessment(hansen, user)
    page = selectors.patient_list(clinic, "hansen")
    assert [p.name for p in page.object_list] == ["Jens Hansen"]
    assert page.object_list[0].latest_category == "hverdagsaktiv"
    assert selectors.patient_list(clinic).paginator.count == 31
    assert len(selectors.patient_list(clinic, page=2).object_list) == 6


def test_retest_and_series(clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user)
    from datetime import date

    services.retest_record(
        patient=patient, user=user, test="tug_s", when=date(2026, 12, 1), value=14.0, unable=False
    )
    services.retest_record(
        patient=patient,
        user=user,
        test="sit_to_stand_5x_s",
        when=date(2026, 12, 1),
        value=None,
        unable=True,
    )
    series = selectors.test_series(patient)
    assert [p[1] for p in series["tug_s"]] == [8.5, 14.0]
    assert series["sit_to_stand_5x_s"][-1] == (date(2026, 12, 1), None, True)


def test_setup_only_once(db: Any) -> None:
    assert account_selectors.setup_needed()
    account_services.clinic_setup(clinic_name="K", username="a", password="x" * 12)
    assert not account_selectors.setup_needed()
    with pytest.raises(account_services.SetupAlreadyDoneError):
        account_services.clinic_setup(clinic_name="K2", username="b", password="x" * 12)


def test_user_of_another_clinic_is_not_found(clinic: Clinic) -> None:
    stranger = make_user(make_clinic("B"), "stranger")
    with pytest.raises(Http404):
        account_selectors.user_get(clinic, stranger.pk)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("020458-1234", "0204581234"),
        ("0204581234", "0204581234"),
        ("290200-1234", "2902001234"),
        ("300258-1234", None),
        ("02045-1234", None),
        ("abcdefghij", None),
        ("020458 1234", "0204581234"),
    ],
)
def test_cpr_format(raw: str, expected: str | None) -> None:
    assert normalise(raw) == expected


def test_cpr_mask() -> None:
    assert masked("0204581234") == "020458-****"


def test_the_plan_caps_hold_for_every_caller_of_plan_item_add(clinic: Clinic, user: User) -> None:
    # P2, S34: after a vertebral fracture impact is capped at walking; the service itself refuses
    # jumps without a confirmation and a reason, so no view or API can skip the check.
    patient = make_patient(clinic)
    plan = make_assessment(
        patient, user, fractures=[{"site": "vertebra", "date": "2020-01-01", "low_energy": True}]
    ).plans.get()
    before = plan.items.count()
    for confirmed, note in ((False, ""), (True, ""), (True, "   "), (False, "Tidligere løber")):
        with pytest.raises(services.PrecautionNotConfirmedError):
            services.plan_item_add(
                plan=plan, exercise_id="low_jumps", confirmed=confirmed, precaution_note=note
            )
    with pytest.raises(services.ExerciseNotOfferedError):
        services.plan_item_add(plan=plan, exercise_id="no_such_exercise")
    assert plan.items.count() == before
    added = services.plan_item_add(
        plan=plan, exercise_id="low_jumps", confirmed=True, precaution_note=" Løber, smertefri "
    )
    assert (added.precaution_confirmed, added.precaution_note) == (True, "Løber, smertefri")
    jumps = {e.id: e for e in kb.load().knowledge.exercises}["low_jumps"]
    assert added.domain == jumps.domain.value
    assert (
        added.dose == jumps.dose_for("default").as_dict() or plan.exercise_set in jumps.categories
    )

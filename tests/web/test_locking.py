"""No lost updates: an edit made from a stale version is refused, shown, and overwrites nothing."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from osteofys.web.records import services
from osteofys.web.records.models import Assessment, Patient, Plan
from tests.web.conftest import make_assessment, make_patient, make_user

pytestmark = pytest.mark.django_db

CONFLICT = "En anden har gemt en ændring, mens du arbejdede"


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def kim_and_bo(clinic: Clinic, user: User) -> tuple[Client, Client]:
    """Two clinicians of the same clinic, each in their own browser."""
    kim, bo = Client(), Client()
    kim.force_login(user)
    bo.force_login(make_user(clinic, "bo"))
    return kim, bo


PATIENT = {"birth_date": "1958-04-02", "sex": "female", "height_cm": "165", "weight_kg": "65"}


def test_second_patient_save_from_the_same_version_is_a_conflict(
    kim_and_bo: tuple[Client, Client], clinic: Clinic
) -> None:
    kim, bo = kim_and_bo
    patient = make_patient(clinic, name="Inger Hansen")
    url = reverse("records:patient_edit", args=[patient.pk])
    kim_version = _version(kim.get(url).content.decode())
    bo_version = _version(bo.get(url).content.decode())
    assert kim_version == bo_version == "1"

    saved = kim.post(url, {**PATIENT, "name": "Inger Hansen-Kim", "version": kim_version})
    assert saved.status_code == 302
    refused = bo.post(url, {**PATIENT, "name": "Inger Bo-Hansen", "version": bo_version})
    html = refused.content.decode()
    assert refused.status_code == 409
    assert CONFLICT in html
    assert "Din ændring er ikke gemt" in html
    assert 'value="Inger Bo-Hansen"' in html  # what Bo typed is kept in the form
    assert "<dd>Inger Hansen-Kim</dd>" in html  # next to what is stored now
    assert "Gemt af Kim Fysio" in html
    patient.refresh_from_db()
    assert (patient.name, patient.version) == ("Inger Hansen-Kim", 2)

    # Saving the re-shown form again is a deliberate overwrite, from the version Bo has now seen.
    again = bo.post(url, {**PATIENT, "name": "Inger Bo-Hansen", "version": _version(html)})
    assert again.status_code == 302
    patient.refresh_from_db()
    assert (patient.name, patient.version) == ("Inger Bo-Hansen", 3)


def test_a_cpr_number_survives_a_conflict_unshown(
    kim_and_bo: tuple[Client, Client], clinic: Clinic
) -> None:
    kim, bo = kim_and_bo
    patient = make_patient(clinic, cpr="0204581234")
    url = reverse("records:patient_edit", args=[patient.pk])
    kim.post(url, {**PATIENT, "name": "A", "version": "1"})
    html = bo.post(url, {**PATIENT, "name": "B", "version": "1"}).content.decode()
    assert "020458-****" in html
    assert "0204581234" not in html
    patient.refresh_from_db()
    assert patient.cpr == "0204581234"


def test_second_assessment_decision_from_the_same_version_is_a_conflict(
    kim_and_bo: tuple[Client, Client], clinic: Clinic, user: User
) -> None:
    kim, bo = kim_and_bo
    assessment = make_assessment(make_patient(clinic), user)
    assert assessment.final_category == "hverdagsaktiv"
    url = reverse("records:assessment_decide", args=[assessment.pk])
    kim_version = _version(kim.get(url).content.decode())
    bo_version = _version(bo.get(url).content.decode())
    assert kim_version == bo_version == "1"

    saved = kim.post(
        url,
        {
            "final_category": "traeningsaktiv",
            "override_reason": "Træner fast i klub",
            "version": kim_version,
        },
    )
    assert saved.status_code == 302
    refused = bo.post(
        url,
        {
            "final_category": "funktionsbegraenset",
            "override_reason": "Smerter i dag",
            "version": bo_version,
        },
    )
    html = refused.content.decode()
    assert refused.status_code == 409
    assert CONFLICT in html
    assert "Smerter i dag</textarea>" in html
    assert "<dd>Træner fast i klub</dd>" in html
    assessment.refresh_from_db()
    assert assessment.final_category == "traeningsaktiv"
    assert assessment.override_reason == "Træner fast i klub"
    assert assessment.version == 2
    # Kim's new category made a new plan for it; the first plan is kept.
    plans = list(assessment.plans.order_by("id"))
    assert [p.exercise_set for p in plans] == ["hverdagsaktiv", "traeningsaktiv"]


def test_decision_needs_a_reason_to_differ_from_the_suggestion(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    url = reverse("records:assessment_decide", args=[assessment.pk])
    response = logged_in.post(url, {"final_category": "traeningsaktiv", "version": "1"})
    assert response.status_code == 200
    assert "Skriv en begrundelse" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.final_category == "hverdagsaktiv"
    # Back to the suggestion: no reason needed, any old one is dropped, no new plan.
    logged_in.post(url, {"final_category": "hverdagsaktiv", "override_reason": "x", "version": 1})
    assessment.refresh_from_db()
    assert (assessment.override_reason, assessment.version) == ("", 2)
    assert assessment.plans.count() == 1


def test_decision_cannot_remake_a_plan_with_another_knowledge_base(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    Assessment.objects.filter(pk=assessment.pk).update(kb_hash="0" * 64)
    url = reverse("records:assessment_decide", args=[assessment.pk])
    response = logged_in.post(
        url, {"final_category": "traeningsaktiv", "override_reason": "Erfaren", "version": "1"}
    )
    assert response.status_code == 200
    assert "anden udgave af videnbasen" in response.content.decode()
    assessment.refresh_from_db()
    assert (assessment.final_category, assessment.version) == ("hverdagsaktiv", 1)


def _dose(sets: str) -> dict[str, str]:
    return {"sets": sets, "reps_min": "8", "reps_max": "10", "days_min": "2", "days_max": "3"}


def test_plan_edits_from_a_stale_version_are_conflicts(
    kim_and_bo: tuple[Client, Client], clinic: Clinic, user: User
) -> None:
    kim, bo = kim_and_bo
    plan = make_assessment(make_patient(clinic), user).plans.get()
    first, second = list(plan.items.order_by("domain", "position"))[:2]
    page = reverse("records:plan_detail", args=[plan.pk])
    assert _version(kim.get(page).content.decode()) == _version(bo.get(page).content.decode())

    dose = reverse("records:plan_item_dose", args=[plan.pk, first.pk])
    assert kim.post(dose, {**_dose("4"), "version": "1"}).status_code == 302

    # Bo's dose change, made on the page as it was before Kim's: refused, Bo's numbers kept.
    refused = bo.post(dose, {**_dose("2"), "reps_min": "12", "reps_max": "15", "version": "1"})
    html = refused.content.decode()
    assert refused.status_code == 409
    assert CONFLICT in html
    assert 'value="15"' in html
    assert "4 × 8–10 gentagelser" in html  # the stored dose, shown on the page
    first.refresh_from_db()
    assert first.dose["sets"] == 4

    remove = reverse("records:plan_item_remove", args=[plan.pk, second.pk])
    assert bo.post(remove, {"version": "1"}).status_code == 409
    assert plan.items.filter(pk=second.pk).exists()

    add = reverse("records:plan_item_add", args=[plan.pk])
    refused = bo.post(add, {"exercise": "heel_raise", "precaution_note": "Note", "version": "1"})
    assert refused.status_code == 409
    assert "Note</textarea>" in refused.content.decode()
    assert not plan.items.filter(exercise="heel_raise").exists()

    plan.refresh_from_db()
    assert plan.version == 2
    # From the version now shown, Bo's change goes through.
    assert bo.post(remove, {"version": "2"}).status_code == 302
    assert not plan.items.filter(pk=second.pk).exists()


def test_services_refuse_a_stale_version_and_write_nothing(clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    data = {"name": "Ny", "birth_date": patient.birth_date, "sex": "male"}
    services.patient_update(patient=patient, data=data, version=1)
    stale = Patient.objects.get(pk=patient.pk)
    stale.version = 1
    with pytest.raises(services.EditConflict) as caught:
        services.patient_update(patient=stale, data={**data, "name": "Gammel"})
    assert isinstance(caught.value.current, Patient)
    assert caught.value.current.name == "Ny"
    assert Patient.objects.get(pk=patient.pk).name == "Ny"
    plan = make_assessment(patient, user).plans.get()
    with pytest.raises(services.EditConflict):
        services.plan_item_dose(plan=plan, item_id=plan.items.first().pk, dose={}, version=7)
    assert Plan.objects.get(pk=plan.pk).version == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_saving_the_same_version_one_wins(clinic: Clinic) -> None:
    """Two requests at the same moment, each in its own thread and database connection."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("SQLite's shared in-memory test database locks tables instead of waiting")
    patient = make_patient(clinic)
    barrier = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def save(name: str) -> None:
        try:
            fresh = Patient.objects.get(pk=patient.pk)
            barrier.wait(timeout=10)
            data = {"name": name, "birth_date": fresh.birth_date, "sex": fresh.sex}
            services.patient_update(patient=fresh, data=data, version=1)
            outcome[name] = "saved"
        except services.EditConflict:
            outcome[name] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("Kim", "Bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcome.values()) == ["conflict", "saved"]
    winner = next(n for n, o in outcome.items() if o == "saved")
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.name, stored.version) == (winner, 2)

"""One service records an assessment: the web form and the API store identical rows (the stored
assessment and its plan) for the same input, and both refuse an override without a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts import tokens
from osteofys.web.records.models import Assessment, Patient
from tests.web.conftest import make_patient
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db

STORED = (
    "assessment_date",
    "inputs",
    "result",
    "suggested_category",
    "final_category",
    "override_reason",
    "acute_phase_active",
    "referral_recommended",
    "kb_version",
    "kb_hash",
)


def _row(assessment: Assessment) -> dict[str, Any]:
    plan = assessment.plans.get()
    items = [
        (i.exercise, i.domain, i.position, i.dose, i.supervised) for i in plan.items.order_by("id")
    ]
    return {
        **{f: getattr(assessment, f) for f in STORED},
        "plan": (plan.exercise_set, plan.acute_advice, plan.caps, plan.kb_version, items),
    }


def _by_form(client: Client, patient: Patient, **changes: str) -> Assessment:
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    response = client.post(url, _assessment_post(**changes))
    assert response.status_code == 302, response.content.decode()[:500]
    return patient.assessments.get()


def _by_api(client: Client, user: User, patient: Patient, body: dict[str, Any]) -> Any:
    secret = tokens.api_token_create(user=user, name="t").secret
    return client.post(
        f"/api/v1/patients/{patient.pk}/assessments",
        json.dumps(body).encode(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


@pytest.mark.parametrize(
    "choice",
    [
        {},  # follows the suggestion
        {"final_category": "hverdagsaktiv_med_hensyn", "override_reason": "Træner kun let nu."},
    ],
)
def test_the_form_and_the_api_store_identical_rows(
    logged_in: Client, user: User, choice: dict[str, str]
) -> None:
    clinic = user.profile.clinic
    by_form = _by_form(logged_in, make_patient(clinic, "Form Patient"), **choice)
    other = make_patient(clinic, "Api Patient")
    body = {"case": by_form.inputs, "hirit": False, **choice}
    response = _by_api(Client(), user, other, body)
    assert response.status_code == 201, response.content.decode()[:500]
    by_api = other.assessments.get()
    assert _row(by_api) == _row(by_form)
    assert by_api.final_category == (choice.get("final_category") or by_api.suggested_category)


def test_both_refuse_another_category_without_a_reason(logged_in: Client, user: User) -> None:
    patient = make_patient(user.profile.clinic)
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    form = logged_in.post(url, _assessment_post(final_category="funktionsbegraenset"))
    assert form.status_code == 200
    assert "Skriv en begrundelse" in form.content.decode()
    case = {"format": "osteofys.case/1", "assessment_date": "2026-11-26"}
    api = _by_api(Client(), user, patient, {"case": case, "final_category": "funktionsbegraenset"})
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["override_reason"]
    assert not patient.assessments.exists()

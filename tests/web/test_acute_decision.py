"""The acute-phase control of the assessment form and the API (issue 15, item 6).

The clinician ends the acute phase from earliest_end or starts it for another recent fracture,
with a reason; it is stored with the assessment (its case), shown in the result panel, on the
assessment and the plan page, and a decision that may not take effect is refused with its reason,
never stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts import tokens
from osteofys.web.records.models import Patient
from tests.web.conftest import case_for, make_patient
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db

REASON = "Smerterne er faldet til 2/10, går som før bruddet."
# _assessment_post's assessment date is 2026-11-26.
THIRTEEN_WEEKS_BEFORE = "2026-08-27"
EIGHT_WEEKS_BEFORE = "2026-10-01"
FOUR_WEEKS_BEFORE = "2026-10-29"


def _post(client: Client, patient: Patient, **changes: str) -> Any:
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    return client.post(url, _assessment_post(**changes))


def _end(fracture: str, reason: str = REASON) -> dict[str, str]:
    return {
        "brud-0-date": fracture,
        "acute_phase_decision__action": "end",
        "acute_phase_decision__reason": reason,
        # A site left in the select from an earlier choice does not go with "end".
        "acute_phase_decision__site": "hip",
    }


def _start(reason: str = REASON) -> dict[str, str]:
    return {
        "brud-0-site": "pelvis",
        "brud-0-date": FOUR_WEEKS_BEFORE,
        "acute_phase_decision__action": "start",
        "acute_phase_decision__site": "pelvis",
        "acute_phase_decision__reason": reason,
    }


@pytest.fixture
def patient(user: User) -> Patient:
    return make_patient(user.profile.clinic)


def test_the_form_offers_the_control_in_danish(logged_in: Client, patient: Patient) -> None:
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    page = logged_in.get(url).content.decode()
    assert 'id="sektion-akut"' in page
    assert "Afslut den akutte fase" in page
    assert "Start akut fase efter et andet nyligt brud" in page
    assert "acute-decision.js" in page


def test_ending_at_13_weeks_is_stored_and_shown(logged_in: Client, patient: Patient) -> None:
    response = _post(logged_in, patient, **_end(THIRTEEN_WEEKS_BEFORE))
    assert response.status_code == 302, response.content.decode()[:800]
    stored = patient.assessments.get()
    assert stored.inputs["acute_phase_decision"] == {"action": "end", "reason": REASON}
    acute = stored.result["acute_phase"]
    assert acute["active"] is False
    assert acute["ended_by_clinician"] is True
    assert acute["reason"] == REASON
    assert stored.acute_phase_active is False
    assert any(s["rule"] == "R-ACU-EXIT-2" and s["outcome"] is True for s in stored.result["trace"])
    detail = logged_in.get(response["Location"]).content.decode()
    assert "Din beslutning om den akutte fase" in detail
    assert "afsluttet af terapeuten" in detail
    assert REASON in detail
    plan = stored.plans.get()
    page = logged_in.get(reverse("records:plan_detail", kwargs={"plan_id": plan.pk}))
    assert "afsluttet af terapeuten" in page.content.decode()


def test_ending_before_earliest_end_is_refused_and_not_stored(
    logged_in: Client, patient: Patient
) -> None:
    response = _post(logged_in, patient, **_end(EIGHT_WEEKS_BEFORE))
    assert response.status_code == 200
    assert not patient.assessments.exists()
    page = response.content.decode()
    assert "Kan tidligst afsluttes 24. december 2026." in page  # fracture + 12 weeks


def test_a_decision_needs_a_reason(logged_in: Client, patient: Patient) -> None:
    response = _post(logged_in, patient, **_start(reason="  "))
    assert response.status_code == 200
    assert not patient.assessments.exists()
    assert "Skal udfyldes." in response.content.decode()


def test_starting_for_a_pelvic_fracture_is_stored_with_its_site(
    logged_in: Client, patient: Patient
) -> None:
    response = _post(logged_in, patient, **_start())
    assert response.status_code == 302, response.content.decode()[:800]
    stored = patient.assessments.get()
    acute = stored.result["acute_phase"]
    assert (acute["active"], acute["site"], acute["source"]) == (True, "other", "clinician")
    assert stored.acute_phase_active is True
    plan = stored.plans.get()
    assert plan.acute_advice is True
    page = logged_in.get(reverse("records:plan_detail", kwargs={"plan_id": plan.pk}))
    assert "startet af terapeuten efter brud: Bækken" in page.content.decode()


def test_the_live_result_says_why_a_decision_is_refused(
    logged_in: Client, patient: Patient
) -> None:
    url = reverse("records:assessment_live", kwargs={"patient_id": patient.pk})
    response = logged_in.post(url, _assessment_post(**_end(EIGHT_WEEKS_BEFORE)))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-decision="refused"' in page
    assert "Ikke gennemført" in page
    assert 'data-earliest="2026-12-24"' in page


def test_another_clinic_cannot_record_on_the_patient(
    other_clinic_client: Client, patient: Patient
) -> None:
    assert _post(other_clinic_client, patient, **_start()).status_code == 404


# --- the API ------------------------------------------------------------------------------------


def _api(user: User, path: str, body: dict[str, Any]) -> Any:
    secret = tokens.api_token_create(user=user, name="t").secret
    return Client().post(
        path,
        json.dumps(body).encode(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def _case(patient: Patient, fracture: str, decision: dict[str, Any]) -> dict[str, Any]:
    fractures = [{"site": "vertebra", "date": fracture, "low_energy": True}]
    return case_for(patient, fractures=fractures, acute_phase_decision=decision)


def test_the_api_stores_and_returns_the_decision(user: User, patient: Patient) -> None:
    decision = {"action": "end", "reason": REASON}
    body = {"case": _case(patient, THIRTEEN_WEEKS_BEFORE, decision)}
    response = _api(user, f"/api/v1/patients/{patient.pk}/assessments", body)
    assert response.status_code == 201, response.content.decode()[:800]
    out = response.json()
    assert out["inputs"]["acute_phase_decision"] == decision
    acute = out["result"]["acute_phase"]
    assert acute["ended_by_clinician"] is True
    assert acute["decision"]["applied"] is True
    assert acute["source"] == "fracture"


def test_the_api_refuses_an_end_before_earliest_end(user: User, patient: Patient) -> None:
    body = {"case": _case(patient, EIGHT_WEEKS_BEFORE, {"action": "end", "reason": REASON})}
    response = _api(user, f"/api/v1/patients/{patient.pk}/assessments", body)
    assert response.status_code == 422, response.content.decode()[:800]
    text = response.content.decode()
    assert "case.acute_phase_decision.action" in text
    assert "before_earliest_end" in text
    assert not patient.assessments.exists()


def test_the_api_names_a_bad_action_and_its_allowed_values(user: User, patient: Patient) -> None:
    body = {"case": _case(patient, EIGHT_WEEKS_BEFORE, {"action": "stop", "reason": REASON})}
    response = _api(user, f"/api/v1/patients/{patient.pk}/assessments", body)
    assert response.status_code == 422
    text = response.content.decode()
    assert "case.acute_phase_decision.action" in text
    assert "end, start" in text


def test_the_evaluate_endpoint_returns_the_refusal(user: User, patient: Patient) -> None:
    case = _case(patient, EIGHT_WEEKS_BEFORE, {"action": "end", "reason": REASON})
    response = _api(user, "/api/v1/evaluate", case)
    assert response.status_code == 200, response.content.decode()[:800]
    decision = response.json()["acute_phase"]["decision"]
    assert decision["applied"] is False
    assert decision["refused"] == "before_earliest_end"


def test_the_openapi_schema_documents_the_field(logged_in: Client) -> None:
    schema = logged_in.get("/api/v1/openapi.json").json()
    text = json.dumps(schema)
    assert "acute_phase_decision" in text
    assert "ended_by_clinician" in text


def test_a_follow_up_keeps_the_decision_while_its_phase_would_run(
    logged_in: Client, patient: Patient
) -> None:
    assert _post(logged_in, patient, **_end(THIRTEEN_WEEKS_BEFORE)).status_code == 302
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    page = logged_in.get(url).content.decode()
    # The follow-up (today) is within 6 months of the fracture: the end is carried, marked.
    assert '<option value="end" selected>' in page
    assert REASON in page

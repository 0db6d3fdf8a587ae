"""Issue 12, items 4, 7, 9, 11: bounded request cost, no 500 at the calendar's edges, no caching
of patient data, and no API edit without `version`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from osteofys.rules.limits import MAX_BODY_BYTES, MAX_FRACTURES, MAX_ISSUES
from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.records.models import Assessment, Patient, Retest
from tests.conftest import BASE_CASE
from tests.web.conftest import case_for, make_assessment, make_patient
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db

API = "/api/v1"
EDGE = {
    "assessment_date": "9999-12-31",
    "fractures": [{"site": "vertebra", "date": "9999-12-30", "low_energy": True}],
}


@pytest.fixture
def auth(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.api_token_create(user=user, name='t').secret}"}


@pytest.fixture
def patient(clinic: Clinic, user: User) -> Patient:
    found = make_patient(clinic, cpr="0204581234")
    make_assessment(found, user)
    return found


def post_json(client: Client, url: str, raw: bytes | Any, **headers: str) -> Any:
    body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    return client.post(url, body, content_type="application/json", **headers)


def fields(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["problem"]) for e in response.json()["errors"]]


# --- item 4: what one request may cost ------------------------------------------------------


def test_evaluate_with_many_fractures_is_one_small_answer(
    client: Client, auth: dict[str, str]
) -> None:
    compact = {**BASE_CASE, "fractures": [{}] * 100_000}  # 0.3 MB: the parser's limit answers
    response = post_json(client, f"{API}/evaluate", compact, **auth)
    assert response.status_code == 422
    assert fields(response) == [("fractures", "too_many")]
    assert response.json()["errors"][0]["allowed"] == str(MAX_FRACTURES)
    assert len(response.content) < 2_000
    case = {**BASE_CASE, "fractures": [{"site": "hip"}] * 200_000}  # 3.4 MB: was 6 s and 38 MB
    response = post_json(client, f"{API}/evaluate", case, **auth)
    assert response.status_code == 413
    assert len(response.content) < 2_000


def test_a_bundle_of_200000_empty_entries_is_one_small_422(
    client: Client, auth: dict[str, str], patient: Patient
) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{}] * 200_000}  # 0.8 MB, under the body limit
    response = post_json(client, f"{API}/patients/{patient.pk}/fhir", bundle, **auth)
    assert response.status_code == 422
    assert fields(response) == [("body", "fhir")]
    assert len(response.content) < 2_000  # was 73 MB for 600,000
    assert Assessment.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 2_400_000, 3_000_000])
def test_a_body_over_the_limit_is_a_json_413(
    client: Client, auth: dict[str, str], patient: Patient, size: int
) -> None:
    # 3 MB is over Django's own DATA_UPLOAD_MAX_MEMORY_SIZE too: that refusal is JSON as well.
    entries = b"{}," * ((size - 40) // 3)
    raw = b'{"resourceType": "Bundle", "entry": [' + entries + b"{}]}"
    assert len(raw) >= size - 3
    response = post_json(client, f"{API}/patients/{patient.pk}/fhir", raw, **auth)
    assert response.status_code == 413
    assert fields(response) == [("body", "too_large")]
    assert response.json()["detail"]


def test_the_number_of_errors_in_an_answer_is_capped(client: Client, auth: dict[str, str]) -> None:
    case = {**BASE_CASE, "tests": {**BASE_CASE["tests"], **{f"x{n}": n for n in range(5_000)}}}
    response = post_json(client, f"{API}/evaluate", case, **auth)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == MAX_ISSUES + 1
    assert errors[-1]["problem"] == "more_issues"


def _fracture_lists(node: Any) -> list[dict[str, Any]]:
    """Every JSON Schema of a case's `fractures` list in an OpenAPI document."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("fractures"), dict):
            found.append(node["fractures"])
        for value in node.values():
            found += _fracture_lists(value)
    elif isinstance(node, list):
        for value in node:
            found += _fracture_lists(value)
    return found


def test_the_schema_states_the_limits_the_parser_enforces() -> None:
    from osteofys.web.api import api

    schemas = _fracture_lists(api.get_openapi_schema(path_prefix=f"{API}/"))
    assert schemas
    for schema in schemas:
        (listed,) = [s for s in schema["anyOf"] if s.get("type") == "array"]
        assert listed["maxItems"] == MAX_FRACTURES


# --- item 7: no 500 on bad input -------------------------------------------------------------


def test_nesting_600_deep_is_a_422_not_a_recursion_error(
    client: Client, auth: dict[str, str], patient: Patient
) -> None:
    case = case_for(patient)
    nested: Any = []
    for _ in range(600):
        nested = [nested]
    case["risk_factors"]["conditions"] = nested
    client.raise_request_exception = False
    response = post_json(client, f"{API}/patients/{patient.pk}/assessments", {"case": case}, **auth)
    assert response.status_code == 422
    assert fields(response) == [("body", "too_deep")]


def test_the_calendars_end_is_a_422_naming_the_field_and_range_in_the_api(
    client: Client, auth: dict[str, str], patient: Patient
) -> None:
    case = {**case_for(patient), **EDGE}
    response = post_json(client, f"{API}/patients/{patient.pk}/assessments", {"case": case}, **auth)
    assert response.status_code == 422
    (error,) = [e for e in response.json()["errors"] if e["field"] == "case.assessment_date"]
    assert error["problem"] == "out_of_range"
    today = timezone.localdate().isoformat()
    assert error["allowed"] == f"1900-01-01–{today}"
    assert "1. januar 1900 – " in error["message"]  # the message spells the dates out
    evaluated = post_json(client, f"{API}/evaluate", {**BASE_CASE, **EDGE}, **auth)
    assert evaluated.status_code == 422


def _edge_form() -> dict[str, str]:
    return _assessment_post(
        assessment_date="9999-12-31", **{"brud-0-date": "9999-12-30", "brud-0-site": "vertebra"}
    )


def test_the_calendars_end_in_the_assessment_form_and_live_panel(
    logged_in: Client, patient: Patient
) -> None:
    before = Assessment.objects.count()
    for name in ("records:assessment_create", "records:assessment_live"):
        url = reverse(name, kwargs={"patient_id": patient.pk})
        response = logged_in.post(url, _edge_form(), HTTP_HX_REQUEST="true")
        assert response.status_code < 500
        html = response.content.decode()
        assert "Undersøgelsesdato" in html
        assert "1. januar 1900 – " in html
    assert Assessment.objects.count() == before


def test_a_future_assessment_date_is_not_stored(logged_in: Client, patient: Patient) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    before = Assessment.objects.count()
    response = logged_in.post(url, _assessment_post(assessment_date=tomorrow))
    assert response.status_code < 500
    assert Assessment.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"test": "bogus", "date": "2026-11-26", "value": "10"}, "test"),
        ({"test": "sit_to_stand_5x_s", "date": "2999-01-01", "unable": "on"}, "date"),
        ({"test": "tug_s", "date": "0001-01-01", "value": "10"}, "date"),
        ({"test": "tug_s", "date": "9999-12-31", "value": "10"}, "date"),
    ],
)
def test_a_bad_retest_is_refused_with_the_form_not_a_500(
    logged_in: Client, patient: Patient, data: dict[str, str], field: str
) -> None:
    url = reverse("records:retest_create", kwargs={"patient_id": patient.pk})
    response = logged_in.post(url, data)
    assert response.status_code == 400
    assert not Retest.objects.exists()
    if field == "date":
        assert "Datoen skal ligge mellem 1. januar 1900 og" in response.content.decode()


@pytest.mark.parametrize("view", ["audit:entry_list", "audit:entry_export"])
@pytest.mark.parametrize(
    "query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_to": "9999-12-30"}]
)
def test_access_log_filters_at_the_calendars_edges(
    client: Client, admin_user: User, view: str, query: dict[str, str]
) -> None:
    client.force_login(admin_user)
    response = client.get(reverse(view), query)
    assert response.status_code == 200
    if view == "audit:entry_list":
        expected = "Datoen skal ligge mellem 1. januar 2000 og 31. december 2999"
        assert expected in response.content.decode()


# --- item 9: no caching of patient data ------------------------------------------------------


def test_pages_partials_and_api_answers_are_not_cached(
    logged_in: Client, client: Client, patient: Patient, auth: dict[str, str]
) -> None:
    pages = [
        logged_in.get(reverse("records:patient_list")),
        logged_in.get(reverse("records:patient_detail", kwargs={"patient_id": patient.pk})),
        logged_in.post(
            reverse("records:assessment_live", kwargs={"patient_id": patient.pk}),
            _assessment_post(),
            HTTP_HX_REQUEST="true",
        ),
        Client().get(f"{API}/patients/{patient.pk}", **auth),
        Client().get(f"{API}/patients/{patient.pk}"),  # 401: an API answer all the same
    ]
    for response in pages:
        assert response.status_code in {200, 401}
        assert response["Cache-Control"] == "no-store, private", response.request["PATH_INFO"]


def test_a_views_own_cache_header_and_anonymous_pages_are_left_alone(rf: Any, user: User) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from osteofys.web.middleware import NoStoreMiddleware

    def cached_view(request: Any) -> HttpResponse:
        response = HttpResponse("static-like")
        response["Cache-Control"] = "max-age=60, public"
        return response

    signed_in = rf.get("/patienter/")
    signed_in.user = user
    assert NoStoreMiddleware(cached_view)(signed_in)["Cache-Control"] == "max-age=60, public"
    anonymous = rf.get("/konto/login/")
    anonymous.user = AnonymousUser()
    assert "Cache-Control" not in NoStoreMiddleware(lambda r: HttpResponse("login"))(anonymous)


# --- item 11: version required on API edits --------------------------------------------------


def test_a_patient_update_without_version_is_refused(
    client: Client, auth: dict[str, str], patient: Patient
) -> None:
    body = {"name": "Ændret", "birth_date": "1958-04-02", "sex": "female"}
    response = client.put(
        f"{API}/patients/{patient.pk}", json.dumps(body), content_type="application/json", **auth
    )
    assert response.status_code == 422
    assert fields(response) == [("version", "required")]
    patient.refresh_from_db()
    assert patient.name != "Ændret"

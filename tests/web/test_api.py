"""The REST API: auth, tenancy for every operation with an id, errors, and each endpoint's work."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from osteofys import kb
from osteofys.kb.explain import words
from osteofys.rules import assess, parse_case
from osteofys.rules.result import write_result
from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import ApiToken, Clinic
from osteofys.web.api import api
from osteofys.web.audit.models import Action, AuditEntry, Detail
from osteofys.web.records.models import Assessment, Patient, Plan
from osteofys.web.training import services as training_services
from osteofys.web.training.models import TrainingSession
from tests.conftest import BASE_CASE, ROOT
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
CPR = "020458-1234"


def _openapi() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix=f"{API}/")


def operations() -> list[tuple[str, str]]:
    """(method, path template) of every API operation, from the API's own OpenAPI document."""
    return [
        (method.upper(), path)
        for path, ops in _openapi()["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def call(client: Client, method: str, url: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = dict(headers)
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(url, **kwargs)


@pytest.fixture
def secret(user: User) -> str:
    return tokens.api_token_create(user=user, name="test").secret


@pytest.fixture
def auth(secret: str) -> dict[str, str]:
    return bearer(secret)


@pytest.fixture
def owned(clinic: Clinic, user: User) -> dict[str, Any]:
    patient = make_patient(clinic, cpr="0204581234")
    assessment = make_assessment(patient, user)
    plan = assessment.plans.get()
    return {
        "patients": patient,
        "assessments": assessment,
        "plans": plan,
        "sessions": make_session(patient, plan, user),
    }


def make_session(patient: Patient, plan: Plan, user: User, **changes: Any) -> TrainingSession:
    """A supervised session of yesterday (the operations' own bodies log today's)."""
    items = list(plan.items.all())
    item = next((i for i in items if i.domain == "staerk"), items[0] if items else None)
    values: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "user": user,
        "when": timezone.localdate() - timedelta(days=1),
        "attendance": "attended",
        "entries": [{"plan_item_id": item.pk, "sets": 2, "reps": 10, "effort": 5}] if item else [],
    }
    return training_services.session_save(**{**values, **changes})


def dxa_bundle(when: str = "2026-03-10") -> dict[str, Any]:
    def observation(code: str, value: float) -> dict[str, Any]:
        return {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": "T-score", "code": "{T-score}"},
            }
        }

    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            observation("38267-1", -2.8),
            observation("38264-8", -2.1),
            {"resource": {"resourceType": "Patient", "id": "x"}},
        ],
    }


def valid_body(method: str, path: str, patient: Patient | None = None) -> Any:
    """A body the operation accepts, so that a refusal is about the id, not the input."""
    if method not in {"POST", "PUT"}:
        return None
    if path.endswith("/fhir"):
        return dxa_bundle()
    if path.endswith("/assessments"):
        return {"case": {**BASE_CASE, "patient": {}}}
    if path.endswith("/evaluate"):
        return BASE_CASE
    if path.endswith("/sessions"):
        return {"date": timezone.localdate().isoformat(), "note": "Fint."}
    if "/sessions/" in path:
        return {"version": 1, "note": "Rettet."}
    body = {"name": "Ny Patient", "birth_date": "1950-01-01", "sex": "male"}
    return {**body, "version": 1} if method == "PUT" else body


# --- the document and the docs page --------------------------------------------------------


def test_openapi_and_docs_are_served_without_a_cdn(client: Client, clinic: Clinic) -> None:
    doc = client.get(f"{API}/openapi.json")
    assert doc.status_code == 200
    assert doc.json()["info"]["title"] == "OsteoFys API"
    page = client.get(f"{API}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_the_operations_are_found() -> None:
    found = set(operations())
    assert ("POST", f"{API}/evaluate") in found
    assert ("GET", f"{API}/patients/{{id}}/fhir") in found
    assert len(found) >= 13


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), operations())
def test_every_operation_needs_auth(
    method: str, path: str, client: Client, owned: dict[str, Any]
) -> None:
    url = path.replace("{id}", str(owned["patients"].pk))
    response = call(client, method, url, valid_body(method, path))
    assert response.status_code == 401, (method, path)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ofy_not-a-token",
        "Bearer ",
        "Basic a2ltOnB3",
        "ofy_only",
        "Bearer \u00e6\u00f8\u00e5",
    ],
)
def test_bad_credentials_are_401(header: str, client: Client, owned: dict[str, Any]) -> None:
    response = client.get(f"{API}/patients", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_revoked_token_or_an_inactive_user_is_401(client: Client, user: User) -> None:
    issued = tokens.api_token_create(user=user, name="a")
    assert client.get(f"{API}/patients", **bearer(issued.secret)).status_code == 200
    tokens.api_token_revoke(token=issued.token)
    assert client.get(f"{API}/patients", **bearer(issued.secret)).status_code == 401
    other = tokens.api_token_create(user=user, name="b")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(f"{API}/patients", **bearer(other.secret)).status_code == 401


def test_a_token_is_stored_hashed_and_marks_its_use(client: Client, user: User) -> None:
    issued = tokens.api_token_create(user=user, name="journal")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {stored.digest, stored.prefix, stored.name}
    assert issued.secret.startswith(stored.prefix)
    assert stored.last_used_at is None
    client.get(f"{API}/patients", **bearer(issued.secret))
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_the_session_works_and_needs_csrf_for_writes(user: User, owned: dict[str, Any]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(f"{API}/patients").status_code == 200
    body = valid_body("POST", "/patients")
    refused = call(browser, "POST", f"{API}/patients", body)
    assert refused.status_code == 403
    browser.get("/konto/tokens/")  # any page with a form sets the CSRF cookie
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = call(browser, "POST", f"{API}/patients", body, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


# --- tenancy: every operation with an id, found from the OpenAPI document ------------------


def _scoped() -> list[tuple[str, str]]:
    return [(m, p) for m, p in operations() if "{id}" in p]


def test_the_scoped_operations_are_found() -> None:
    kinds = {p.removeprefix(f"{API}/").split("/")[0] for _, p in _scoped()}
    assert kinds == {"patients", "assessments", "plans", "sessions"}


@pytest.mark.parametrize(("method", "path"), _scoped())
def test_another_clinics_token_gets_404(method: str, path: str, owned: dict[str, Any]) -> None:
    intruder = make_user(make_clinic("Klinik B"), "bo")
    secret = tokens.api_token_create(user=intruder, name="b").secret
    # The first segment says which kind of object the id is; a new kind fails here, loudly.
    obj = owned[path.removeprefix(f"{API}/").split("/")[0]]
    url = path.replace("{id}", str(obj.pk))
    before = Assessment.objects.count()
    response = call(Client(), method, url, valid_body(method, path), **bearer(secret))
    assert response.status_code == 404, (method, path, response.content)
    assert response.json() == {"detail": "Findes ikke.", "errors": []}
    assert Assessment.objects.count() == before
    mine = call(Client(), method, url, valid_body(method, path), **bearer(_own_secret(owned)))
    assert mine.status_code in {200, 201}, (method, path, mine.content)


def _own_secret(owned: dict[str, Any]) -> str:
    user = owned["assessments"].created_by
    return tokens.api_token_create(user=user, name="own").secret


def test_a_missing_id_is_the_same_404(client: Client, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/patients/999999", **auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "Findes ikke.", "errors": []}


def test_the_list_never_shows_another_clinic(owned: dict[str, Any]) -> None:
    intruder = make_user(make_clinic("Klinik B"), "bo")
    secret = tokens.api_token_create(user=intruder, name="b").secret
    response = Client().get(f"{API}/patients", {"q": "Inger"}, **bearer(secret))
    assert response.json()["count"] == 0


# --- evaluate ------------------------------------------------------------------------------


def test_evaluate_returns_what_the_cli_prints(client: Client, auth: dict[str, str]) -> None:
    response = call(client, "POST", f"{API}/evaluate", BASE_CASE, **auth)
    assert response.status_code == 200
    base = kb.load()
    case = parse_case(BASE_CASE, base.knowledge.input_ranges, base.knowledge.conditions)
    expected = write_result(assess(case, base.knowledge), words(base))
    assert response.json() == json.loads(json.dumps(expected))
    assert Assessment.objects.count() == 0


def test_evaluate_in_english(client: Client, auth: dict[str, str]) -> None:
    response = call(client, "POST", f"{API}/evaluate?lang=en", BASE_CASE, **auth)
    assert "Osteopenia" in json.dumps(response.json()["reasons"])


def test_a_case_error_names_the_field_and_range(client: Client, auth: dict[str, str]) -> None:
    case = {**BASE_CASE, "tests": {**BASE_CASE["tests"], "tug_s": 500}, "extra": 1}
    response = call(client, "POST", f"{API}/evaluate", case, **auth)
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["tests.tug_s"]["problem"] == "out_of_range"
    assert errors["tests.tug_s"]["allowed"] == "3–120"
    assert "tilladte interval" in errors["tests.tug_s"]["message"]
    assert errors["extra"]["problem"] == "unknown_field"


def test_errors_in_english_on_request(client: Client, auth: dict[str, str]) -> None:
    case = {**BASE_CASE, "tests": {**BASE_CASE["tests"], "tug_s": 500}}
    response = call(client, "POST", f"{API}/evaluate", case, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert response.json()["detail"] == "The input is not valid: see the individual fields."
    assert "allowed range" in response.json()["errors"][0]["message"]
    anonymous = client.get(f"{API}/patients", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.json()["detail"].startswith("Sign in, or send an API key")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b'{"assessment_date": NaN}', 400),
        (b"[1, 2]", 422),
        (b'"text"', 422),
        (b"", 422),
        (b"[" * 5000 + b"]" * 5000, 422),  # JSON, but nested deeper than any document is
    ],
)
def test_bad_bodies_are_4xx(raw: bytes, status: int, client: Client, auth: dict[str, str]) -> None:
    response = client.post(f"{API}/evaluate", raw, content_type="application/json", **auth)
    assert response.status_code == status
    assert response.json()["detail"]


# --- patients ------------------------------------------------------------------------------


def test_patient_create_get_and_list(client: Client, auth: dict[str, str]) -> None:
    body = {"name": "Else Berg", "birth_date": "1949-05-06", "sex": "female", "cpr": CPR}
    created = call(client, "POST", f"{API}/patients", body, **auth)
    assert created.status_code == 201
    out = created.json()
    assert out["cpr_masked"] == "020458-****"
    assert "1234" not in created.content.decode()
    assert Patient.objects.get(pk=out["id"]).cpr == "0204581234"
    got = client.get(f"{API}/patients/{out['id']}", **auth).json()
    assert got["name"] == "Else Berg"
    listed = client.get(f"{API}/patients", {"q": "berg"}, **auth).json()
    assert [p["id"] for p in listed["items"]] == [out["id"]]
    assert listed["count"] == 1
    assert listed["page_size"] == 25


def test_the_list_is_paged(clinic: Clinic, client: Client, auth: dict[str, str]) -> None:
    for n in range(27):
        make_patient(clinic, f"Patient {n:02}")
    first = client.get(f"{API}/patients", **auth).json()
    last = client.get(f"{API}/patients", {"page": 99}, **auth).json()
    assert (first["count"], first["pages"], len(first["items"])) == (27, 2, 25)
    assert (last["page"], len(last["items"])) == (2, 2)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"height_cm": 20.0}, "height_cm", "invalid"),
        ({"cpr": "311399-1234"}, "cpr", "invalid"),
        ({"name": "   "}, "name", "required"),
        ({"name": "a\x00b"}, "name", "bad_text"),
        ({"birth_date": "2999-01-01"}, "birth_date", "invalid"),
        ({"birth_date": 12345}, "birth_date", "bad_date"),
        ({"sex": "x"}, "sex", "bad_choice"),
        ({"height_cm": "170"}, "height_cm", "wrong_type"),
        ({"colour": "blue"}, "colour", "unknown_field"),
    ],
)
def test_patient_validation(
    change: dict[str, Any], field: str, problem: str, client: Client, auth: dict[str, str]
) -> None:
    body = {"name": "Else Berg", "birth_date": "1949-05-06", "sex": "female", **change}
    response = call(client, "POST", f"{API}/patients", body, **auth)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["field"], e["problem"]) for e in errors] == [(field, problem)]
    assert errors[0]["message"]
    if field == "height_cm" and problem == "invalid":
        assert errors[0]["allowed"] == "100–230"
    assert Patient.objects.count() == 0


def test_patient_update_keeps_the_cpr_and_checks_the_version(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    patient = owned["patients"]
    url = f"{API}/patients/{patient.pk}"
    body = {"name": "Inger Hansen-Berg", "birth_date": "1958-04-02", "sex": "female"}
    updated = call(client, "PUT", url, {**body, "version": patient.version}, **auth)
    assert updated.status_code == 200, updated.content
    assert updated.json()["version"] == patient.version + 1
    patient.refresh_from_db()
    assert (patient.name, patient.cpr) == ("Inger Hansen-Berg", "0204581234")
    stale = call(client, "PUT", url, {**body, "version": patient.version - 1}, **auth)
    assert stale.status_code == 409
    assert stale.json()["detail"]


# --- assessments and plans -----------------------------------------------------------------


def test_assessment_create_stores_like_the_web_form(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    patient = owned["patients"]
    case = {k: v for k, v in BASE_CASE.items() if k != "patient"}
    response = call(
        client, "POST", f"{API}/patients/{patient.pk}/assessments", {"case": case}, **auth
    )
    assert response.status_code == 201, response.content
    out = response.json()
    stored = Assessment.objects.get(pk=out["id"])
    assert stored.inputs["patient"]["birth_date"] == "1958-04-02"
    assert stored.inputs["patient"]["height_cm"] == patient.height_cm
    assert stored.final_category == stored.suggested_category == out["final_category"]
    assert stored.kb_hash == kb.load().content_hash
    assert out["plan_ids"] == [p.pk for p in stored.plans.all()]
    assert out["result"]["category"] == stored.suggested_category
    assert stored.created_by.username == "kim"


def test_an_override_needs_a_reason(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    url = f"{API}/patients/{owned['patients'].pk}/assessments"
    body = {"case": {**BASE_CASE, "patient": {}}, "final_category": "funktionsbegraenset"}
    refused = call(client, "POST", url, body, **auth)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "override_reason"
    body["override_reason"] = "Faldt i sidste uge."
    accepted = call(client, "POST", url, body, **auth)
    assert accepted.status_code == 201
    assert accepted.json()["overridden"] is True
    assert accepted.json()["override_reason"] == "Faldt i sidste uge."


def test_assessment_errors_point_into_the_case(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    url = f"{API}/patients/{owned['patients'].pk}/assessments"
    wrong_birth = {**BASE_CASE, "patient": {"birth_date": "1960-01-01"}}
    response = call(client, "POST", url, {"case": wrong_birth}, **auth)
    assert [e["field"] for e in response.json()["errors"]] == ["patient.birth_date"]
    out_of_range = {**BASE_CASE, "patient": {}, "dxa": {**BASE_CASE["dxa"], "femoral_neck": 9}}
    response = call(client, "POST", url, {"case": out_of_range}, **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "case.dxa.femoral_neck"


def test_assessment_list_and_get(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    patient, assessment = owned["patients"], owned["assessments"]
    listed = client.get(f"{API}/patients/{patient.pk}/assessments", **auth).json()
    assert [a["id"] for a in listed] == [assessment.pk]
    got = client.get(f"{API}/assessments/{assessment.pk}", **auth).json()
    assert got["inputs"] == assessment.inputs
    assert got["result"] == assessment.result
    assert got["created_by"] == "Kim Fysio"


def test_plan_get(owned: dict[str, Any], client: Client, auth: dict[str, str]) -> None:
    plan: Plan = owned["plans"]
    got = client.get(f"{API}/plans/{plan.pk}", **auth).json()
    assert got["assessment_id"] == owned["assessments"].pk
    assert [i["id"] for i in got["items"]] == [i.pk for i in plan.items.all()]
    assert all(i["name"] and i["dose_text"] for i in got["items"])


def test_the_pdfs(owned: dict[str, Any], client: Client, auth: dict[str, str]) -> None:
    for url in (
        f"{API}/plans/{owned['plans'].pk}/handout.pdf?sprog=en",
        f"{API}/assessments/{owned['assessments'].pk}/gp-letter.pdf",
    ):
        response = client.get(url, **auth)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


# --- FHIR ----------------------------------------------------------------------------------


def _fhir_patient(doc: dict[str, Any]) -> dict[str, Any]:
    (person,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Patient"]
    return person


def test_fhir_export_with_cpr_full_identifies_the_patient_by_cpr_and_logs_it(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    response = client.get(f"{API}/patients/{owned['patients'].pk}/fhir?cpr=full", **auth)
    assert response.status_code == 200
    doc = response.json()
    assert doc["resourceType"] == "Bundle"
    kinds = {e["resource"]["resourceType"] for e in doc["entry"]}
    assert {"Patient", "Observation", "CarePlan"} <= kinds
    assert _fhir_patient(doc)["identifier"] == [
        {"system": "urn:oid:1.2.208.176.1.2", "value": "0204581234"}
    ]
    entry = AuditEntry.objects.get(action=Action.EXPORT)
    assert (entry.detail, entry.patient_id) == (Detail.FHIR_FULL_CPR, owned["patients"].pk)


def test_fhir_export_leaves_the_cpr_out_unless_asked(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    response = client.get(f"{API}/patients/{owned['patients'].pk}/fhir", **auth)
    assert response.status_code == 200
    assert "identifier" not in _fhir_patient(response.json())
    assert "0204581234" not in response.content.decode()
    assert "1234" not in json.dumps(_fhir_patient(response.json()))
    assert AuditEntry.objects.get(action=Action.EXPORT).detail == Detail.FHIR
    wrong = client.get(f"{API}/patients/{owned['patients'].pk}/fhir?cpr=yes", **auth)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "cpr"


def test_fhir_export_validates_as_fhir_r4(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    doc = client.get(f"{API}/patients/{owned['patients'].pk}/fhir", **auth).json()
    assert Bundle.model_validate(doc).type == "collection"


def test_fhir_export_without_an_assessment_is_409(
    clinic: Clinic, client: Client, auth: dict[str, str]
) -> None:
    patient = make_patient(clinic)
    response = client.get(f"{API}/patients/{patient.pk}/fhir", **auth)
    assert response.status_code == 409


def test_fhir_import_makes_a_new_assessment_from_the_latest(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    patient, latest = owned["patients"], owned["assessments"]
    response = call(client, "POST", f"{API}/patients/{patient.pk}/fhir", dxa_bundle(), **auth)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["based_on_assessment_id"] == latest.pk
    assert out["dxa"]["lumbar_spine"] == -2.8
    assert out["dxa"]["femoral_neck"] is None
    assert len(out["used"]) == 2
    assert [i["index"] for i in out["ignored"]] == [2]
    new = Assessment.objects.get(pk=out["assessment"]["id"])
    assert new.inputs["dxa"] == out["dxa"]
    assert new.inputs["tests"] == latest.inputs["tests"]
    assert new.assessment_date == timezone.localdate()
    assert new.result["bone_status"] == "osteoporosis"


def test_fhir_import_without_an_earlier_assessment(
    clinic: Clinic, client: Client, auth: dict[str, str]
) -> None:
    patient = make_patient(clinic)
    response = call(client, "POST", f"{API}/patients/{patient.pk}/fhir", dxa_bundle(), **auth)
    assert response.status_code == 201, response.content
    assert response.json()["based_on_assessment_id"] is None
    assert Assessment.objects.get(patient=patient).inputs["patient"]["sex"] == "female"


@pytest.mark.parametrize(
    "doc",
    [
        {"resourceType": "Patient"},
        {"resourceType": "Bundle", "entry": "x"},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}]},
    ],
)
def test_fhir_import_refuses_what_it_cannot_use(
    doc: dict[str, Any], owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    before = Assessment.objects.count()
    response = call(client, "POST", f"{API}/patients/{owned['patients'].pk}/fhir", doc, **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["problem"] == "fhir"
    assert Assessment.objects.count() == before


def test_fhir_import_of_a_future_dxa_is_422(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    url = f"{API}/patients/{owned['patients'].pk}/fhir"
    response = call(client, "POST", url, dxa_bundle(future), **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "dxa.date"


# --- the token page ------------------------------------------------------------------------


def test_token_page_creates_shows_once_and_revokes(logged_in: Client, user: User) -> None:
    page = logged_in.get("/konto/tokens/")
    assert page.status_code == 200
    created = logged_in.post("/konto/tokens/", {"name": "Journal"})
    token = ApiToken.objects.get(user=user)
    html = created.content.decode()
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert tokens.digest(secret) == token.digest
    assert "no-store" in created["Cache-Control"]
    assert secret not in logged_in.get("/konto/tokens/").content.decode()
    assert Client().get(f"{API}/patients", **bearer(secret)).status_code == 200
    revoked = logged_in.post(f"/konto/tokens/{token.pk}/tilbagekald/")
    assert revoked.status_code == 302
    assert Client().get(f"{API}/patients", **bearer(secret)).status_code == 401


def test_token_page_needs_a_name(logged_in: Client) -> None:
    response = logged_in.post("/konto/tokens/", {"name": ""})
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0


def test_nobody_else_can_revoke_a_token(user: User, other_clinic_client: Client) -> None:
    token = tokens.api_token_create(user=user, name="mine").token
    for method in ("get", "post"):
        response = getattr(other_clinic_client, method)(f"/konto/tokens/{token.pk}/tilbagekald/")
        assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).active


def test_a_colleague_cannot_revoke_my_token(clinic: Clinic, user: User) -> None:
    colleague = Client()
    colleague.force_login(make_user(clinic, "ida"))
    token = tokens.api_token_create(user=user, name="mine").token
    assert colleague.post(f"/konto/tokens/{token.pk}/tilbagekald/").status_code == 404


def test_token_page_in_english(logged_in: Client) -> None:
    page = logged_in.get("/konto/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no API keys." in page
    assert "Create API key" in page


# --- docs/api.md ---------------------------------------------------------------------------

DOCS = ROOT / "docs" / "api.md"


def test_the_docs_show_a_curl_call_for_every_operation() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text("utf-8"), re.S)
    calls = [c for b in blocks for c in re.split(r"\n(?=curl )", b)]
    for method, path in operations():
        shown = path.replace("{id}", "1")
        found = [
            c
            for c in calls
            if re.search(re.escape(shown) + r"(\?|\"|$)", c)
            and (f"-X {method}" in c if method != "GET" else "-X " not in c)
        ]
        assert found, f"docs/api.md has no curl example for {method} {path}"
        assert all('-H "Authorization: Bearer $TOKEN"' in c for c in found)


def test_the_docs_bundle_is_what_the_export_makes(
    owned: dict[str, Any], client: Client, auth: dict[str, str]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    text = DOCS.read_text("utf-8").split("<!-- exported-bundle -->", 1)[1]
    shown = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    Bundle.model_validate(shown)
    fresh = client.get(f"{API}/patients/{owned['patients'].pk}/fhir", **auth).json()

    def codes(doc: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted(
            (e["resource"]["resourceType"], c["code"])
            for e in doc["entry"]
            for c in (e["resource"].get("code") or {}).get("coding", [{"code": ""}])
        )

    assert codes(shown) == codes(fresh)


def _dxa_values(doc: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """LOINC code → (T-score, scan date) of the DXA observations in a Bundle."""
    found = {}
    for entry in doc["entry"]:
        resource = entry["resource"]
        codes = [c["code"] for c in resource.get("code", {}).get("coding", [])]
        if resource["resourceType"] == "Observation" and codes and codes[0] in DXA_CODES:
            value = resource["valueQuantity"]["value"]
            found[codes[0]] = (value, resource.get("effectiveDateTime"))
    return found


DXA_CODES = {"38267-1", "38263-0", "38264-8", "38265-5"}


def test_fhir_round_trip_through_the_api_keeps_the_dxa_values(
    clinic: Clinic, user: User, client: Client, auth: dict[str, str]
) -> None:
    source = make_patient(clinic, name="Anna Kilde")
    dxa = {"date": "2026-02-03", "lumbar_spine": -2.7, "femoral_neck": -2.2, "total_hip": -1.9}
    make_assessment(source, user, dxa={**dxa, "forearm": None})
    target = make_patient(clinic, name="Bodil Mål")
    first = client.get(f"{API}/patients/{source.pk}/fhir", **auth).json()
    imported = call(client, "POST", f"{API}/patients/{target.pk}/fhir", first, **auth)
    assert imported.status_code == 201, imported.content
    again = client.get(f"{API}/patients/{target.pk}/fhir", **auth).json()
    assert _dxa_values(first) == _dxa_values(again)
    assert _dxa_values(again)["38267-1"] == (-2.7, "2026-02-03")
    assert len(_dxa_values(again)) == 3


def test_a_fhir_export_is_logged_as_an_export_of_the_patient(
    owned: dict[str, Any], client: Client, auth: dict[str, str], user: User
) -> None:
    patient = owned["patients"]
    assert client.get(f"{API}/patients/{patient.pk}/fhir", **auth).status_code == 200
    entry = AuditEntry.objects.filter(action=Action.EXPORT, detail=Detail.FHIR).get()
    assert (entry.patient_id, entry.object_id, entry.user_id) == (patient.pk, patient.pk, user.pk)

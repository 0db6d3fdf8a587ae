"""The training API (issue 16, item 6): a patient's sessions, one session, logging and correcting a
supervised session, adherence and the plan's progression history; their bounds, their errors,
their tenancy, their access-log entries and their query counts; and the FHIR export with them.

The generic tests of tests/web/test_api.py (authentication, another clinic's id, a curl example
in docs/api.md) and tests/web/test_fuzz.py (calendar edges, deep nesting) enumerate these
operations from the OpenAPI document as well.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from osteofys.fhir import check
from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import Action, AuditEntry, Detail
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training.models import (
    Attendance,
    ProgressionDecision,
    SessionKind,
    TrainingSession,
)
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user
from tests.web.test_api import API, bearer, call, make_session

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def auth(user: User) -> dict[str, str]:
    return bearer(tokens.api_token_create(user=user, name="test").secret)


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    return make_patient(clinic, cpr="0204581234")


@pytest.fixture
def plan(patient: Patient, user: User) -> Plan:
    plan = make_assessment(patient, user).plans.get()
    assert plan.items.count() >= 3
    return plan


def _items(plan: Plan) -> list[Any]:
    return list(plan.items.all())


def _body(plan: Plan, **changes: Any) -> dict[str, Any]:
    first, second, third = _items(plan)[:3]
    body: dict[str, Any] = {
        "date": TODAY().isoformat(),
        "attendance": "attended",
        "note": "Godt fremmøde.",
        "next_time": "Mere vægt.",
        "entries": [
            {
                "plan_item_id": first.pk,
                "sets": 3,
                "reps": 10,
                "load_kg": 4.5,
                "effort": 6,
                "pain_during": 2,
                "pain_next_day": 1,
                "technique_ok": True,
            },
            {"plan_item_id": second.pk, "minutes": 20},
            {"plan_item_id": third.pk, "done": False, "note": "Svimmel."},
        ],
        "events": [{"kind": "fall", "description": "Snublede.", "action": "Tjekket."}],
    }
    body.update(changes)
    return body


def _log(action: str, object_type: str = "trainingsession") -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type).order_by("seq"))


def _intruder() -> dict[str, str]:
    other = make_user(make_clinic("Klinik B"), "bo")
    return bearer(tokens.api_token_create(user=other, name="b").secret)


# --- create ----------------------------------------------------------------------------------


def test_create_stores_the_session_as_the_session_log_does(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    response = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", _body(plan), **auth)
    assert response.status_code == 201, response.content
    out = response.json()
    stored = TrainingSession.objects.get(pk=out["id"])
    assert (stored.kind, stored.plan_id, stored.therapist_id) == ("supervised", plan.pk, user.pk)
    assert stored.date == TODAY()
    assert (out["version"], out["attendance"], out["therapist"]) == (1, "attended", "Kim Fysio")
    first, second, third = _items(plan)[:3]
    entries = {e["plan_item_id"]: e for e in out["entries"]}
    entry = entries[first.pk]
    # The plan item's exercise, family, level and prescribed dose are copied into the entry.
    assert (entry["exercise"], entry["family"], entry["level"]) == (
        first.exercise,
        first.family or None,
        first.level,
    )
    assert entry["prescribed"] == first.dose
    assert entry["prescribed_text"]
    assert entry["name"]
    assert (entry["load_kg"], entry["effort"], entry["technique_ok"]) == (4.5, 6, True)
    assert (entries[second.pk]["done"], entries[third.pk]["done"]) == (True, False)
    assert out["events"][0] == {
        "id": out["events"][0]["id"],
        "kind": "fall",
        "description": "Snublede.",
        "action": "Tjekket.",
    }
    assert (out["pain_max"], out["exercises_done"], out["event_count"]) == (2, 2, 1)
    (logged,) = _log(Action.CREATE)
    assert (logged.object_id, logged.patient_id, logged.user_id) == (stored.pk, patient.pk, user.pk)


def test_create_again_for_the_same_day_is_a_conflict_naming_the_session(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan
) -> None:
    url = f"{API}/patients/{patient.pk}/sessions"
    first = call(client, "POST", url, _body(plan), **auth).json()
    again = call(client, "POST", url, _body(plan, note="Igen."), **auth)
    assert again.status_code == 409
    assert f"/sessions/{first['id']}" in again.json()["detail"]
    assert TrainingSession.objects.get().note == "Godt fremmøde."


def test_an_absence_stores_no_exercises_and_may_be_ahead(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan
) -> None:
    url = f"{API}/patients/{patient.pk}/sessions"
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    excused = call(client, "POST", url, _body(plan, date=tomorrow, attendance="excused"), **auth)
    assert excused.status_code == 201, excused.content
    assert excused.json()["entries"] == []
    attended = call(client, "POST", url, _body(plan, date=tomorrow), **auth)
    assert attended.status_code == 422
    assert [e["field"] for e in attended.json()["errors"]] == ["date"]


def test_without_a_plan_the_plan_id_is_required(
    client: Client, auth: dict[str, str], patient: Patient
) -> None:
    body = {"date": TODAY().isoformat()}
    response = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", body, **auth)
    assert response.status_code == 422
    assert [(e["field"], e["problem"]) for e in response.json()["errors"]] == [
        ("plan_id", "required")
    ]


# --- validation: the session log's bounds, each error naming its field and range -------------


@pytest.mark.parametrize(
    ("entry", "field", "problem", "allowed"),
    [
        ({"effort": 11}, "entries[0].effort", "out_of_range", "0–10"),
        ({"pain_during": -1}, "entries[0].pain_during", "out_of_range", "0–10"),
        ({"pain_next_day": 10**30}, "entries[0].pain_next_day", "out_of_range", "0–10"),
        ({"sets": 0}, "entries[0].sets", "out_of_range", "1–20"),
        ({"reps": 101}, "entries[0].reps", "out_of_range", "1–100"),
        ({"load_kg": 500.5}, "entries[0].load_kg", "out_of_range", "0–500"),
        ({"effort": "5"}, "entries[0].effort", "wrong_type", "integer"),
        ({"effort": 5.0}, "entries[0].effort", "wrong_type", "integer"),
        ({"effort": True}, "entries[0].effort", "wrong_type", "integer"),
        ({"load_kg": "4"}, "entries[0].load_kg", "wrong_type", "number"),
        ({"technique_ok": "yes"}, "entries[0].technique_ok", "wrong_type", "true/false"),
        ({"load_text": "x" * 41}, "entries[0].load_text", "too_long", "≤ 40"),
        ({"colour": "blue"}, "entries[0].colour", "unknown_field", ""),
    ],
)
def test_an_entry_out_of_bounds_is_422_naming_field_and_range(
    *,
    entry: dict[str, Any],
    field: str,
    problem: str,
    allowed: str,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
) -> None:
    body = _body(plan)
    body["entries"] = [{**body["entries"][0], **entry}]
    response = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", body, **auth)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["field"], e["problem"], e["allowed"]) for e in errors] == [(field, problem, allowed)]
    assert errors[0]["message"]
    assert TrainingSession.objects.count() == 0


def test_an_error_points_at_the_entry_by_its_place_in_the_request(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan
) -> None:
    first, second = _items(plan)[:2]
    body = _body(
        plan,
        entries=[
            {"plan_item_id": second.pk, "reps": 10},
            {"plan_item_id": first.pk, "pain_during": 14, "effort": 3},
        ],
    )
    response = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", body, **auth)
    assert [e["field"] for e in response.json()["errors"]] == ["entries[1].pain_during"]


def test_an_out_of_range_message_names_the_field_and_range_in_danish_or_english(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan
) -> None:
    body = _body(plan)
    body["entries"] = [{"plan_item_id": _items(plan)[0].pk, "effort": 12}]
    url = f"{API}/patients/{patient.pk}/sessions"
    danish = call(client, "POST", url, body, **auth).json()["errors"][0]["message"]
    assert "Anstrengelse" in danish
    assert "0 til 10" in danish
    english = call(client, "POST", url, body, HTTP_ACCEPT_LANGUAGE="en", **auth).json()
    assert english["detail"] != "Input er ikke gyldigt: se de enkelte felter."


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"attendance": "late"}, "attendance", "bad_choice"),
        ({"date": "2026-02-30"}, "date", "invalid"),
        ({"date": 20261124}, "date", "bad_date"),
        ({"date": "10000-01-01"}, "date", "bad_date"),
        ({"date": "1899-12-31"}, "date", "bad_date"),
        ({"note": "x" * 4001}, "note", "too_long"),
        ({"note": "a\x00b"}, "note", "bad_text"),
        ({"events": [{"kind": "earthquake"}]}, "events[0].kind", "bad_choice"),
        ({"events": [{"kind": "fall"}] * 11}, "events", "too_many"),
        ({"entries": "all"}, "entries", "wrong_type"),
        ({"entries": [{"plan_item_id": 1}] * 61}, "entries", "too_many"),
        ({"plan_id": "1"}, "plan_id", "wrong_type"),
        ({"kind": "home"}, "kind", "unknown_field"),
    ],
)
def test_a_session_field_wrong_is_422_not_500(
    *,
    change: dict[str, Any],
    field: str,
    problem: str,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
) -> None:
    response = call(
        client, "POST", f"{API}/patients/{patient.pk}/sessions", _body(plan, **change), **auth
    )
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert (errors[0]["field"], errors[0]["problem"]) == (field, problem), errors
    assert TrainingSession.objects.count() == 0


def test_an_item_of_another_plan_or_twice_is_refused(
    *,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
    user: User,
    clinic: Clinic,
) -> None:
    other_plan = make_assessment(make_patient(clinic, "Anden Patient"), user).plans.get()
    url = f"{API}/patients/{patient.pk}/sessions"
    foreign = _body(plan, entries=[{"plan_item_id": _items(other_plan)[0].pk}])
    response = call(client, "POST", url, foreign, **auth)
    assert response.status_code == 422
    assert [(e["field"], e["problem"]) for e in response.json()["errors"]] == [
        ("entries", "bad_item")
    ]
    twice = _body(plan, entries=[{"plan_item_id": _items(plan)[0].pk}] * 2)
    assert call(client, "POST", url, twice, **auth).status_code == 422
    # Another patient's plan of the same clinic: the service's refusal, at `plan_id`.
    theirs = call(client, "POST", url, _body(plan, plan_id=other_plan.pk, entries=[]), **auth)
    assert theirs.status_code == 422
    assert [e["field"] for e in theirs.json()["errors"]] == ["plan_id"]
    assert TrainingSession.objects.count() == 0


def test_huge_or_deep_bodies_are_refused_before_any_work(
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
    django_assert_max_num_queries: Any,
) -> None:
    url = f"{API}/patients/{patient.pk}/sessions"
    item = _items(plan)[0].pk
    many = _body(plan, entries=[{"plan_item_id": item, "note": "x" * 30}] * 20_000)
    raw = json.dumps(many)
    assert len(raw) > 1_000_000
    # The request's authentication alone (4 queries): nothing of the patient is read.
    with django_assert_max_num_queries(4):
        too_big = client.post(url, raw, content_type="application/json", **auth)
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["problem"] == "too_large"
    deep: Any = []
    for _ in range(40):
        deep = [deep]
    with django_assert_max_num_queries(4):
        nested = call(client, "POST", url, _body(plan, note=deep), **auth)
    assert nested.status_code == 422
    assert nested.json()["errors"][0]["problem"] == "too_deep"
    # Under the byte limit, but more entries than a plan has: refused by the schema's bound.
    crowd = _body(plan, entries=[{"plan_item_id": item}] * 5_000)
    with django_assert_max_num_queries(4):
        refused = call(client, "POST", url, crowd, **auth)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "entries"
    assert TrainingSession.objects.count() == 0


# --- read ------------------------------------------------------------------------------------


def test_get_one_session_with_entries_events_and_journal(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    created = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", _body(plan), **auth)
    sid = created.json()["id"]
    got = client.get(f"{API}/sessions/{sid}", **auth)
    assert got.status_code == 200
    out = got.json()
    assert out == created.json()
    assert (out["note"], out["next_time"], out["kb_version"]) == (
        "Godt fremmøde.",
        "Mere vægt.",
        plan.kb_version,
    )
    third = _items(plan)[2]
    assert [e["note"] for e in out["entries"] if e["plan_item_id"] == third.pk] == ["Svimmel."]
    (view,) = _log(Action.VIEW)
    assert (view.object_id, view.patient_id, view.user_id) == (sid, patient.pk, user.pk)


def test_the_list_is_paged_newest_first(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    for days in range(1, 8):
        make_session(patient, plan, user, when=TODAY() - timedelta(days=days))
    url = f"{API}/patients/{patient.pk}/sessions"
    first = client.get(url, {"page_size": 3}, **auth).json()
    assert (first["count"], first["pages"], first["page"], first["page_size"]) == (7, 3, 1, 3)
    dates = [s["date"] for s in first["items"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == (TODAY() - timedelta(days=1)).isoformat()
    last = client.get(url, {"page_size": 3, "page": 99}, **auth).json()
    assert (last["page"], len(last["items"])) == (3, 1)
    default = client.get(url, **auth).json()
    assert (default["page_size"], len(default["items"])) == (25, 7)
    row = default["items"][0]
    assert (row["kind"], row["attendance"], row["therapist"]) == (
        "supervised",
        "attended",
        "Kim Fysio",
    )
    assert (row["exercises_done"], row["pain_max"], row["event_count"]) == (1, None, 0)
    # The read of the list is logged as a view of the patient.
    assert {e.patient_id for e in _log(Action.VIEW, "patient")} == {patient.pk}


@pytest.mark.parametrize(
    "query", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "x"}]
)
def test_the_page_size_is_bounded(
    query: dict[str, Any], client: Client, auth: dict[str, str], patient: Patient
) -> None:
    response = client.get(f"{API}/patients/{patient.pk}/sessions", query, **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"page_size", "page"}


def test_the_list_costs_the_same_queries_for_3_or_30_sessions(
    *,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
    user: User,
    django_assert_max_num_queries: Any,
) -> None:
    url = f"{API}/patients/{patient.pk}/sessions"
    for days in range(1, 4):
        make_session(patient, plan, user, when=TODAY() - timedelta(days=days))
    # Authentication (4), the patient and its access-log entry (4), count, page, entries, events.
    with django_assert_max_num_queries(12):
        few = client.get(url, **auth)
    for days in range(4, 31):
        make_session(patient, plan, user, when=TODAY() - timedelta(days=days))
    with django_assert_max_num_queries(12):
        many = client.get(url, **auth)
    assert (len(few.json()["items"]), len(many.json()["items"])) == (3, 25)


# --- update ------------------------------------------------------------------------------------


def test_update_checks_the_version_and_replaces_entries(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    created = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", _body(plan), **auth)
    sid = created.json()["id"]
    url = f"{API}/sessions/{sid}"
    first = _items(plan)[0].pk
    change = {
        "version": 1,
        "note": "Rettet.",
        "entries": [{"plan_item_id": first, "sets": 2, "reps": 12, "effort": 7}],
    }
    updated = call(client, "PUT", url, change, **auth)
    assert updated.status_code == 200, updated.content
    out = updated.json()
    assert (out["version"], out["note"], out["date"]) == (2, "Rettet.", TODAY().isoformat())
    assert [(e["plan_item_id"], e["reps"]) for e in out["entries"]] == [(first, 12)]
    assert out["events"] == []
    stale = call(client, "PUT", url, {**change, "note": "Gammel."}, **auth)
    assert stale.status_code == 409
    assert TrainingSession.objects.get(pk=sid).note == "Rettet."
    (logged,) = _log(Action.UPDATE)
    assert (logged.object_id, logged.patient_id) == (sid, patient.pk)
    missing = call(client, "PUT", url, {"note": "x"}, **auth)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["version"]


def test_update_keeps_the_class_of_a_class_session(
    *,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
    user: User,
    clinic: Clinic,
) -> None:
    from datetime import time

    from osteofys.web.training.models import TrainingClass

    hold = TrainingClass.objects.create(
        clinic=clinic,
        name="Osteoporoseskole",
        weekdays=[1],
        start_time=time(10),
        start_date=TODAY(),
        weeks=8,
        created_by=user,
    )
    session = make_session(patient, plan, user, training_class=hold)
    response = call(client, "PUT", f"{API}/sessions/{session.pk}", {"version": 1}, **auth)
    assert response.status_code == 200, response.content
    assert response.json()["training_class_id"] == hold.pk


def test_a_home_session_is_not_changed_here(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan
) -> None:
    home = TrainingSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        plan=plan,
        kind=SessionKind.HOME,
        date=TODAY(),
        client_id="phone-1",
        kb_version=plan.kb_version,
    )
    response = call(client, "PUT", f"{API}/sessions/{home.pk}", {"version": 1}, **auth)
    assert response.status_code == 409
    assert client.get(f"{API}/sessions/{home.pk}", **auth).json()["kind"] == "home"


# --- tenancy beyond the path's id ----------------------------------------------------------


def test_another_clinic_gets_404_for_every_training_operation(
    client: Client, patient: Patient, plan: Plan, user: User
) -> None:
    session = make_session(patient, plan, user)
    intruder = _intruder()
    before = (TrainingSession.objects.count(), AuditEntry.objects.count())
    for method, url, body in [
        ("GET", f"{API}/patients/{patient.pk}/sessions", None),
        ("POST", f"{API}/patients/{patient.pk}/sessions", _body(plan)),
        ("GET", f"{API}/sessions/{session.pk}", None),
        ("PUT", f"{API}/sessions/{session.pk}", {"version": 1}),
        ("GET", f"{API}/patients/{patient.pk}/adherence", None),
        ("GET", f"{API}/plans/{plan.pk}/progression", None),
    ]:
        response = call(client, method, url, body, **intruder)
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": "Findes ikke.", "errors": []}
    assert (TrainingSession.objects.count(), AuditEntry.objects.count()) == before


def test_another_clinics_plan_in_the_body_is_404(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    elsewhere = make_clinic("Klinik B")
    stranger = make_user(elsewhere, "bo")
    foreign = make_assessment(make_patient(elsewhere, "Fremmed"), stranger)
    body = _body(plan, plan_id=foreign.plans.get().pk, entries=[])
    response = call(client, "POST", f"{API}/patients/{patient.pk}/sessions", body, **auth)
    assert response.status_code == 404
    assert TrainingSession.objects.count() == 0


# --- adherence ---------------------------------------------------------------------------------


def test_adherence_weeks_and_flags(
    *,
    client: Client,
    auth: dict[str, str],
    patient: Patient,
    plan: Plan,
    user: User,
    django_assert_max_num_queries: Any,
) -> None:
    item = _items(plan)[0]
    make_session(
        patient,
        plan,
        user,
        when=TODAY(),
        entries=[{"plan_item_id": item.pk, "sets": 2, "reps": 10, "pain_during": 9}],
    )
    make_session(patient, plan, user, when=TODAY() - timedelta(days=1), attendance="absent")
    # Authentication (4), the patient, its plan and tests (4), the adherence reads and the
    # access-log entry (7): not more with more sessions (below).
    with django_assert_max_num_queries(15):
        response = client.get(f"{API}/patients/{patient.pk}/adherence", **auth)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["weeks"][-1]["current"] is True
    assert sum(w["supervised"] for w in out["weeks"]) == 1
    # The weeks count from the plan's week (made today): yesterday is in it unless today is Monday.
    assert sum(w["missed"] for w in out["weeks"]) == (0 if TODAY().weekday() == 0 else 1)
    if out["planned_per_week"] is not None:
        low = out["planned_per_week"][0]
        assert all(w["met"] == (w["done"] >= low) for w in out["weeks"])
    pain = [f for f in out["flags"] if f["flag"] == "high_pain"]
    assert pain == [
        {
            "flag": "high_pain",
            "date": TODAY().isoformat(),
            "value": 9,
            "kind": "",
            "days": None,
            "tests": [],
            "classes": [],
        }
    ]
    assert out["ratings"][0]["pain_during"] == 9
    (logged,) = AuditEntry.objects.filter(detail=Detail.ADHERENCE)
    assert (logged.action, logged.patient_id) == (Action.VIEW, patient.pk)
    for days in range(2, 40):
        make_session(patient, plan, user, when=TODAY() - timedelta(days=days))
    with django_assert_max_num_queries(15):
        assert client.get(f"{API}/patients/{patient.pk}/adherence", **auth).status_code == 200


# --- progression history -----------------------------------------------------------------------


def _decision(plan: Plan, user: User, decision: str = "accepted", **changes: Any) -> Any:
    item = _items(plan)[0]
    values: dict[str, Any] = {
        "clinic": plan.clinic,
        "patient": plan.patient,
        "plan_item": item,
        "rule": "double_progression",
        "step": "more_load",
        "from_exercise": item.exercise,
        "from_level": item.level,
        "from_dose": {"sets": 2, "reps": [8, 12]},
        "to_exercise": item.exercise,
        "to_level": item.level,
        "to_dose": {"sets": 3, "reps": [8, 12]},
        "decision": decision,
        "reason": "" if decision == "accepted" else "Ikke i dag.",
        "kb_version": plan.kb_version,
        "decided_by": user,
    }
    return ProgressionDecision.objects.create(**{**values, **changes})


def test_the_plans_progression_history_newest_first(
    client: Client,
    auth: dict[str, str],
    plan: Plan,
    user: User,
    django_assert_max_num_queries: Any,
) -> None:
    older = _decision(plan, user)
    newer = _decision(plan, user, decision="declined")
    # Authentication (4), the plan with its items and its access-log entry (5), the decisions.
    with django_assert_max_num_queries(10):
        response = client.get(f"{API}/plans/{plan.pk}/progression", **auth)
    assert response.status_code == 200
    out = response.json()
    assert [d["id"] for d in out] == [newer.pk, older.pk]
    assert out[1]["from_dose"] == {"sets": 2, "reps": [8, 12]}
    assert (out[0]["decision"], out[0]["reason"], out[0]["decided_by"]) == (
        "declined",
        "Ikke i dag.",
        "Kim Fysio",
    )
    (view,) = AuditEntry.objects.filter(action=Action.VIEW, object_type="plan")
    assert view.object_id == plan.pk
    for _ in range(10):
        _decision(plan, user)
    with django_assert_max_num_queries(10):
        assert len(client.get(f"{API}/plans/{plan.pk}/progression", **auth).json()) == 12


# --- FHIR: the export carries the sessions and the plan's progress -----------------------------


def test_the_fhir_export_has_the_sessions_and_the_progress(
    client: Client, auth: dict[str, str], patient: Patient, plan: Plan, user: User
) -> None:
    call(client, "POST", f"{API}/patients/{patient.pk}/sessions", _body(plan), **auth)
    make_session(patient, plan, user, when=TODAY() - timedelta(days=2), attendance="excused")
    _decision(plan, user)
    doc = client.get(f"{API}/patients/{patient.pk}/fhir", **auth).json()
    assert check(doc) == []
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in doc["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry)
    procedures = [e["resource"] for e in by_type["Procedure"]]
    assert [(p["performedDateTime"], p["status"]) for p in procedures] == [
        ((TODAY() - timedelta(days=2)).isoformat(), "not-done"),
        (TODAY().isoformat(), "completed"),
    ]
    (care_plan,) = by_type["CarePlan"]
    assert procedures[1]["basedOn"] == [{"reference": care_plan["fullUrl"]}]
    assert "Mere vægt." in procedures[1]["note"][1]["text"]
    activities = care_plan["resource"]["activity"]
    assert activities[0]["detail"]["status"] == "in-progress"
    assert len(activities[0]["progress"]) == 1
    assert "double_progression" in activities[0]["progress"][0]["text"]
    pains = [
        e["resource"]
        for e in by_type["Observation"]
        if e["resource"]["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert [p["valueInteger"] for p in pains] == [2, 1]
    # A session of another patient never comes along.
    other = make_patient(patient.clinic, "Anden")
    other_plan = make_assessment(other, user).plans.get()
    make_session(other, other_plan, user, when=TODAY() - timedelta(days=5))
    again = client.get(f"{API}/patients/{patient.pk}/fhir", **auth).json()
    assert sum(e["resource"]["resourceType"] == "Procedure" for e in again["entry"]) == 2


def test_attendance_values_are_the_models() -> None:
    from osteofys.fhir.export import ATTENDED, NOT_ATTENDED

    assert {ATTENDED, *NOT_ATTENDED} == set(Attendance.values)

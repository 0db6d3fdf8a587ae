"""Tenancy: every URL with an object id is a 404 for a user (clinician or clinic admin) of another
clinic; lists, search and the access log never leak. The API's operations are enumerated from its
OpenAPI document in test_api.py."""

from __future__ import annotations

import csv as csv_module
import io
from datetime import date, time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from osteofys.cli import main as cli_main
from osteofys.web.accounts.models import Clinic, Profile, Role
from osteofys.web.accounts.tokens import api_token_create
from osteofys.web.audit.models import AuditEntry
from osteofys.web.training.models import (
    Enrolment,
    ProgressionDecision,
    SessionKind,
    TrainingClass,
    TrainingSession,
)
from tests.web.conftest import (
    PASSWORD,
    make_assessment,
    make_clinic,
    make_patient,
    make_user,
    signed_in,
)

pytestmark = pytest.mark.django_db

ID_KWARGS = {
    "patient_id",
    "assessment_id",
    "plan_id",
    "item_id",
    "user_id",
    "token_id",
    "session_id",
    "class_id",
    "decision_id",
}
# URL parameters that name no clinic's data: the exercise library is the same for everyone, and a
# class's session date (`day`) is only read together with the class's id.
SHARED_KWARGS = {"exercise_id", "day"}
API_PREFIX = "api/v1/"


def _probe(client: Client, name: str, params: set[str], objects: dict[str, int]) -> list[str]:
    """The requests (GET and POST) to one URL that did not answer 404."""
    url = reverse(name, kwargs={k: objects[k] for k in params})
    leaks = []
    for method in ("get", "post"):
        response = getattr(client, method)(url, {"exercise": "sit_to_stand", "confirm_name": "x"})
        if response.status_code != 404:
            leaks.append(f"{method.upper()} {name}: {response.status_code}")
    return leaks


def _scoped_patterns() -> list[tuple[str, set[str]]]:
    """Every named URL that takes an object id, found from the URL configuration itself."""
    found = []

    def walk(patterns: Any, namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLPattern):
                params = set(p.pattern.converters)
                if params & ID_KWARGS and p.name:
                    found.append((f"{namespace}{p.name}", params))
            else:
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)

    walk(get_resolver().url_patterns)
    return found


def test_the_scoped_patterns_are_found() -> None:
    names = {name for name, _ in _scoped_patterns()}
    assert {"records:patient_detail", "records:assessment_live", "records:plan_item_dose"} <= names


def test_every_url_parameter_is_known_so_none_escapes_the_tenancy_test() -> None:
    """A new URL with an id under another name (say `entry_id`) must be added above, not missed."""
    unknown = []

    def walk(patterns: Any, route: str = "") -> None:
        for p in patterns:
            here = route + str(p.pattern)
            if here.startswith(API_PREFIX):
                continue  # the API's operations: enumerated from OpenAPI in test_api.py
            if isinstance(p, URLPattern):
                unknown.extend(
                    (here, k) for k in set(p.pattern.converters) - ID_KWARGS - SHARED_KWARGS
                )
            else:
                walk(p.url_patterns, here)

    walk(get_resolver().url_patterns)
    assert unknown == []


def _owned_by(clinic: Clinic, user: User) -> dict[str, int]:
    """One object of each kind a URL can name, in `clinic`, made by `user`."""
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    plan = assessment.plans.get()
    item = plan.items.first()
    training = _training_objects(clinic, user, patient, plan, item)
    return {
        "patient_id": patient.pk,
        "assessment_id": assessment.pk,
        "plan_id": plan.pk,
        "item_id": item.pk,
        "user_id": user.pk,
        "token_id": api_token_create(user=user, name="journal").token.pk,
        **training,
    }


def _training_objects(
    clinic: Clinic, user: User, patient: Any, plan: Any, item: Any
) -> dict[str, Any]:
    """A class with the patient on it, a logged session and a progression decision."""
    day = date(2026, 12, 7)
    training_class = TrainingClass.objects.create(
        clinic=clinic,
        name="Osteoporoseskole",
        weekdays=[1],
        start_time=time(10, 0),
        start_date=day,
        weeks=8,
        created_by=user,
    )
    Enrolment.objects.create(
        clinic=clinic, training_class=training_class, patient=patient, enrolled_on=day
    )
    session = TrainingSession.objects.create(
        clinic=clinic,
        patient=patient,
        plan=plan,
        kind=SessionKind.SUPERVISED,
        training_class=training_class,
        date=day,
        kb_version=plan.kb_version,
        created_by=user,
    )
    decision = ProgressionDecision.objects.create(
        clinic=clinic,
        patient=patient,
        plan_item=item,
        session=session,
        rule="double_progression",
        step="next_level",
        from_exercise=item.exercise,
        to_exercise=item.exercise,
        decision="declined",
        reason="Ikke i dag",
        kb_version=plan.kb_version,
        decided_by=user,
    )
    return {
        "session_id": session.pk,
        "class_id": training_class.pk,
        "decision_id": decision.pk,
        "day": day.isoformat(),
    }


@pytest.fixture
def owned(clinic: Clinic, user: User) -> dict[str, int]:
    return _owned_by(clinic, user)


@pytest.fixture
def other_clinic_admin(db: Any) -> Client:
    client = Client()
    return signed_in(client, make_user(make_clinic("Klinik C"), "carl", Role.ADMIN))


@pytest.mark.parametrize(("name", "params"), _scoped_patterns())
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_clinic_client", "other_clinic_admin"])
def test_other_clinic_gets_404(
    name: str,
    params: set[str],
    *,
    method: str,
    intruder: str,
    owned: dict[str, int],
    request: pytest.FixtureRequest,
) -> None:
    client: Client = request.getfixturevalue(intruder)
    url = reverse(name, kwargs={k: owned[k] for k in params})
    response = getattr(client, method)(url, {"exercise": "sit_to_stand", "confirm_name": "x"})
    assert response.status_code == 404, (name, method, response.status_code)


def test_lists_and_search_do_not_leak(owned: dict[str, int], other_clinic_client: Client) -> None:
    response = other_clinic_client.get(reverse("records:patient_list"), {"q": "Inger"})
    assert response.status_code == 200
    assert "Inger Hansen" not in response.content.decode()
    everyone = other_clinic_client.get(reverse("records:patient_list")).content.decode()
    assert "Inger Hansen" not in everyone


def test_the_access_log_of_another_clinic_does_not_leak(
    client: Client, owned: dict[str, int], other_clinic_admin: Client, admin_user: User
) -> None:
    signed_in(client, admin_user)
    client.get(reverse("records:patient_detail", args=[owned["patient_id"]]))
    own = AuditEntry.objects.filter(patient_id=owned["patient_id"])
    assert own.exists()
    page = other_clinic_admin.get(reverse("audit:entry_list"))
    assert page.status_code == 200
    csv = b"".join(other_clinic_admin.get(reverse("audit:entry_export")).streaming_content)
    for entry in own:
        assert f">{entry.seq}<" not in page.content.decode()
    rows = list(csv_module.DictReader(io.StringIO(csv.decode())))
    assert rows  # the other clinic's own security events (its users were created)
    other_clinic = {row["clinic_id"] for row in rows}
    assert str(own[0].clinic_id) not in other_clinic
    assert len(other_clinic) == 1
    assert not {row["patient_id"] for row in rows} - {""}


def test_anonymous_users_are_sent_to_login(owned: dict[str, int], client: Client) -> None:
    for name, params in _scoped_patterns():
        response = client.get(reverse(name, kwargs={k: owned[k] for k in params}))
        assert response.status_code == 302, name
        assert "/konto/login/" in response["Location"]


# --- a clinic made by `osteofys clinic create` -------------------------------------------------


@pytest.fixture
def command_clinic_admin(db: Any, capsys: pytest.CaptureFixture[str]) -> User:
    """The admin of a clinic made as an operator makes one: the command itself, in-process."""
    code = cli_main(["clinic", "create", "Træningscenter Vest", "--admin", "vest-admin"])
    out = capsys.readouterr().out
    assert code == 0, out
    admin = User.objects.get(username="vest-admin")
    assert admin.profile.must_change_password
    assert admin.check_password(out.split("midlertidig adgangskode: ", 1)[1].split()[0])
    # The first login's forced password change (tested with the accounts) is done: from here on
    # this admin works like any other, which is what tenancy must hold for.
    admin.set_password(PASSWORD)
    admin.save()
    Profile.objects.filter(user=admin).update(must_change_password=False)
    admin.refresh_from_db()
    return admin


def test_a_clinic_made_by_the_command_and_the_first_clinic_see_nothing_of_each_other(
    owned: dict[str, int], admin_user: User, command_clinic_admin: User
) -> None:
    new_clinic = command_clinic_admin.profile.clinic
    assert new_clinic != admin_user.profile.clinic
    theirs = _owned_by(new_clinic, command_clinic_admin)
    new_admin = signed_in(Client(), command_clinic_admin)
    first_admin = signed_in(Client(), admin_user)
    leaks = []
    for name, params in _scoped_patterns():
        leaks += _probe(new_admin, name, params, owned)
        leaks += _probe(first_admin, name, params, theirs)
    assert leaks == []
    for client, mine, foreign in ((new_admin, theirs, owned), (first_admin, owned, theirs)):
        page = client.get(reverse("records:patient_list")).content.decode()
        link = "records:patient_detail"
        assert reverse(link, args=[mine["patient_id"]]) in page
        assert reverse(link, args=[foreign["patient_id"]]) not in page
    # Each still sees its own: the 404s above are tenancy, not a broken page.
    own = new_admin.get(reverse("records:patient_detail", args=[theirs["patient_id"]]))
    assert own.status_code == 200

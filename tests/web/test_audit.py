"""The access log: every access to patient data leaves an entry, with ids only, in a chain that
`osteofys audit verify` checks."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from osteofys.cli import main as cli_main
from osteofys.web.accounts.models import Clinic, Role
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import (
    Action,
    AuditEntry,
    ChainHead,
    Detail,
    ObjectType,
)
from osteofys.web.audit.selectors import chain_verify
from osteofys.web.records.models import Assessment, Patient
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"
NAME = "Ærlig Østergård"
CPR = "0204581234"


def _entry(action: str, object_type: str, object_id: int | None, **expected: Any) -> AuditEntry:
    """The newest entry for this action on this object that has the `expected` fields."""
    found = (
        AuditEntry.objects.filter(
            action=action, object_type=object_type, object_id=object_id, **expected
        )
        .order_by("-seq")
        .first()
    )
    assert found is not None, (action, object_type, object_id, expected)
    return found


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the form carries the version it was loaded with"
    return match.group(1)


def _do_everything(client: Client, admin: Client) -> dict[str, int]:
    """Create, view, change, export and delete a patient through the web, as users do."""
    kw: dict[str, Any] = {"REMOTE_ADDR": ADDRESS}
    base = {"name": NAME, "birth_date": "1958-04-02", "sex": "female", "height_cm": "165"}
    client.post(reverse("records:patient_create"), {**base, "cpr": "020458-1234"}, **kw)
    patient = Patient.objects.get(name=NAME)
    ids = {"patient": patient.pk}
    client.get(reverse("records:patient_list"), {"q": "Østergård"}, **kw)
    client.get(reverse("records:patient_detail", args=[patient.pk]), **kw)
    edit = reverse("records:patient_edit", args=[patient.pk])
    version = _version(client.get(edit, **kw).content.decode())
    client.post(edit, {**base, "weight_kg": "61", "version": version}, **kw)
    client.post(
        reverse("records:assessment_create", args=[patient.pk]),
        _assessment_post(**{"risk_factors__smoking": "current"}),
        **kw,
    )
    assessment = Assessment.objects.get(patient=patient)
    ids["assessment"] = assessment.pk
    client.get(reverse("records:assessment_detail", args=[assessment.pk]), **kw)
    plan = assessment.plans.get()
    ids["plan"] = plan.pk
    items = list(plan.items.all())
    client.post(
        reverse("records:plan_item_dose", args=[plan.pk, items[0].pk]),
        {"sets": "2", "reps_min": "8", "reps_max": "10", "days_min": "2", "days_max": "3"},
        **kw,
    )
    client.post(reverse("records:plan_item_remove", args=[plan.pk, items[1].pk]), **kw)
    client.post(
        reverse("records:plan_item_add", args=[plan.pk]), {"exercise": items[1].exercise}, **kw
    )
    client.post(
        reverse("records:retest_create", args=[patient.pk]),
        {"test": "tug_s", "date": "2026-11-26", "value": "9,5"},
        **kw,
    )
    ids["retest"] = patient.retests.get().pk
    assert client.get(reverse("records:plan_handout", args=[plan.pk]), **kw).status_code == 200
    letter = client.get(reverse("records:gp_letter_pdf", args=[assessment.pk]), **kw)
    assert letter.status_code == 200
    export = admin.get(reverse("records:patient_export", args=[patient.pk]), **kw)
    assert export.status_code == 200
    deleted = admin.post(
        reverse("records:patient_delete", args=[patient.pk]), {"confirm_name": NAME}, **kw
    )
    assert deleted.status_code == 302
    return ids


@pytest.fixture
def two_clients(clinic: Clinic, user: User, admin_user: User) -> tuple[Client, Client]:
    clinician, admin = Client(), Client()
    clinician.force_login(user)
    admin.force_login(admin_user)
    return clinician, admin


def test_every_kind_of_access_is_logged_with_user_clinic_object_and_address(
    two_clients: tuple[Client, Client], clinic: Clinic, user: User, admin_user: User
) -> None:
    ids = _do_everything(*two_clients)
    by_clinician = {"user_id": user.pk, "clinic_id": clinic.pk, "address": ADDRESS}
    by_admin = {**by_clinician, "user_id": admin_user.pk}
    pid, aid, plan_id = ids["patient"], ids["assessment"], ids["plan"]
    _entry("create", "patient", pid, patient_id=pid, **by_clinician)
    listed = _entry("list", "patient", None, **by_clinician)
    assert listed.patient_id is None
    _entry("view", "patient", pid, **by_clinician)
    _entry("update", "patient", pid, **by_clinician)
    _entry("create", "assessment", aid, patient_id=pid, **by_clinician)
    _entry("view", "assessment", aid, patient_id=pid, **by_clinician)
    _entry("create", "plan", plan_id, patient_id=pid, **by_clinician)
    _entry("view", "plan", plan_id, **by_clinician)
    for detail in (Detail.DOSE, Detail.ITEM_REMOVE, Detail.ITEM_ADD):
        assert AuditEntry.objects.filter(
            action="update", object_type="plan", object_id=plan_id, detail=detail, **by_clinician
        ).exists(), detail
    _entry("create", "retest", ids["retest"], patient_id=pid, **by_clinician)
    _entry("export", "plan", plan_id, detail="handout", **by_clinician)
    _entry("export", "assessment", aid, detail="gp_letter", **by_clinician)
    _entry("export", "patient", pid, detail="gdpr", **by_admin)
    _entry("delete", "patient", pid, patient_id=pid, **by_admin)
    assert chain_verify().intact


def test_the_log_never_holds_a_name_or_a_cpr_number(
    two_clients: tuple[Client, Client], admin_user: User
) -> None:
    _do_everything(*two_clients)
    rows = json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)
    for secret in (CPR, "020458", "Ærlig", "Østergård", "stergaard", "Kim Fysio"):
        assert secret.casefold() not in rows.casefold(), secret
    admin = two_clients[1]
    csv = b"".join(admin.get(reverse("audit:entry_export")).streaming_content).decode()
    for secret in (CPR, "020458", "Ærlig", "Østergård"):
        assert secret not in csv


def test_a_read_outside_a_request_is_logged_as_the_system(clinic: Clinic) -> None:
    patient = make_patient(clinic)
    entry = _entry("create", "patient", patient.pk)
    assert entry.user_id is None
    assert entry.address == ""


def test_the_log_refuses_codes_it_does_not_know(clinic: Clinic) -> None:
    patient = make_patient(clinic)
    with pytest.raises(ValueError, match="is not a valid"):
        audit.record(Action.VIEW, patient, detail="Inger Hansen ringede")
    with pytest.raises(ValueError, match="is not a valid"):
        audit.record("peek", patient)


# --- client address ---------------------------------------------------------------------------


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(
    logged_in: Client, clinic: Clinic, settings: Any
) -> None:
    patient = make_patient(clinic)
    url = reverse("records:patient_detail", args=[patient.pk])
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.7"}
    logged_in.get(url, **forwarded)
    assert _entry("view", "patient", patient.pk).address == "127.0.0.1"
    settings.AUDIT_TRUSTED_PROXIES = 1
    logged_in.get(url, **forwarded)
    # The proxy appended what it saw; the left entry is whatever the client claimed.
    assert _entry("view", "patient", patient.pk).address == "192.0.2.7"
    logged_in.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert _entry("view", "patient", patient.pk).address == "127.0.0.1"


# --- the chain and `osteofys audit verify` ------------------------------------------------------


def _verify(capsys: Any) -> tuple[int, str]:
    code = cli_main(["audit", "verify"])
    return code, capsys.readouterr().out


@pytest.fixture
def logged(clinic: Clinic, user: User) -> list[AuditEntry]:
    """A few entries in two clinics."""
    other = make_clinic("Klinik B")
    for c in (clinic, other, clinic):
        make_assessment(make_patient(c), user)
    return list(AuditEntry.objects.order_by("id"))


def test_verify_says_intact_with_the_count(logged: list[AuditEntry], capsys: Any) -> None:
    assert _verify(capsys) == (0, f"intact: {len(logged)} entries\n")


def test_verify_detects_an_edited_entry(logged: list[AuditEntry], capsys: Any) -> None:
    victim = logged[4]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_id = object_id + 1 WHERE id = %s", [victim.pk]
        )
    code, out = _verify(capsys)
    assert code == 1
    assert f"entry {victim.pk} was changed" in out


def test_verify_detects_an_entry_edited_with_its_hash_recomputed(
    logged: list[AuditEntry], capsys: Any
) -> None:
    victim, after = logged[1], next(e for e in logged[2:] if e.clinic_id == logged[1].clinic_id)
    values = dict(AuditEntry.objects.filter(pk=victim.pk).values()[0])
    values["action"] = "list"
    AuditEntry.objects.filter(pk=victim.pk).update(action="list", hash=audit.entry_hash(values))
    code, out = _verify(capsys)
    assert code == 1
    assert f"entry {after.pk} does not link" in out


def test_verify_detects_a_deleted_entry(logged: list[AuditEntry], capsys: Any) -> None:
    victim = logged[2]
    after = next(e for e in logged[3:] if e.clinic_id == victim.clinic_id)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    code, out = _verify(capsys)
    assert code == 1
    assert f"just before entry {after.pk}" in out


def test_verify_detects_the_last_entries_cut_off(logged: list[AuditEntry], capsys: Any) -> None:
    last = logged[-1]
    survivor = [e for e in logged if e.clinic_id == last.clinic_id][-2]
    AuditEntry.objects.filter(pk=last.pk).delete()
    code, out = _verify(capsys)
    assert code == 1
    assert f"after entry {survivor.pk} were deleted" in out


def test_verify_detects_an_inserted_entry(logged: list[AuditEntry], capsys: Any) -> None:
    model = logged[-1]
    forged = AuditEntry.objects.create(
        clinic_id=model.clinic_id,
        seq=model.seq + 1,
        at=model.at,
        action="view",
        object_type="patient",
        object_id=1,
        prev_hash=model.hash,
        hash="f" * 64,
    )
    code, out = _verify(capsys)
    assert code == 1
    assert f"entry {forged.pk}" in out


def test_entries_are_numbered_per_clinic_and_linked(logged: list[AuditEntry]) -> None:
    for clinic_id in {e.clinic_id for e in logged}:
        chain = [e for e in logged if e.clinic_id == clinic_id]
        assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
        assert chain[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in pairwise(chain))
        head = ChainHead.objects.get(clinic_id=clinic_id)
        assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


# --- the admin's page -------------------------------------------------------------------------


def test_only_admins_read_the_log(
    client: Client, clinic: Clinic, user: User, admin_user: User
) -> None:
    client.force_login(user)
    assert client.get(reverse("audit:entry_list")).status_code == 404
    assert client.get(reverse("audit:entry_export")).status_code == 404
    client.force_login(admin_user)
    page = client.get(reverse("audit:entry_list"))
    assert page.status_code == 200
    assert 'href="/audit/"' in page.content.decode()  # in the admin's menu
    client.post(reverse("set_language"), {"language": "en", "next": "/audit/"})
    english = client.get(reverse("audit:entry_list")).content.decode()
    assert "Access log" in english
    assert "Export as CSV" in english


def test_admin_filters_pages_and_exports_only_their_clinic(
    client: Client, clinic: Clinic, user: User, admin_user: User
) -> None:
    patient = make_patient(clinic)
    viewer = Client()
    viewer.force_login(user)
    for _ in range(60):
        viewer.get(reverse("records:patient_detail", args=[patient.pk]))
    make_patient(make_clinic("Klinik B"))  # another clinic's entry, never shown
    client.force_login(admin_user)
    url = reverse("audit:entry_list")
    html = client.get(url).content.decode()
    assert "Side 1 af 2" in html
    assert html.count("<tr>") == 1 + 50
    only_creates = client.get(url, {"action": "create", "object_type": "patient"}).content.decode()
    assert only_creates.count("<tr>") == 2
    assert "Oprettelse" in only_creates
    by_user = client.get(url, {"user": user.pk, "object_type": "patient"}).content.decode()
    assert "Side 1 af 2" in by_user
    none_then = client.get(url, {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    assert "Ingen linjer matcher filteret." in none_then.content.decode()
    bad = client.get(url, {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert bad.status_code == 200
    export = client.get(reverse("audit:entry_export"), {"action": "view"})
    assert export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,seq,clinic_id,at_utc,user_id,username,action")
    assert len(lines) == 1 + 60
    assert all(",view,patient," in line for line in lines[1:])
    assert {line.split(",")[2] for line in lines[1:]} == {str(clinic.pk)}


def test_a_username_cannot_become_a_spreadsheet_formula(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    sneaky = make_user(clinic, "=cmd", Role.CLINICIAN)
    viewer = Client()
    viewer.force_login(sneaky)
    viewer.get(reverse("records:patient_list"))
    client.force_login(admin_user)
    csv = b"".join(client.get(reverse("audit:entry_export")).streaming_content).decode()
    assert ",'=cmd," in csv


def test_audit_object_types_cover_the_records_models_and_the_security_objects() -> None:
    records = {"patient", "assessment", "plan", "retest"}
    training = {"trainingsession", "trainingclass", "enrolment", "progressiondecision"}
    security = {"user", "clinic", "api_token"}
    assert {t.value for t in ObjectType} == records | training | security


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(clinic: Clinic) -> None:
    """Eight threads, each with its own connection, log at once: one chain, no gaps."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("SQLite's shared in-memory test database locks tables instead of waiting")
    patient = make_patient(clinic)
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def view() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                audit.record(Action.VIEW, patient)
        except BaseException as exc:  # reported by the assertion below, not lost in the thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=view) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    seqs = list(AuditEntry.objects.filter(clinic=clinic).order_by("seq").values_list("seq"))
    assert [s for (s,) in seqs] == list(range(1, 42))  # the create, then 8 × 5 views
    assert chain_verify().intact


def test_verify_command_on_a_real_data_directory(tmp_path: Path) -> None:
    """`osteofys audit verify --data-dir` as an operator runs it, on its own SQLite database."""
    if "OSTEOFYS_DATABASE_URL" in os.environ:
        pytest.skip("the command reads the data directory's SQLite database")
    script = Path(sys.executable).parent / "osteofys"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    def osteofys(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args], capture_output=True, text=True, env=env, check=False, timeout=120
        )

    data = str(tmp_path)
    assert osteofys("manage", "--data-dir", data, "migrate", "-v0").returncode == 0
    seed = (
        "from osteofys.web.accounts.models import Clinic\n"
        "from osteofys.web.audit import services as a\n"
        "c = Clinic.objects.create(name='K')\n"
        "for _ in range(3): a.record('list', clinic_id=c.pk, object_type='patient')\n"
    )
    assert osteofys("manage", "--data-dir", data, "shell", "-c", seed).returncode == 0
    done = osteofys("audit", "verify", "--data-dir", data)
    assert (done.returncode, done.stdout) == (0, "intact: 3 entries\n")
    with sqlite3.connect(tmp_path / "osteofys.sqlite3") as db:
        db.execute("UPDATE audit_auditentry SET object_type = 'plan' WHERE seq = 2")
    done = osteofys("audit", "verify", "--data-dir", data)
    assert done.returncode == 1
    assert re.fullmatch(r"broken: entry \d+ was changed after it was written\n", done.stdout)


def test_verify_detects_a_clinic_chain_emptied(logged: list[AuditEntry], capsys: Any) -> None:
    AuditEntry.objects.filter(clinic_id=logged[1].clinic_id).delete()
    code, out = _verify(capsys)
    assert code == 1
    assert "every entry of a clinic's chain was deleted" in out


def test_an_ipv6_client_address_is_logged_without_its_zone(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    logged_in.get(reverse("records:patient_detail", args=[patient.pk]), REMOTE_ADDR="fe80::1%eth0")
    assert _entry("view", "patient", patient.pk).address == "fe80::1"


def test_opening_the_assessment_form_is_logged_but_its_live_result_is_not(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    before = AuditEntry.objects.count()
    logged_in.get(reverse("records:assessment_create", args=[patient.pk]))
    opened = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert opened is not None
    assert (opened.action, opened.patient_id) == (Action.VIEW, patient.pk)
    live = reverse("records:assessment_live", args=[patient.pk])
    for _ in range(3):  # the form posts every half second while it is typed
        assert logged_in.post(live, _assessment_post(), HTTP_HX_REQUEST="true").status_code == 200
    assert AuditEntry.objects.count() == before + 1


def test_the_log_page_names_existing_patients_in_one_query_and_deleted_ones_by_id_only(
    client: Client, clinic: Clinic, user: User, admin_user: User
) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from osteofys.web.records import services as records

    kept = make_patient(clinic, name=NAME)
    gone = make_patient(clinic, name="Bent Borte")
    gone_id = gone.pk
    records.patient_delete(patient=gone)
    client.force_login(admin_user)
    url = reverse("audit:entry_list")
    html = client.get(url, {"object_type": "patient"}).content.decode()
    assert f'{kept.pk} <span class="audit-patient-name">({NAME})</span>' in html
    assert "Bent Borte" not in html  # deleted: the id only
    assert re.search(rf">{gone_id}</td>", html)
    # The stored log still holds no name.
    assert not AuditEntry.objects.filter(detail__icontains="Ærlig").exists()

    def queries() -> int:
        with CaptureQueriesContext(db) as ctx:
            client.get(url)
        return sum("records_patient" in q["sql"] for q in ctx.captured_queries)

    one = queries()
    for i in range(5):
        make_patient(clinic, name=f"Patient {i}")
    assert queries() == one == 1  # one look-up for the page, not one per row


def test_record_many_chains_one_entry_per_object_under_one_lock(
    clinic: Clinic, django_assert_max_num_queries: Any
) -> None:
    """A class screen logs a dozen patients in one append; the chain stays whole and checkable."""
    patients = [make_patient(clinic, f"Deltager {n}") for n in range(12)]
    before = AuditEntry.objects.filter(clinic=clinic).count()
    with django_assert_max_num_queries(4):  # the head, the batch of inserts, the head again
        audit.record_many(Action.VIEW, patients)
    entries = list(AuditEntry.objects.filter(clinic=clinic).order_by("seq")[before:])
    assert [e.patient_id for e in entries] == [p.pk for p in patients]
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 12))
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert chain_verify().intact
    other = make_patient(make_clinic("Klinik B"))
    with pytest.raises(ValueError, match="one clinic"):
        audit.record_many(Action.VIEW, [patients[0], other])

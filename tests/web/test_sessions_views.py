"""The session-log pages: the form pre-filled from the plan, one-tap saving, Danish errors with
what was typed kept, conflicts, another clinic's ids, the access log and the query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training import services
from osteofys.web.training.forms import SessionLog, prescribed_numbers
from osteofys.web.training.models import TrainingSession
from osteofys.web.training.services import EntryData, EventData
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(clinic: Clinic, user: User) -> tuple[Patient, Plan]:
    patient = make_patient(clinic)
    plan = make_assessment(patient, user).plans.get()
    return patient, plan


def log_url(patient: Patient) -> str:
    return reverse("training:session_log", args=[patient.pk])


def form_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser would post from the page as it is drawn (every field's shown value)."""
    html = client.get(url).content.decode()
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in ("csrfmiddlewaretoken", "dato", "next", "q"):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag:
            continue
        if kind and kind.group(1) == "submit":
            continue
        data[name.group(1)] = value.group(1) if value else ""
    # Textareas and selects in the log (blank by default); the template rows are not posted.
    form = html.split('class="session-form"', 1)[1].split("</form>", 1)[0]
    form = re.sub(r"<template.*?</template>", "", form, flags=re.S)
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = text.strip()
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_the_form_is_the_plan_pre_filled_with_the_prescribed_dose(
    logged_in: Client, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    response = logged_in.get(log_url(patient))
    assert response.status_code == 200
    html = response.content.decode()
    for item in services.plan_items_in_order(plan):
        numbers = prescribed_numbers(item.dose)
        assert f'id="e{item.pk}"' in html
        assert (
            f'name="e{item.pk}-status" value="prescribed" id="id_e{item.pk}-status_0" checked'
            in html
        )
        assert f'name="e{item.pk}-sets" value="{numbers["sets"]}"' in html
    assert "Som ordineret" in html
    assert "Ikke udført" in html
    assert "Ret" in html
    assert 'value="attended"' in html
    assert "Meldt afbud" in html
    assert "Udeblevet" in html
    assert "Uønskede hændelser" in html
    assert "session-log.js" in html
    # No inline script (CSP): scripts are files.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_one_tap_saves_every_exercise_as_prescribed(
    logged_in: Client, user: User, clinic: Clinic, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    data = form_data(logged_in, log_url(patient))
    response = logged_in.post(log_url(patient), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    session = TrainingSession.objects.get(patient=patient)
    assert response["Location"] == reverse("training:session_detail", args=[session.pk])
    assert session.date == timezone.localdate()
    assert session.attendance == "attended"
    assert session.therapist_id == user.pk
    entries = list(session.entries.all())
    assert len(entries) == plan.items.count()
    for entry in entries:
        assert entry.done
        assert entry.plan_item is not None
        numbers = prescribed_numbers(entry.plan_item.dose)
        assert (entry.sets, entry.reps, entry.hold_s) == (
            numbers["sets"],
            numbers["reps"],
            numbers["hold_s"],
        )
        assert entry.effort is None
        assert entry.technique_ok is None
    assert not session.events.exists()


def test_changed_values_are_stored_and_re_shown(
    logged_in: Client, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    items = services.plan_items_in_order(plan)
    first, second = items[0], items[1]
    data = form_data(logged_in, log_url(patient))
    data.update(
        {
            f"e{first.pk}-status": "changed",
            f"e{first.pk}-sets": "3",
            f"e{first.pk}-reps": "12",
            f"e{first.pk}-load_kg": "7,5",
            f"e{first.pk}-effort": "6",
            f"e{first.pk}-pain_during": "2",
            f"e{first.pk}-technique_ok": "true",
            f"e{first.pk}-note": "Fin dybde",
            # "Som ordineret" left chosen but a value typed: the typed value counts.
            f"e{second.pk}-effort": "4",
            "h0-kind": "new_back_pain",
            "h0-description": "Ondt i lænden efter løft",
            "h0-action": "Stoppede løft, ringer i morgen",
            "note": "Godt humør",
            "next_time": "Prøv 8 kg",
        }
    )
    assert logged_in.post(log_url(patient), data).status_code == 302
    session = TrainingSession.objects.get(patient=patient)
    e1 = session.entries.get(plan_item=first)
    assert (e1.sets, e1.reps, str(e1.load_kg), e1.effort, e1.pain_during, e1.technique_ok) == (
        3,
        12,
        "7.5",
        6,
        2,
        True,
    )
    assert e1.note == "Fin dybde"
    assert session.entries.get(plan_item=second).effort == 4
    assert session.events.get().kind == "new_back_pain"
    assert (session.note, session.next_time) == ("Godt humør", "Prøv 8 kg")
    # Opened again: the stored values, "Ret" chosen where they differ from the prescription.
    html = logged_in.get(log_url(patient)).content.decode()
    assert f'name="e{first.pk}-status" value="changed" id="id_e{first.pk}-status_1" checked' in html
    assert f'name="e{first.pk}-load_kg" value="7,5"' in html
    assert "Ondt i lænden efter løft" in html
    assert "Der er allerede gemt en session" in html
    # Saved again as shown: the same session, one version on.
    again = form_data(logged_in, log_url(patient))
    assert again["version"] == "1"
    assert logged_in.post(log_url(patient), again).status_code == 302
    session.refresh_from_db()
    assert session.version == 2
    assert session.entries.get(plan_item=first).reps == 12
    assert TrainingSession.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sets", "0", "Sæt skal være et helt tal fra 1 til 20."),
        ("sets", "abc", "Sæt skal være et helt tal fra 1 til 20."),
        ("reps", "101", "Gentagelser skal være et helt tal fra 1 til 100."),
        ("effort", "11", "Anstrengelse (0–10) skal være et helt tal fra 0 til 10."),
        ("pain_during", "-1", "Smerte under (0–10) skal være et helt tal fra 0 til 10."),
        ("pain_next_day", "1e309", "Smerte næste dag (0–10) skal være et helt tal fra 0 til 10."),
        ("load_kg", "501", "Belastning (kg) skal være et tal fra 0 til 500 kg."),
        ("load_kg", "7,5,5", "Belastning (kg) skal være et tal fra 0 til 500 kg."),
    ],
)
def test_errors_are_danish_name_the_field_and_keep_what_was_typed(
    logged_in: Client, setup: tuple[Patient, Plan], field: str, value: str, message: str
) -> None:
    patient, plan = setup
    item = services.plan_items_in_order(plan)[0]
    data = form_data(logged_in, log_url(patient))
    data.update(
        {
            f"e{item.pk}-status": "changed",
            f"e{item.pk}-{field}": value,
            f"e{item.pk}-note": "skrevet før fejlen",
            "note": "Min note",
        }
    )
    response = logged_in.post(log_url(patient), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Sessionen er ikke gemt" in html
    assert f'value="{value}"' in html
    assert "skrevet før fejlen" in html
    assert "Min note" in html
    assert 'data-guard="dirty"' in html
    assert not TrainingSession.objects.exists()


def test_values_under_som_ordineret_are_not_checked_when_unchanged(
    logged_in: Client, setup: tuple[Patient, Plan]
) -> None:
    """A skipped exercise's junk is not checked either: it is not stored."""
    patient, plan = setup
    item = services.plan_items_in_order(plan)[0]
    data = form_data(logged_in, log_url(patient))
    data.update({f"e{item.pk}-status": "skipped", f"e{item.pk}-sets": "999"})
    assert logged_in.post(log_url(patient), data).status_code == 302
    entry = TrainingSession.objects.get().entries.get(plan_item=item)
    assert entry.done is False
    assert entry.sets is None


def test_not_attended_needs_no_entries(logged_in: Client, setup: tuple[Patient, Plan]) -> None:
    patient, plan = setup
    item = services.plan_items_in_order(plan)[0]
    data = form_data(logged_in, log_url(patient))
    data.update({"attendance": "excused", f"e{item.pk}-status": "changed", f"e{item.pk}-sets": "x"})
    assert logged_in.post(log_url(patient), data).status_code == 302
    session = TrainingSession.objects.get()
    assert session.attendance == "excused"
    assert not session.entries.exists()


def test_a_day_in_the_past_and_bad_days(logged_in: Client, setup: tuple[Patient, Plan]) -> None:
    patient, _plan = setup
    day = timezone.localdate() - timedelta(days=3)
    url = f"{log_url(patient)}?dato={day.isoformat()}"
    data = form_data(logged_in, url)
    assert data["date"] == day.isoformat()
    assert logged_in.post(log_url(patient), data).status_code == 302
    assert TrainingSession.objects.get().date == day
    for bad in (
        "2026-02-30",
        "nope",
        "9999-12-31",
        (timezone.localdate() + timedelta(1)).isoformat(),
    ):
        response = logged_in.get(f"{log_url(patient)}?dato={bad}")
        assert response.status_code == 400
        assert "Dato:" in response.content.decode()
    # A posted date that is broken saves nothing.
    data["date"] = "1800-01-01"
    assert logged_in.post(log_url(patient), data).status_code == 400
    assert TrainingSession.objects.count() == 1


def test_someone_else_saving_first_is_a_conflict_with_the_typing_kept(
    logged_in: Client, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    data = form_data(logged_in, log_url(patient))
    services.session_save(
        patient=patient,
        plan=plan,
        user=user,
        when=timezone.localdate(),
        attendance="attended",
        entries=[],
        note="Den andens note",
    )
    data["note"] = "Min egen note"
    response = logged_in.post(log_url(patient), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "En anden har gemt en session" in html
    assert "Min egen note" in html
    assert TrainingSession.objects.get().note == "Den andens note"
    # Saving again from the page is a deliberate overwrite.
    assert 'name="version" value="1"' in html
    data["version"] = "1"
    assert logged_in.post(log_url(patient), data).status_code == 302
    assert TrainingSession.objects.get().note == "Min egen note"


def test_no_plan_says_so(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    response = logged_in.get(log_url(patient))
    assert response.status_code == 200
    assert "Patienten har ingen træningsplan endnu" in response.content.decode()
    assert logged_in.post(log_url(patient), {"date": "2026-01-01"}).status_code == 400
    assert not TrainingSession.objects.exists()


def saved(patient: Patient, plan: Plan, user: User, **extra: Any) -> TrainingSession:
    items = services.plan_items_in_order(plan)
    values: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "user": user,
        "when": date(2026, 11, 3),
        "attendance": "attended",
        "entries": [
            EntryData(items[0].pk, sets=3, reps=10, effort=7, pain_during=3, technique_ok=True),
            EntryData(items[1].pk, done=False, note="Træt"),
        ],
        "events": [EventData("fall", "Snublede på måtten", "Satte sig, BT målt, ok")],
        "note": "Motiveret i dag.",
        "next_time": "Øg til 3 sæt.",
    }
    values.update(extra)
    return services.session_save(**values)


def test_the_session_page_shows_the_journal_note_and_the_copy_text(
    logged_in: Client, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = saved(patient, plan, user)
    response = logged_in.get(reverse("training:session_detail", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3. november 2026" in html
    assert "Kim Fysio" in html
    assert "Snublede på måtten" in html
    assert "Satte sig, BT målt, ok" in html
    assert "Kopiér til journal" in html
    assert 'id="note-text"' in html
    assert "readonly" in html
    assert reverse("training:session_note_pdf", args=[session.pk]) in html
    assert "Øg til 3 sæt." in html


def test_another_clinics_ids_are_404(
    other_clinic_client: Client, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = saved(patient, plan, user)
    before = AuditEntry.objects.filter(patient_id=patient.pk).count()
    for url in (
        log_url(patient),
        reverse("training:session_detail", args=[session.pk]),
        reverse("training:session_note_pdf", args=[session.pk]),
    ):
        assert other_clinic_client.get(url).status_code == 404, url
        assert other_clinic_client.post(url, {"date": "2026-11-03"}).status_code == 404, url
    assert TrainingSession.objects.get().note == "Motiveret i dag."
    # Nothing about this clinic's patient was read or written by the outsider.
    assert AuditEntry.objects.filter(patient_id=patient.pk).count() == before


def test_every_read_and_write_is_in_the_access_log(
    logged_in: Client, clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, _plan = setup
    start = AuditEntry.objects.filter(clinic=clinic).count()
    data = form_data(logged_in, log_url(patient))
    logged_in.post(log_url(patient), data)
    session = TrainingSession.objects.get()
    logged_in.get(log_url(patient))  # the stored session shown in the form
    logged_in.get(reverse("training:session_detail", args=[session.pk]))
    logged_in.get(reverse("training:session_note_pdf", args=[session.pk]))
    entries = list(AuditEntry.objects.filter(clinic=clinic).order_by("seq"))[start:]
    # The session page also shows the progression suggestions (progress app), which log their
    # own reads: the session log's entries are these, in this order.
    entries = [e for e in entries if e.object_type in ("patient", "trainingsession")]
    seen = [(e.action, e.object_type, e.detail) for e in entries]
    assert seen == [
        ("view", "patient", ""),  # the form (GET)
        ("view", "patient", ""),  # the post
        ("create", "trainingsession", ""),
        ("view", "patient", ""),
        ("view", "trainingsession", ""),
        ("view", "trainingsession", ""),  # the session page
        ("export", "trainingsession", "session_note"),  # the PDF
    ]
    assert all(e.patient_id == patient.pk and e.user_id == user.pk for e in entries)
    assert {e.object_id for e in entries if e.object_type == "trainingsession"} == {session.pk}


def test_query_counts(
    logged_in: Client,
    user: User,
    setup: tuple[Patient, Plan],
    django_assert_max_num_queries: Any,
) -> None:
    patient, plan = setup
    with django_assert_max_num_queries(14):
        assert logged_in.get(log_url(patient)).status_code == 200
    session = saved(patient, plan, user)
    with django_assert_max_num_queries(16):
        assert logged_in.get(f"{log_url(patient)}?dato=2026-11-03").status_code == 200
    # The page: the session with its parts, the access log; the progression panel's own reads.
    with django_assert_max_num_queries(22):
        response = logged_in.get(reverse("training:session_detail", args=[session.pk]))
        assert response.status_code == 200
    data = form_data(logged_in, log_url(patient))
    with django_assert_max_num_queries(24):
        assert logged_in.post(log_url(patient), data).status_code == 302


def test_the_patient_and_plan_pages_link_to_the_log_and_list_sessions(
    logged_in: Client, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = saved(patient, plan, user)
    saved(patient, plan, user, when=date(2026, 11, 5), attendance="absent", events=[])
    html = logged_in.get(reverse("records:patient_detail", args=[patient.pk])).content.decode()
    assert log_url(patient) in html
    assert "Log træning" in html
    assert "Træningssessioner" in html
    assert reverse("training:session_detail", args=[session.pk]) in html
    assert "1 af 2 øvelser udført" in html
    assert "Udeblevet" in html
    assert "1 hændelse" in html
    plan_html = logged_in.get(reverse("records:plan_detail", args=[plan.pk])).content.decode()
    assert log_url(patient) in plan_html


def test_the_form_works_with_a_prefix(setup: tuple[Patient, Plan], user: User) -> None:
    """The class screen puts one log per participant on a page: every name carries the prefix."""
    patient, plan = setup
    items = services.plan_items_in_order(plan)
    log = SessionLog(items=items, day=date(2026, 11, 3), prefix="p7")
    data: dict[str, str] = {
        "p7-date": "2026-11-03",
        "p7-version": "0",
        "p7-attendance": "attended",
        f"p7-e{items[0].pk}-status": "changed",
        f"p7-e{items[0].pk}-reps": "11",
        "p7-h0-kind": "other",
        "p7-h0-description": "Svimmel",
    }
    for item in items[1:]:
        data[f"p7-e{item.pk}-status"] = "prescribed"
    bound = SessionLog(items=items, day=date(2026, 11, 3), data=data, prefix="p7")
    assert bound.is_valid(), bound.error_summary()
    values = bound.save_values()
    assert values["entries"][0].reps == 11
    assert values["events"] == [EventData("other", "Svimmel", "")]
    stored = services.session_save(patient=patient, plan=plan, user=user, **values)
    assert stored.entries.count() == len(items)
    assert log.form.prefix == "p7"
    assert all(f.prefix.startswith("p7-e") for f in log.entries)


def test_a_log_without_its_note_boxes_keeps_the_stored_note(
    setup: tuple[Patient, Plan], user: User
) -> None:
    """The class screen may leave out the response and next-time boxes (show_notes=False)."""
    patient, plan = setup
    items = services.plan_items_in_order(plan)
    stored = saved(patient, plan, user, entries=[])
    data = {"p1-date": "2026-11-03", "p1-version": str(stored.version), "p1-attendance": "attended"}
    log = SessionLog(items=items, day=date(2026, 11, 3), data=data, session=stored, prefix="p1")
    assert log.is_valid(), log.error_summary()
    again = services.session_save(patient=patient, plan=plan, user=user, **log.save_values())
    assert (again.note, again.next_time) == ("Motiveret i dag.", "Øg til 3 sæt.")

"""The session note (journal): its Danish text from a stored session, the PDF, the GDPR export,
and generated input that never makes the session pages fail."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training import presenters, selectors, services
from osteofys.web.training.documents import session_note_render
from osteofys.web.training.forms import DETAILS, EntryForm, EventForm, SessionForm
from osteofys.web.training.models import TrainingSession
from osteofys.web.training.services import EntryData, EventData
from tests.web.conftest import make_assessment, make_patient
from tests.web.test_fuzz import FUZZ, _form_data

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 3)


@pytest.fixture
def setup(clinic: Clinic, user: User) -> tuple[Patient, Plan]:
    patient = make_patient(clinic)
    plan = make_assessment(patient, user).plans.get()
    return patient, plan


def logged(patient: Patient, plan: Plan, user: User, **extra: Any) -> TrainingSession:
    items = services.plan_items_in_order(plan)
    values: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "user": user,
        "when": DAY,
        "attendance": "attended",
        "entries": [
            EntryData(
                items[0].pk,
                sets=3,
                reps=12,
                load_kg=Decimal("7.5"),
                effort=7,
                pain_during=3,
                pain_next_day=2,
                technique_ok=True,
                note="Knæ over tæer",
            ),
            EntryData(items[1].pk, done=False, note="Træt i dag"),
        ],
        "events": [EventData("fall", "Snublede på måtten", "Satte sig, BT målt, ok")],
        "note": "Motiveret.\nLidt træt til sidst.",
        "next_time": "Øg til 3 sæt.",
    }
    values.update(extra)
    stored = services.session_save(**values)
    return selectors.session_get(patient.clinic, stored.pk, log_view=False)


def test_the_note_says_date_therapist_attendance_dose_purpose_response_events_and_kb(
    user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = logged(patient, plan, user)
    items = services.plan_items_in_order(plan)
    base = kb.load()
    first = next(e for e in base.knowledge.exercises if e.id == items[0].exercise)
    note = presenters.session_note(session)
    text = note.text
    assert note.date == "3. november 2026"
    assert text.startswith("Journalnotat: træningssession, 3. november 2026")
    assert "Terapeut: Kim Fysio" in text
    assert "Fremmøde: Mødt" in text
    assert "Form: Superviseret træning, individuelt" in text
    name = base.texts.exercise_name(items[0].exercise, "da")
    pattern = base.texts.tags.pattern[first.pattern](
        "da"
    )  # the KB's words for the movement pattern
    domain = base.texts.domains[first.domain]("da")
    assert f"- {name} ({pattern}): 3 × 12 gentagelser, 7,5 kg (ordineret 2 × 8–12" in text
    assert (
        "anstrengelse 7/10, smerte under 3/10, smerte næste dag 2/10, teknik tjekket: god" in text
    )
    assert "note: Knæ over tæer" in text
    # The purpose: the domain's goal for the plan's category, from the knowledge base.
    goal = next(
        g["text"]["da"]
        for g in base.raw["doses"]["goal"]
        if g["category"] == plan.exercise_set and g["domain"] == first.domain
    )
    assert f"{domain} – formål: {goal}" in text
    second = base.texts.exercise_name(items[1].exercise, "da")
    assert f"{second}" in text
    assert "ikke udført" in text
    assert "Træt i dag" in text
    assert "- Fald: Snublede på måtten. Handling: Satte sig, BT målt, ok" in text
    assert "Respons og bemærkninger: Motiveret.\nLidt træt til sidst." in text
    assert "Plan for næste gang: Øg til 3 sæt." in text
    assert text.rstrip().endswith(f"Videnbase {base.version}")


def test_the_note_is_danish_whatever_the_ui_language(
    user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = logged(patient, plan, user)
    with translation.override("en"):
        text = presenters.session_note(session).text
    assert "Fremmøde: Mødt" in text
    assert "november" in text


def test_the_note_of_an_absence_and_of_a_class_session(
    user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    absent = logged(patient, plan, user, attendance="absent", events=[], note="Ringede ikke.")
    text = presenters.session_note(absent).text
    assert "Fremmøde: Udeblevet" in text
    assert "Øvelser" not in text
    assert "Uønskede hændelser:\nIngen." in text
    assert "Ringede ikke." in text


def test_the_note_keeps_what_was_prescribed_then(user: User, setup: tuple[Patient, Plan]) -> None:
    """The note says the dose prescribed when the session was logged, not today's."""
    patient, plan = setup
    session = logged(patient, plan, user)
    item = services.plan_items_in_order(plan)[0]
    item.dose = {**item.dose, "sets": 4}
    item.save()
    text = presenters.session_note(selectors.session_get(patient.clinic, session.pk)).text
    assert "(ordineret 2 × 8–12" in text
    assert "4 × 8–12" not in text


def pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) is needed"
    out = subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_the_pdf_renders_with_the_note(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = logged(patient, plan, user)
    clinic.address = "Østerbrogade 1, 2100 København Ø"
    clinic.save()
    pdf = session_note_render(session, clinic, date(2026, 12, 4))
    assert pdf.startswith(b"%PDF")
    keep = os.environ.get("OSTEOFYS_REPORT_DIR")  # to look at it: pdftoppm -png
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / "journalnotat.pdf").write_bytes(pdf)
    text = pdf_text(pdf)
    for words in (
        "Journalnotat: træningssession",
        "Fysio Nord",
        "Østerbrogade 1",
        "Inger Hansen",
        "3. november 2026",
        "Kim Fysio",
        "Mødt",
        "3 × 12 gentagelser, 7,5 kg",
        "ordineret: 2 × 8–12",
        "Snublede på måtten",
        "Satte sig, BT målt, ok",
        "Øg til 3 sæt.",
        f"Videnbase {kb.load().version}",
        "4. december 2026",  # printed
        "Side 1 af 1",
    ):
        assert words in text, words


def test_the_pdf_download(logged_in: Client, user: User, setup: tuple[Patient, Plan]) -> None:
    patient, plan = setup
    session = logged(patient, plan, user)
    response = logged_in.get(reverse("training:session_note_pdf", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="journalnotat-{session.pk}-2026-11-03.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "Inger" not in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert (
        logged_in.post(reverse("training:session_note_pdf", args=[session.pk])).status_code == 405
    )


def test_the_gdpr_export_holds_the_sessions_and_their_notes(
    client: Client, admin_user: User, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    logged(patient, plan, user)
    logged(patient, plan, user, when=date(2026, 11, 5), attendance="excused", events=[])
    client.force_login(admin_user)
    response = client.get(reverse("records:patient_export", args=[patient.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    sessions = data["training_sessions"]
    assert [s["date"] for s in sessions] == ["2026-11-03", "2026-11-05"]
    first = sessions[0]
    assert first["attendance"] == "attended"
    assert first["therapist"] == "Kim Fysio"
    assert first["entries"][0]["load_kg"] == "7.5"
    assert first["entries"][0]["prescribed"] == services.plan_items_in_order(plan)[0].dose
    assert first["adverse_events"] == [
        {"kind": "fall", "description": "Snublede på måtten", "action": "Satte sig, BT målt, ok"}
    ]
    assert "dokumenter/journalnotater-traening.txt" in data["documents"]
    notes = archive.read("dokumenter/journalnotater-traening.txt").decode()
    assert notes.index("3. november 2026") < notes.index("5. november 2026")
    assert "Fremmøde: Meldt afbud" in notes
    assert "Snublede på måtten" in notes


ENTRY_FIELDS = ["status", *DETAILS]


def test_no_session_form_input_makes_a_server_error(
    logged_in: Client, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    items = services.plan_items_in_order(plan)
    fields = [
        *SessionForm().fields,
        *(f"e{items[0].pk}-{n}" for n in ENTRY_FIELDS),
        *(f"e{items[1].pk}-{n}" for n in ENTRY_FIELDS),
        *(f"h{n}-{f}" for n in (0, 1, 9, 10) for f in EventForm().fields),
    ]
    url = reverse("training:session_log", args=[patient.pk])

    @FUZZ
    @given(data=_form_data(fields))
    def check(data: dict[str, Any]) -> None:
        response = logged_in.post(url, data)
        assert response.status_code < 500, data

    check()

    @FUZZ
    @given(day=_form_data(["dato"]))
    def check_day(day: dict[str, Any]) -> None:
        response = logged_in.get(url, day)
        assert response.status_code < 500, day

    check_day()
    assert EntryForm  # the form classes the fuzz names fields from


def test_a_valid_post_with_junk_around_it_still_saves(
    logged_in: Client, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    url = reverse("training:session_log", args=[patient.pk])
    data = {"date": DAY.isoformat(), "version": "0", "attendance": "attended", "zzz": "<script>"}
    assert logged_in.post(url, data).status_code == 302
    session = TrainingSession.objects.get()
    # Every item as prescribed: nothing was posted for them, and "Som ordineret" is the default.
    assert session.entries.count() == plan.items.count()

"""The session log: the save service (create, same day, versions, entries copied, events, bounds),
the selectors (scoped, logged, histories newest last), and the audit entries of each."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import Http404
from django.utils import timezone

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training import selectors, services
from osteofys.web.training.models import (
    AdverseEvent,
    Attendance,
    SessionEntry,
    TrainingSession,
)
from osteofys.web.training.services import EditConflict, EntryData, EventData, SessionInputError
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)


def patient_with_plan(
    clinic: Clinic, user: User, name: str = "Inger Hansen"
) -> tuple[Patient, Plan]:
    patient = make_patient(clinic, name)
    assessment = make_assessment(patient, user)
    plan = assessment.plans.get()
    assert plan.items.count() >= 3
    return patient, plan


def save(patient: Patient, plan: Plan, user: User, **changes: Any) -> TrainingSession:
    values: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "user": user,
        "when": DAY,
        "attendance": Attendance.ATTENDED,
        "entries": [EntryData(plan_item_id=i.pk, sets=2, reps=10) for i in plan.items.all()],
        "events": [],
        "note": "Gik fint.",
        "next_time": "Mere vægt i squat.",
    }
    values.update(changes)
    return services.session_save(**values)


def entries_log(clinic: Clinic, action: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(clinic=clinic, object_type="trainingsession", action=action)
    )


@pytest.fixture
def setup(clinic: Clinic, user: User) -> tuple[Patient, Plan]:
    return patient_with_plan(clinic, user)


def test_a_new_session_copies_each_plan_item_and_is_logged(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    items = services.plan_items_in_order(plan)
    first = items[0]
    session = save(
        patient,
        plan,
        user,
        entries=[
            EntryData(
                plan_item_id=first.pk,
                sets=3,
                reps=12,
                load_kg=Decimal("7.5"),
                effort=6,
                pain_during=1,
                pain_next_day=2,
                technique_ok=True,
                note="God dybde",
            ),
            {"plan_item_id": items[1].pk, "done": False, "sets": 99},
        ],
        events=[EventData(kind="new_pain", description="Knæ", action="Stoppede øvelsen")],
    )
    session.refresh_from_db()
    assert session.clinic_id == clinic.pk
    assert session.therapist_id == user.pk
    assert session.created_by_id == user.pk
    assert session.kind == "supervised"
    assert session.kb_version == kb.load().version
    assert session.version == 1
    entries = list(session.entries.order_by("position"))
    assert len(entries) == 2
    e = entries[0]
    assert (e.exercise, e.family, e.level, e.prescribed) == (
        first.exercise,
        first.family,
        first.level,
        first.dose,
    )
    assert (e.sets, e.reps, e.load_kg, e.effort, e.technique_ok) == (3, 12, Decimal("7.5"), 6, True)
    assert (e.pain_during, e.pain_next_day, e.note) == (1, 2, "God dybde")
    # Not done: no numbers stored, whatever was posted with it (99 sets is out of range too).
    assert entries[1].done is False
    assert entries[1].sets is None
    assert entries[0].position < entries[1].position
    event = session.events.get()
    assert (event.kind, event.description, event.action) == ("new_pain", "Knæ", "Stoppede øvelsen")
    assert len(entries_log(clinic, "create")) == 1


def test_saving_the_same_day_again_updates_the_one_session(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    first = save(patient, plan, user, events=[EventData(kind="fall")])
    again = save(patient, plan, user, version=first.version, note="Ny note", entries=[], events=[])
    assert again.pk == first.pk
    assert TrainingSession.objects.filter(patient=patient).count() == 1
    again.refresh_from_db()
    assert again.version == 2
    assert again.note == "Ny note"
    assert not again.entries.exists()
    assert not again.events.exists()
    assert len(entries_log(clinic, "update")) == 1
    # Another day is another session.
    other = save(patient, plan, user, when=DAY + timedelta(days=2))
    assert other.pk != first.pk


def test_a_stale_version_is_a_conflict_and_writes_nothing(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = save(patient, plan, user)
    save(patient, plan, user, version=1, note="Først")
    with pytest.raises(EditConflict) as caught:
        save(patient, plan, user, version=1, note="Sidst", entries=[])
    assert caught.value.current is not None
    assert caught.value.current.note == "Først"
    session.refresh_from_db()
    assert session.note == "Først"
    assert session.entries.count() == plan.items.count()
    # "There was none" (version 0) when one was saved meanwhile: a conflict, not an overwrite.
    with pytest.raises(EditConflict):
        save(patient, plan, user, version=0, note="Ny")
    # None: overwrite on purpose (a caller that has just read it).
    assert save(patient, plan, user, version=None, note="Overskrevet").version == 3
    assert len(entries_log(clinic, "update")) == 2


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("sets", 0, "Sæt skal være et helt tal fra 1 til 20"),
        ("sets", 21, "Sæt skal være et helt tal fra 1 til 20"),
        ("reps", 101, "Gentagelser skal være et helt tal fra 1 til 100"),
        ("hold_s", 601, "Hold (sekunder) skal være et helt tal fra 1 til 600"),
        ("load_kg", Decimal("500.1"), "Belastning (kg) skal være et tal fra 0 til 500 kg"),
        ("load_kg", "nan", "Belastning (kg)"),
        ("effort", 11, "Anstrengelse (0–10) skal være et helt tal fra 0 til 10"),
        ("pain_during", -1, "Smerte under (0–10) skal være et helt tal fra 0 til 10"),
        ("pain_next_day", True, "Smerte næste dag (0–10)"),
    ],
)
def test_every_number_is_bounded_in_the_service(
    user: User, setup: tuple[Patient, Plan], field: str, value: Any, words: str
) -> None:
    patient, plan = setup
    item = plan.items.first()
    assert item is not None
    with pytest.raises(SessionInputError) as caught:
        save(patient, plan, user, entries=[{"plan_item_id": item.pk, field: value}])
    assert words in caught.value.errors[f"entries[{item.pk}].{field}"]
    assert not TrainingSession.objects.exists()


def test_entries_and_events_are_bounded(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    item = plan.items.first()
    assert item is not None
    with pytest.raises(SessionInputError) as twice:
        save(patient, plan, user, entries=[EntryData(item.pk), EntryData(item.pk)])
    assert "kun logges én gang" in twice.value.errors["entries"]
    with pytest.raises(SessionInputError) as events:
        save(patient, plan, user, events=[EventData("fall")] * (services.MAX_EVENTS + 1))
    assert "Højst 10 hændelser" in events.value.errors["events"]
    with pytest.raises(SessionInputError) as kind:
        save(patient, plan, user, events=[EventData("meteor")])
    assert "events[0].kind" in kind.value.errors
    with pytest.raises(SessionInputError) as long:
        save(patient, plan, user, note="x" * (services.MAX_TEXT + 1))
    assert "4000 tegn" in long.value.errors["note"]
    assert not TrainingSession.objects.exists()
    assert not entries_log(clinic, "create")


def test_an_item_of_another_plan_or_patient_is_refused(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    _other, other_plan = patient_with_plan(clinic, user, "Bodil Jensen")
    foreign = other_plan.items.first()
    assert foreign is not None
    with pytest.raises(SessionInputError) as caught:
        save(patient, plan, user, entries=[EntryData(foreign.pk)])
    assert "hører ikke til patientens plan" in caught.value.errors["entries"]
    with pytest.raises(SessionInputError) as wrong_plan:
        save(patient, other_plan, user, entries=[])
    assert "plan" in wrong_plan.value.errors


def test_not_attended_stores_no_entries_but_keeps_events(
    user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = save(
        patient,
        plan,
        user,
        attendance=Attendance.ABSENT,
        events=[EventData("fall", "Faldt hjemme", "Ringet til egen læge")],
    )
    assert session.attendance == "absent"
    assert not session.entries.exists()
    assert session.events.count() == 1


def test_dates_a_done_session_cannot_be_in_the_future_an_excuse_can(
    user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(SessionInputError) as caught:
        save(patient, plan, user, when=tomorrow)
    assert "efter i dag" in caught.value.errors["date"]
    assert save(patient, plan, user, when=tomorrow, attendance=Attendance.EXCUSED).pk


def test_session_get_is_scoped_and_logged(
    clinic: Clinic, user: User, setup: tuple[Patient, Plan]
) -> None:
    patient, plan = setup
    session = save(patient, plan, user)
    found = selectors.session_get(clinic, session.pk)
    assert found.pk == session.pk
    assert found.patient == patient
    assert (
        AuditEntry.objects.filter(
            clinic=clinic, action="view", object_type="trainingsession", object_id=session.pk
        ).count()
        == 1
    )
    with pytest.raises(Http404):
        selectors.session_get(make_clinic("Klinik B"), session.pk)


def test_lists_and_histories(clinic: Clinic, user: User, setup: tuple[Patient, Plan]) -> None:
    patient, plan = setup
    item = services.plan_items_in_order(plan)[0]
    for n, reps in enumerate((8, 10, 12)):
        save(
            patient,
            plan,
            user,
            when=DAY + timedelta(days=n * 3),
            entries=[EntryData(item.pk, sets=2, reps=reps)],
            events=[EventData("new_back_pain")] if n == 2 else [],
        )
    save(patient, plan, user, when=DAY + timedelta(days=1), attendance=Attendance.EXCUSED)
    sessions = selectors.session_list(patient)
    assert [s.date for s in sessions] == sorted((s.date for s in sessions), reverse=True)
    assert len(sessions) == 4
    assert selectors.session_for_day(patient, DAY + timedelta(days=3)) is not None
    assert selectors.session_for_day(patient, DAY + timedelta(days=30)) is None
    history = selectors.entries_for_item(item)
    assert [e.reps for e in history] == [8, 10, 12]  # newest last
    assert [ev.kind for ev in history[-1].session.events.all()] == ["new_back_pain"]
    assert [e.reps for e in selectors.entries_for_item(item, limit=2)] == [10, 12]
    by_item = selectors.entries_by_item(plan, limit=2)
    assert [e.reps for e in by_item[item.pk]] == [10, 12]
    # Another clinic's patient with the same plan-item id space sees nothing of this one.
    other_clinic = make_clinic("Klinik B")
    other_patient, _plan = patient_with_plan(other_clinic, make_user(other_clinic, "bo"))
    assert selectors.session_list(other_patient) == []


def test_a_deleted_plan_item_keeps_what_was_logged(user: User, setup: tuple[Patient, Plan]) -> None:
    patient, plan = setup
    item = plan.items.first()
    assert item is not None
    session = save(patient, plan, user, entries=[EntryData(item.pk, sets=2, reps=9)])
    exercise = item.exercise
    item.delete()
    entry = SessionEntry.objects.get(session=session)
    assert entry.plan_item_id is None
    assert entry.exercise == exercise
    assert entry.reps == 9
    assert AdverseEvent.objects.count() == 0

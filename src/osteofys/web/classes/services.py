"""Writes of group classes (hold): the class, its enrolments, the test days' re-tests.

Each service runs in one transaction and logs itself in the access log as its last step (the
records services' lock order). A class is edited optimistically: the edit carries the `version`
it was loaded with and writes only if the row still has it, else `EditConflict`.
A session of a participant (attendance, exercises) is written by the training app's
`session_save`, with the class set on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action
from osteofys.web.classes import selectors
from osteofys.web.records import services as records
from osteofys.web.records.models import Patient, Plan, Retest
from osteofys.web.training import services as training
from osteofys.web.training.models import Enrolment, TrainingClass, TrainingSession

CLASS_FIELDS = ("name", "therapist", "weekdays", "start_time", "start_date", "weeks", "location")


class EditConflict(Exception):  # noqa: N818 - the records services' name for the same thing
    """Someone saved the class after this editor loaded it. Nothing was written."""

    def __init__(self, current: TrainingClass | None) -> None:
        super().__init__("the class was changed by someone else")
        self.current = current


class ClassFullError(ValueError):
    message = _("Holdet er fuldt: højst %(max)d deltagere ad gangen.")

    def __str__(self) -> str:
        return str(self.message % {"max": selectors.MAX_PARTICIPANTS})


class NotOfClinicError(ValueError):
    """The patient (or therapist) is not of the class's clinic: refused, nothing written."""


def _values(data: dict[str, Any]) -> dict[str, Any]:
    values = {f: data.get(f) for f in CLASS_FIELDS}
    values["weekdays"] = sorted({int(d) for d in data.get("weekdays") or ()})
    values["location"] = (data.get("location") or "").strip()
    values["name"] = (data.get("name") or "").strip()
    return values


def _check_therapist(clinic_id: int, therapist: User | None) -> None:
    if (
        therapist is not None
        and not selectors.therapists(clinic_id).filter(pk=therapist.pk).exists()
    ):
        raise NotOfClinicError("the therapist is not a user of the clinic")


@transaction.atomic
def class_create(*, clinic: Clinic, user: User, data: dict[str, Any]) -> TrainingClass:
    values = _values(data)
    _check_therapist(clinic.pk, values["therapist"])
    training_class = TrainingClass.objects.create(clinic=clinic, created_by=user, **values)
    audit.record(Action.CREATE, training_class)
    return training_class


@transaction.atomic
def class_update(
    *, training_class: TrainingClass, data: dict[str, Any], version: int | None = None
) -> TrainingClass:
    """Save the class's name, therapist, schedule and place if nobody saved it since `version`.

    Sessions already logged stay as they are, also on dates the new schedule no longer has.

    Raises:
        EditConflict: The stored version is newer; nothing was written.
    """
    values = _values(data)
    _check_therapist(training_class.clinic_id, values["therapist"])
    expected = training_class.version if version is None else version
    written = TrainingClass.objects.filter(pk=training_class.pk, version=expected).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not written:
        raise EditConflict(TrainingClass.objects.filter(pk=training_class.pk).first())
    for field, value in values.items():
        setattr(training_class, field, value)
    training_class.version = expected + 1
    audit.record(Action.UPDATE, training_class)
    return training_class


@transaction.atomic
def enrolment_create(
    *, training_class: TrainingClass, patient: Patient, when: date | None = None
) -> Enrolment:
    """Put the patient on the class (again, if they had left: the same row, `left_on` cleared).

    A patient without a plan may be enrolled; the class page says the plan is missing.

    Raises:
        NotOfClinicError: the patient is of another clinic.
        ClassFullError: the class has its maximum number of participants.
    """
    if patient.clinic_id != training_class.clinic_id:
        raise NotOfClinicError("the patient is not of the class's clinic")
    # Lock the class row first: two enrolments at once cannot both take the last place.
    TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()
    existing = Enrolment.objects.filter(training_class=training_class, patient=patient).first()
    if existing is not None and existing.left_on is None:
        return existing  # already on the class: nothing to write
    if selectors.active_count(training_class) >= selectors.MAX_PARTICIPANTS:
        raise ClassFullError()
    today = when or timezone.localdate()
    if existing is not None:
        existing.left_on = None
        existing.enrolled_on = today
        existing.save(update_fields=["left_on", "enrolled_on"])
        audit.record(Action.UPDATE, existing)
        return existing
    enrolment = Enrolment.objects.create(
        clinic_id=training_class.clinic_id,
        training_class=training_class,
        patient=patient,
        enrolled_on=today,
    )
    audit.record(Action.CREATE, enrolment)
    return enrolment


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, when: date | None = None) -> Enrolment:
    """Take the patient off the class. The row and the sessions logged in the class stay."""
    if enrolment.left_on is None:
        enrolment.left_on = max(when or timezone.localdate(), enrolment.enrolled_on)
        enrolment.save(update_fields=["left_on"])
        audit.record(Action.UPDATE, enrolment)
    return enrolment


@dataclass(frozen=True)
class RetestEntry:
    """One result typed on the test day's screen (checked by records' RetestForm)."""

    patient: Patient
    test: str
    value: float | None
    unable: bool


@transaction.atomic
def test_day_save(*, user: User, day: date, entries: Sequence[RetestEntry]) -> list[Retest]:
    """Record the test day's results, each through records' `retest_record` (each is logged).

    All or nothing: one transaction for the whole class.
    """
    return [
        records.retest_record(
            patient=e.patient, user=user, test=e.test, when=day, value=e.value, unable=e.unable
        )
        for e in entries
    ]


ELSEWHERE_MESSAGE = _("Deltageren har allerede en session denne dag uden for holdet.")
CONFLICT_MESSAGE = _("En anden har gemt denne gang for deltageren imens. Se siden igen og gem.")


class AttendanceError(ValueError):
    """Attendance could not be saved for some participants; `errors`: patient id -> message."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("attendance not saved")
        self.errors = errors


@dataclass(frozen=True)
class AttendanceChoice:
    """A participant's attendance as chosen on the day screen, with what is stored for the day."""

    patient: Patient
    plan: Plan  # the plan a new session follows (a stored session keeps its own)
    attendance: str
    session: TrainingSession | None


@transaction.atomic
def attendance_save(
    *,
    training_class: TrainingClass,
    user: User,
    day: date,
    choices: Sequence[AttendanceChoice],
) -> list[TrainingSession]:
    """Save each participant's attendance on the day as their session in the class.

    Through the training app's `session_save` (each session is logged there). A session whose
    attendance is unchanged is not written again; a changed one keeps its note, plan for next time
    and adverse events (its exercises go when the participant did not attend, as session_save
    does). A session of the day logged outside this class is left alone. All or nothing: any
    refusal (say "Mødt" on a future date) writes nothing.

    Raises:
        AttendanceError: the service refused one or more participants' attendance.
    """
    saved: list[TrainingSession] = []
    errors: dict[int, str] = {}
    for c in choices:
        s = c.session
        if s is not None and s.training_class_id != training_class.pk:
            errors[c.patient.pk] = str(ELSEWHERE_MESSAGE)
            continue
        if s is not None and s.attendance == c.attendance:
            continue  # unchanged: not written again
        try:
            saved.append(
                training.session_save(
                    patient=c.patient,
                    plan=s.plan if s is not None else c.plan,
                    user=user,
                    when=day,
                    attendance=c.attendance,
                    # Only a changed attendance is written: a session that was not attended has
                    # no exercises to keep, one that no longer is loses them (session_save).
                    entries=[],
                    events=[
                        training.EventData(e.kind, e.description, e.action)
                        for e in (s.events.all() if s is not None else [])
                    ],
                    note=s.note if s is not None else "",
                    next_time=s.next_time if s is not None else "",
                    training_class=training_class,
                    version=s.version if s is not None else 0,
                )
            )
        except training.SessionInputError as refused:
            errors[c.patient.pk] = " ".join(refused.errors.values())
        except training.EditConflict:
            errors[c.patient.pk] = str(CONFLICT_MESSAGE)
    if errors:
        transaction.set_rollback(True)
        raise AttendanceError(errors)
    return saved

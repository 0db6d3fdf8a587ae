"""Reads of group classes (hold), always scoped to one clinic: another clinic's class is a 404.

A class's schedule is computed, not stored: `schedule(weekdays, start, weeks)` is a pure function
of the class's weekdays, start date and number of weeks. Reads that show patients (the class page,
a session day, the test day, the report) log one access-log entry per participant shown; the
class itself holds no patient data and is not logged when read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.records.models import Patient, Plan, PlanItem, Retest
from osteofys.web.training.models import Attendance, Enrolment, TrainingClass, TrainingSession

PAGE_SIZE = 25
# A class is a group: at most this many participants at a time (Danish osteoporosis schools
# run about 12; S61's groups were up to 7). Bounds the class page, the day screen and the report.
MAX_PARTICIPANTS = 30
# At most this many patients offered at once when searching for one to enrol.
SEARCH_LIMIT = 10
MAX_WEEKS = 52
WEEKDAYS = range(1, 8)  # ISO: 1 = Monday ... 7 = Sunday

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def schedule(weekdays: Iterable[int], start: date, weeks: int) -> list[date]:
    """Every session date of a class, in order.

    The class runs for `weeks` weeks from `start` (that is, the days `start` ... `start` + 7 x weeks
    - 1), on the given ISO weekdays (1 = Monday ... 7 = Sunday). So it has exactly
    weeks x (number of weekdays) sessions, and the first is on `start` when `start` is one of the
    weekdays, else on the next one. Weekdays out of 1..7 are ignored; weeks are clamped to 0..52.
    """
    days = {d for d in weekdays if d in WEEKDAYS}
    span = max(0, min(weeks, MAX_WEEKS)) * 7
    return [
        start + timedelta(days=i)
        for i in range(span)
        if (start + timedelta(days=i)).isoweekday() in days
    ]


def class_dates(training_class: TrainingClass) -> list[date]:
    return schedule(training_class.weekdays, training_class.start_date, training_class.weeks)


def test_days(dates: Sequence[date]) -> tuple[date, ...]:
    """The test days of a class: its first and its last session (one day for a one-day class)."""
    if not dates:
        return ()
    return (dates[0],) if dates[0] == dates[-1] else (dates[0], dates[-1])


def planned_for(enrolment: Enrolment, dates: Sequence[date]) -> int:
    """The class's session dates until the patient left it (the day they left not counted).

    The day of enrolment is not a start: it is when the row was made, which may well be after
    the first sessions (a class entered afterwards).
    """
    return sum(1 for d in dates if enrolment.left_on is None or d < enrolment.left_on)


def parse_day(training_class: TrainingClass, day: str) -> date:
    """A session date of the class from the URL (YYYY-MM-DD), or 404 for anything else.

    Not a date, not written as YYYY-MM-DD, or not one of the class's session dates: 404.
    """
    if not _ISO_DAY.match(day):
        raise Http404
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    if when not in class_dates(training_class):
        raise Http404
    return when


def class_list(clinic: Clinic, page: int | str = 1) -> Page[Any]:
    """One page of the clinic's classes, newest start first, each with its number of participants.

    No patient is shown: not logged.
    """
    classes = (
        TrainingClass.objects.filter(clinic=clinic)
        .select_related("therapist")
        .annotate(participants=Count("enrolments", filter=Q(enrolments__left_on__isnull=True)))
        .order_by("-start_date", "name", "id")
    )
    return Paginator(classes, PAGE_SIZE).get_page(page)


def class_get(clinic: Clinic, class_id: int) -> TrainingClass:
    """The clinic's class, or 404."""
    found = (
        TrainingClass.objects.filter(clinic=clinic, pk=class_id).select_related("therapist").first()
    )
    if found is None:
        raise Http404
    return found


def therapists(clinic_id: int) -> QuerySet[User]:
    """The clinic's active users: who may lead a class."""
    return User.objects.filter(profile__clinic_id=clinic_id, is_active=True).order_by(
        "first_name", "username"
    )


@dataclass
class Participant:
    """A patient on the class, with the plan they train by now (None: "mangler plan")."""

    enrolment: Enrolment
    patient: Patient
    plan: Plan | None

    @property
    def active(self) -> bool:
        return self.enrolment.left_on is None


def current_plans(patient_ids: Sequence[int]) -> dict[int, Plan]:
    """Each patient's current plan (as records.selectors.plan_current picks it), with its items.

    Three queries for any number of patients: the newest plan's id per patient, those plans,
    their items.
    """
    newest: dict[int, int] = {}
    for row in (
        Plan.objects.filter(patient_id__in=patient_ids)
        .order_by("patient_id", "-created_at", "-id")
        .values("id", "patient_id")
    ):
        newest.setdefault(row["patient_id"], row["id"])
    if not newest:
        return {}
    plans = (
        Plan.objects.filter(pk__in=newest.values())
        .defer("slots", "withheld", "notes")
        .prefetch_related(
            Prefetch("items", queryset=PlanItem.objects.order_by("domain", "position", "id"))
        )
    )
    return {p.patient_id: p for p in plans}


def participants(
    training_class: TrainingClass,
    *,
    on: date | None = None,
    include_left: bool = False,
    log: Action | None = Action.VIEW,
    detail: Detail = Detail.NONE,
) -> list[Participant]:
    """The class's participants by name, each with their current plan; every one shown is logged.

    Args:
        training_class: A class already scoped to the clinic (`class_get`).
        on: A session date: those on the class that day (not yet left by then), and those who
            have a session logged in the class that day even if they left since.
        include_left: Also those who left (the report: attendance kept as history).
        log: The access-log action per participant (None: not logged, the caller logs).
        detail: The entry's detail code.
    """
    enrolments = Enrolment.objects.filter(training_class=training_class).select_related("patient")
    if on is not None:
        logged = TrainingSession.objects.filter(training_class=training_class, date=on)
        enrolments = enrolments.filter(
            Q(left_on__isnull=True)
            | Q(left_on__gt=on)
            | Q(patient_id__in=logged.values("patient_id"))
        )
    elif not include_left:
        enrolments = enrolments.filter(left_on__isnull=True)
    rows = list(enrolments.order_by("patient__name", "id")[: _bound(include_left)])
    plans = current_plans([e.patient_id for e in rows])
    found = [Participant(e, e.patient, plans.get(e.patient_id)) for e in rows]
    if log is not None:
        audit.record_many(log, [p.patient for p in found], detail=detail)
    return found


def _bound(include_left: bool) -> int:
    # Those who left stay in the history; a class that turned over many times is still bounded.
    return MAX_PARTICIPANTS * 4 if include_left else MAX_PARTICIPANTS


def active_count(training_class: TrainingClass) -> int:
    return Enrolment.objects.filter(training_class=training_class, left_on__isnull=True).count()


def enrolment_get(training_class: TrainingClass, patient_id: int) -> Enrolment:
    """The patient's enrolment on the class (the class is already scoped), or 404."""
    found = (
        Enrolment.objects.filter(training_class=training_class, patient_id=patient_id)
        .select_related("patient")
        .first()
    )
    if found is None:
        raise Http404
    return found


def enrol_candidates(clinic: Clinic, training_class: TrainingClass, query: str) -> list[Patient]:
    """Patients of the clinic whose name holds `query`, not on the class now: at most 10.

    Searched by name only (never by CPR number). Listing them is logged as one list entry, as the
    patient list's search is, without the search text.
    """
    query = query.strip()
    if not query or len(query) > 200:
        return []
    on_class = Enrolment.objects.filter(training_class=training_class, left_on__isnull=True)
    found = list(
        Patient.objects.filter(clinic=clinic, name__icontains=query)
        .exclude(pk__in=on_class.values("patient_id"))
        .only("id", "name", "birth_date", "clinic_id")
        .order_by("name", "id")[:SEARCH_LIMIT]
    )
    audit.record(Action.LIST, clinic_id=clinic.pk, object_type="patient")
    return found


def day_sessions(training_class: TrainingClass, on: date) -> dict[int, TrainingSession]:
    """The supervised sessions logged on `on` for the class's patients, by patient id.

    A patient has one supervised session a day (the model's constraint), in this class or not.
    """
    patient_ids = Enrolment.objects.filter(training_class=training_class).values("patient_id")
    sessions = TrainingSession.objects.filter(
        clinic_id=training_class.clinic_id,
        patient_id__in=patient_ids,
        date=on,
        kind="supervised",
    ).annotate(entry_count=Count("entries"))
    return {s.patient_id: s for s in sessions}


def attendance_counts(training_class: TrainingClass) -> dict[int, dict[str, int]]:
    """Per patient: how many of the class's sessions they attended, were excused or absent from."""
    rows = (
        TrainingSession.objects.filter(training_class=training_class)
        .values("patient_id", "attendance")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["patient_id"], dict.fromkeys(Attendance.values, 0))
        counts[row["patient_id"]][row["attendance"]] = row["n"]
    return counts


def day_retests(patient_ids: Sequence[int], on: date) -> dict[tuple[int, str], Retest]:
    """The re-tests recorded on `on` for the patients, by (patient id, test): the first of each."""
    found: dict[tuple[int, str], Retest] = {}
    for r in Retest.objects.filter(patient_id__in=patient_ids, date=on).order_by("date", "id"):
        found.setdefault((r.patient_id, r.test), r)
    return found


def logged_dates(training_class: TrainingClass) -> set[date]:
    """The dates on which a session was logged in the class."""
    return set(
        TrainingSession.objects.filter(training_class=training_class)
        .values_list("date", flat=True)
        .distinct()
    )

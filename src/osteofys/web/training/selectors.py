"""Reads of training sessions, always scoped to one clinic. Another clinic's session is a 404.

`session_get` logs its read (a view of the session). The reads below a patient (`session_list`,
`session_for_day`, the histories) take a patient or a plan item the caller has already read
through a scoped, logged selector (records.selectors.patient_get / plan_get), and scope to that
patient's clinic again, so a wrong argument can never reach another clinic's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action
from osteofys.web.records.models import Patient, Plan, PlanItem
from osteofys.web.training.models import (
    AdverseEvent,
    SessionEntry,
    SessionKind,
    TrainingSession,
)

# How many sessions a list shows at most (the patient page); twice a week for a year is ~100.
LIST_LIMIT = 100
# How many entries of one plan item a progression history holds at most (newest ones).
HISTORY_LIMIT = 20
# Entries one session may hold (one per plan item; a plan holds about 9-15): services checks it.
MAX_ENTRIES = 60


def _with_parts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return sessions.select_related("therapist", "training_class", "plan").prefetch_related(
        Prefetch("entries", queryset=SessionEntry.objects.order_by("position", "id")),
        Prefetch("events", queryset=AdverseEvent.objects.order_by("id")),
    )


def session_get(clinic: Clinic, session_id: int, *, log_view: bool = True) -> TrainingSession:
    """The clinic's session with its patient, therapist, entries and events, or 404.

    The read is logged as a view of the session unless `log_view` is False (a caller that logs
    its own, more specific entry, e.g. the PDF's export).
    """
    found = (
        _with_parts(TrainingSession.objects.filter(clinic=clinic, pk=session_id))
        .select_related("patient")
        .first()
    )
    if found is None:
        raise Http404
    if log_view:
        audit.record(Action.VIEW, found)
    return found


def session_list(patient: Patient, limit: int | None = LIST_LIMIT) -> list[TrainingSession]:
    """The patient's sessions, newest first, at most `limit` (None: all, the GDPR export).

    With entries, events, therapist, class and plan. The patient is already scoped and logged by
    `patient_get`.
    """
    sessions = TrainingSession.objects.filter(clinic_id=patient.clinic_id, patient=patient)
    ordered = _with_parts(sessions).order_by("-date", "-id")
    return list(ordered if limit is None else ordered[: max(0, limit)])


def session_page(patient: Patient, page: int, per_page: int) -> Page[TrainingSession]:
    """One page of the patient's sessions, newest first, with entries and events (the API).

    A page past the last is the last page. The patient is already scoped and logged.
    """
    sessions = TrainingSession.objects.filter(clinic_id=patient.clinic_id, patient=patient)
    ordered = _with_parts(sessions).order_by("-date", "-id")
    return Paginator(ordered, max(1, per_page)).get_page(page)


def session_count(patient: Patient) -> int:
    return TrainingSession.objects.filter(clinic_id=patient.clinic_id, patient=patient).count()


def session_for_day(
    patient: Patient, day: date, kind: str = SessionKind.SUPERVISED
) -> TrainingSession | None:
    """The patient's supervised session of `day` (there is at most one), or None."""
    sessions = TrainingSession.objects.filter(
        clinic_id=patient.clinic_id, patient=patient, date=day, kind=kind
    )
    return _with_parts(sessions).order_by("-id").first()


def sessions_for_day(patients: Iterable[Patient], day: date) -> dict[int, TrainingSession]:
    """The supervised sessions of `day` of several patients of one clinic (the class screen).

    Patient id -> session, in three queries whatever the number of patients.
    """
    patients = list(patients)
    if not patients:
        return {}
    clinic_id = patients[0].clinic_id
    sessions = TrainingSession.objects.filter(
        clinic_id=clinic_id,
        patient_id__in=[p.pk for p in patients if p.clinic_id == clinic_id],
        date=day,
        kind=SessionKind.SUPERVISED,
    )
    return {s.patient_id: s for s in _with_parts(sessions)}


def _history(entries: QuerySet[SessionEntry], limit: int) -> list[SessionEntry]:
    newest = entries.select_related("session").prefetch_related(
        Prefetch("session__events", queryset=AdverseEvent.objects.order_by("id"))
    )
    rows = list(newest.order_by("-session__date", "-session__id")[: max(0, limit)])
    rows.reverse()
    return rows


def entries_for_item(plan_item: PlanItem, limit: int = HISTORY_LIMIT) -> list[SessionEntry]:
    """What was logged for one plan item, oldest first (newest last), at most `limit` entries.

    Each entry carries its session (`entry.session`, with its date and adverse events prefetched):
    the progression rules read the history in this order. Sessions the patient did not attend
    have no entries, so they are not in it.
    """
    plan = plan_item.plan
    entries = SessionEntry.objects.filter(
        plan_item=plan_item,
        session__clinic_id=plan.clinic_id,
        session__patient_id=plan.patient_id,
    )
    return _history(entries, limit)


def entries_by_item(plan: Plan, limit: int = HISTORY_LIMIT) -> dict[int, list[SessionEntry]]:
    """Every plan item's history (as `entries_for_item`), in two queries for the whole plan.

    Plan item id -> entries oldest first, the newest `limit` of each.
    """
    entries = SessionEntry.objects.filter(
        plan_item__plan=plan,
        session__clinic_id=plan.clinic_id,
        session__patient_id=plan.patient_id,
    )
    out: dict[int, list[SessionEntry]] = {}
    rows = entries.select_related("session").prefetch_related(
        Prefetch("session__events", queryset=AdverseEvent.objects.order_by("id"))
    )
    # Bounded: the newest `limit` entries of as many items as a session may hold.
    for entry in rows.order_by("-session__date", "-session__id")[: limit * MAX_ENTRIES]:
        kept = out.setdefault(entry.plan_item_id or 0, [])
        if len(kept) < limit:
            kept.append(entry)
    for kept in out.values():
        kept.reverse()
    return out


# What an entry records of the exercise as done, in the order the journal, the API and the FHIR
# export give it: one list, so a new measure reaches all three.
ENTRY_MEASURES = (
    "done",
    "sets",
    "reps",
    "hold_s",
    "minutes",
    "load_kg",
    "load_text",
    "effort",
    "pain_during",
    "pain_next_day",
    "technique_ok",
    "note",
)


def entry_measures(entry: SessionEntry) -> dict[str, Any]:
    """An entry's measures by name (ENTRY_MEASURES), the load as a float for JSON."""
    values = {name: getattr(entry, name) for name in ENTRY_MEASURES}
    if values["load_kg"] is not None:
        values["load_kg"] = float(values["load_kg"])
    return values

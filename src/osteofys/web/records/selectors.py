"""Reads of patient records, always scoped to one clinic. An object of another clinic is a 404.

The `*_get` and `*_list` reads write their access-log entry here, so every caller (web, API,
CLI) is logged without doing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, ObjectType
from osteofys.web.progress import adherence
from osteofys.web.records.cpr import digest
from osteofys.web.records.models import (
    Assessment,
    AssessmentDraft,
    Patient,
    Plan,
    PlanItem,
    Retest,
)

PAGE_SIZE = 25
NAME_LENGTH = Patient._meta.get_field("name").max_length or 200


# DDMMÅÅ: a birth date as it opens a CPR number.
_BIRTH = re.compile(r"^(\d{2})(\d{2})(\d{2})$")
# A CPR number or the start of one past its birth date: it may only be searched for by POST and
# by digest (`cpr=`), never as text that could travel in a URL or be compared in plain.
_CPR_LIKE = re.compile(r"^(\d{6})-?\d{1,4}$")
_CPR_WHOLE = re.compile(r"^\d{6}-?\d{4}$")


def looks_like_cpr(text: str) -> bool:
    """A whole CPR number (ten digits, an optional dash) or a birth date with digits after it."""
    return bool(_CPR_LIKE.match(text.strip()))


def cpr_complete(text: str) -> str | None:
    """The ten digits of a whole CPR number as typed (dash or none), else None."""
    text = text.strip()
    return text.replace("-", "") if _CPR_WHOLE.match(text) else None


# The patient list's orders: by name (the default), or "needs attention" (issue 16, item 5).
SORT_NAME = "navn"
SORT_ATTENTION = "opmaerksomhed"
SORTS = (SORT_NAME, SORT_ATTENTION)


def patient_list(
    clinic: Clinic,
    query: str = "",
    page: int | str = 1,
    *,
    cpr: str | None = None,
    sort: str = SORT_NAME,
) -> Page[Any]:
    """One page of the clinic's patients with each one's latest category and flags.

    Searched by name, by birth date (`query` DDMMÅÅ) or by CPR number (`cpr`, ten digits: its digest
    is compared). `sort` SORT_ATTENTION puts the patients with a flag first, the most severe flag
    first (progress.adherence.SEVERITY), then by name; any other value sorts by name.

    A `query` that looks like a CPR number finds nobody: only `cpr` compares CPR numbers.
    The latest assessment is looked up for the page's rows only (one query), not annotated on the
    whole list: a correlated subquery would also run inside the paginator's COUNT, once per patient.
    Each row gets `flags` (progress.adherence.Found, most severe first) from a fixed number of
    queries over the page's patients; the attention order reads the same facts for every matching
    patient (a fixed number of queries, no COUNT) and then only the page's rows.
    """
    patients = Patient.objects.filter(clinic=clinic).only("id", "name", "birth_date", "sex", "cpr")
    if cpr is not None:
        patients = patients.filter(cpr_digest=digest(cpr)) if cpr else patients.none()
    else:
        patients = _matching(patients, query.strip())
    today = timezone.localdate()
    fu = adherence.follow_up()
    found: dict[int, tuple[adherence.Found, ...]] | None = None
    result: Page[Any]
    rows: list[Any]
    if sort == SORT_ATTENTION:
        order, found = adherence.attention_order(clinic, patients, today)
        result = Paginator(order, PAGE_SIZE).get_page(page)
        by_id = patients.filter(pk__in=list(result.object_list)).in_bulk()
        rows = [by_id[pk] for pk in result.object_list if pk in by_id]
    else:
        annotated = patients.annotate(**adherence.fact_annotations(clinic, today, fu))
        result = Paginator(annotated, PAGE_SIZE).get_page(page)
        rows = list(result.object_list)
    latest: dict[int, dict[str, Any]] = {}
    tests: list[tuple[int, date, Any]] = []
    # By the page's patients only (already the clinic's): with a clinic filter too, SQLite's
    # planner walks the clinic index over every assessment (about 30 times slower at 10,000).
    for a in (
        Assessment.objects.filter(patient_id__in=[p.pk for p in rows])
        .order_by("patient_id", "-assessment_date", "-id")
        .values("patient_id", "final_category", "assessment_date", "inputs__tests")
    ):
        latest.setdefault(a["patient_id"], dict(a))
        tests.append((a["patient_id"], a["assessment_date"], a["inputs__tests"]))
    if found is None:
        found = adherence.page_flags(clinic, rows, today, tests=tests, fu=fu)
    for p in rows:
        row = latest.get(p.pk, {})
        p.latest_category = row.get("final_category")
        p.latest_date = row.get("assessment_date")
        p.flags = found.get(p.pk, ())
    result.object_list = rows
    # One entry for the list, without the search text: a name typed in the box stays out of it.
    audit.record(Action.LIST, clinic_id=clinic.pk, object_type=ObjectType.PATIENT)
    return result


def _matching(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    if not query:
        return patients
    if len(query) > NAME_LENGTH or looks_like_cpr(query):
        # No name is that long (and SQLite refuses LIKE patterns over 50,000 bytes).
        return patients.none()
    born = _BIRTH.match(query)
    if born is None:
        return patients.filter(name__icontains=query)
    day, month, year = (int(part) for part in born.groups())
    # ÅÅ names the year within its century; both centuries a living patient may be born in.
    return patients.filter(
        birth_date__day=day,
        birth_date__month=month,
        birth_date__year__in=(1900 + year, 2000 + year),
    )


def patient_get(clinic: Clinic, patient_id: int, *, log_view: bool = True) -> Patient:
    """The clinic's patient, or 404.

    The read is logged unless `log_view` is False, which only the live result uses: it runs every
    half second while a form is typed, and opening that form was logged already.
    """
    patient = Patient.objects.filter(clinic=clinic, pk=patient_id).first()
    if patient is None:
        raise Http404
    if log_view:
        audit.record(Action.VIEW, patient)
    return patient


def assessment_get(clinic: Clinic, assessment_id: int) -> Assessment:
    found = (
        Assessment.objects.filter(clinic=clinic, pk=assessment_id).select_related("patient").first()
    )
    if found is None:
        raise Http404
    audit.record(Action.VIEW, found)
    return found


def assessment_latest(patient: Patient) -> Assessment | None:
    return patient.assessments.order_by("-assessment_date", "-id").first()


def draft_get(clinic: Clinic, user: Any, patient: Patient) -> AssessmentDraft | None:
    """The user's own draft of a new assessment of the patient, in the user's clinic, or None.

    Another user's draft (even in the same clinic) is never returned: it is their unsaved work.
    Not logged here: the page that shows it has logged its read of the patient.
    """
    return AssessmentDraft.objects.filter(clinic=clinic, user=user, patient=patient).first()


def assessment_saved_since(patient: Patient, user: Any, when: datetime) -> bool:
    """Whether the user has saved an assessment of the patient at or after `when`."""
    return patient.assessments.filter(created_by=user, created_at__gte=when).exists()


def assessment_list(patient: Patient) -> QuerySet[Assessment]:
    """A patient's assessments, newest first, with their plans' ids.

    The patient is already scoped and logged by `patient_get`.
    """
    return patient.assessments.order_by("-assessment_date", "-id").prefetch_related(
        Prefetch("plans", queryset=Plan.objects.only("id", "assessment_id").order_by("id"))
    )


def plan_get(clinic: Clinic, plan_id: int) -> Plan:
    plan = (
        Plan.objects.filter(clinic=clinic, pk=plan_id)
        .select_related("patient", "assessment")
        .prefetch_related(
            Prefetch("items", queryset=PlanItem.objects.order_by("domain", "position", "id"))
        )
        .first()
    )
    if plan is None:
        raise Http404
    audit.record(Action.VIEW, plan)
    return plan


def plan_current(patient: Patient) -> Plan | None:
    return patient.plans.prefetch_related("items").order_by("-created_at", "-id").first()


def retest_list(patient: Patient) -> QuerySet[Retest]:
    return patient.retests.order_by("date", "id")


@dataclass(frozen=True)
class TimelineEntry:
    when: date
    kind: str  # "assessment" | "plan" | "retest"
    obj: Any


def timeline(patient: Patient) -> list[TimelineEntry]:
    """Assessments, plans and re-tests, newest first, in three queries."""
    # The stored inputs and result (~20 kB each) are not shown in the timeline.
    assessments = patient.assessments.defer("inputs", "result")
    entries = [TimelineEntry(a.assessment_date, "assessment", a) for a in assessments]
    entries += [
        TimelineEntry(p.created_at.date(), "plan", p)
        for p in patient.plans.all().only(
            "id", "created_at", "exercise_set", "assessment_id", "patient_id"
        )
    ]
    entries += [TimelineEntry(r.date, "retest", r) for r in patient.retests.all()]
    order = {"assessment": 0, "plan": 1, "retest": 2}
    return sorted(entries, key=lambda e: (e.when, -order[e.kind]), reverse=True)


def test_series(patient: Patient) -> dict[str, list[tuple[date, float | None, bool]]]:
    """Every recorded value per test over time: from assessments and from re-tests.

    Returns test -> [(date, value, unable)], oldest first. "unable" has no value.
    """
    series: dict[str, list[tuple[date, float | None, bool]]] = {}
    for a in patient.assessments.all().only("assessment_date", "inputs", "patient_id"):
        for test, value in (a.inputs.get("tests") or {}).items():
            if value is None:
                continue
            unable = value == "unable"
            series.setdefault(test, []).append(
                (a.assessment_date, None if unable else value, unable)
            )
    for r in patient.retests.all():
        series.setdefault(r.test, []).append((r.date, r.value, r.unable))
    for points in series.values():
        points.sort(key=lambda p: p[0])
    return series

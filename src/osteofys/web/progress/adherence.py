"""Adherence: sessions a week against the plan, pain and effort, the flags that need attention.

Reads (the selector layer), always scoped to one clinic.

The numbers come from the knowledge base (`kb.follow_up`, retests.toml and progression.toml, each
with its evidence and sources): the re-test interval `retest_weeks`, the pain flag
`pain_flag_above` and the days without a session `inactive_days`. Choices made here:

- The flags look back over `inactive_days` days (the issue's "2 weeks"), today included: one
  window for high pain and for adverse events.
- Planned sessions a week: the Stærk resistance items' `days_per_week` (the strength days, 2-3 a
  week in doses.toml, which a supervised session is), the largest range among them; else any
  Stærk item's (impact), else the largest over all items (`planned_per_week`). A week is met when
  the sessions reach the range's low end.
- A session counts when it was attended (a home session counts by being logged), of either kind,
  whatever plan it was logged against. Supervised and home sessions are counted apart.
- High pain: pain during or the next day above `pain_flag_above` in a session in the window.
- An adverse event (a fall or new back pain, the events that stop an exercise) flags the patient
  when its session is in the window or is the patient's latest attended session.
- Inactive: the patient has a plan, and neither the plan's start nor any attended session is
  within the last `inactive_days` days.
- Re-test due: per test, from the date of its last result (a test of an assessment or a re-test):
  due when `retest_weeks[0]` weeks have passed, overdue when more than `retest_weeks[1]` weeks have.
  Also due when a class the patient is on (and has not left) has had its last session (its end
  test day) and no result of the patient is dated on or after that day.

The flags are ordered by severity (`SEVERITY`): an adverse event before high pain before
inactivity before a re-test due. `facts_for` reads everything the flags need for any set of the
clinic's patients in a fixed number of queries (the patient list's page or its whole sort).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Avg, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from osteofys.rules import progress
from osteofys.rules.knowledge import FollowUp
from osteofys.rules.model import Dose
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.classes.selectors import MAX_WEEKS, schedule
from osteofys.web.records import clinical
from osteofys.web.records.models import Assessment, Patient, Plan, Retest, TestName
from osteofys.web.training.models import (
    AdverseEvent,
    Attendance,
    Difficulty,
    Enrolment,
    SessionEntry,
    SessionKind,
    TrainingSession,
)

# The weeks table shows at most this many weeks (the current one included): a screen's worth.
WEEKS_SHOWN = 12
# At most this many sessions are read for the weeks table (twelve weeks of daily home training
# and a supervised session every weekday is 144).
SESSIONS_READ = 200
STRENGTH = "staerk"
IMPACT = "impact"  # the exercises' pattern of impact loading (exercises/*.toml)
TESTS: tuple[str, ...] = tuple(TestName.values)


class Flag(StrEnum):
    ADVERSE_EVENT = "adverse_event"
    HIGH_PAIN = "high_pain"
    INACTIVE = "inactive"
    RETEST_DUE = "retest_due"


# Most severe first: the patient list's "needs attention" order.
SEVERITY: tuple[Flag, ...] = (
    Flag.ADVERSE_EVENT,
    Flag.HIGH_PAIN,
    Flag.INACTIVE,
    Flag.RETEST_DUE,
)
# The events that stop an exercise and ask for reassessment (rules.progress Step.STOP).
# The events that stop an exercise are the core's (rules.progress, rule stop_event).
STOP_EVENTS: tuple[str, ...] = tuple(sorted(e.value for e in progress.STOP_EVENTS))


@dataclass(frozen=True, slots=True)
class Facts:
    """What the flags of one patient are computed from (read by `facts_for`)."""

    plan_start: date | None = None
    """The day the current (latest) plan was made."""
    last_active: date | None = None
    """The latest attended session of either kind, up to today."""
    pain_max: int | None = None
    """The highest pain (during or next day) above the flag in the window, else None."""
    pain_date: date | None = None
    """The latest session in the window with pain above the flag."""
    events: tuple[tuple[str, date], ...] = ()
    """The latest session day of each stop event (kind, day), up to today."""
    last_results: Mapping[str, date] = field(default_factory=dict)
    """The day of each test's last result."""
    class_ends: tuple[tuple[str, date], ...] = ()
    """(class name, last session day) of the classes the patient is on that have ended."""


@dataclass(frozen=True, slots=True)
class RetestDue:
    overdue: bool
    tests: tuple[tuple[str, date], ...]
    """The tests due, each with the day of its last result, oldest first."""
    classes: tuple[tuple[str, date], ...]
    """The ended classes without an end test: (name, last session day)."""


@dataclass(frozen=True, slots=True)
class Found:
    """One flag that holds, with what it is about."""

    flag: Flag
    when: date | None = None
    value: int | None = None
    kind: str = ""
    days: int | None = None
    retest: RetestDue | None = None


def window_start(today: date, follow_up: FollowUp) -> date:
    """The first day the flags look at: `inactive_days` days up to and including today."""
    return today - timedelta(days=max(follow_up.inactive_days, 1) - 1)


def retest_due(facts: Facts, follow_up: FollowUp, today: date) -> RetestDue | None:
    """The re-tests due (module docstring), or None."""
    low, high = follow_up.retest_weeks
    due = sorted(
        (when, test) for test, when in facts.last_results.items() if (today - when).days >= 7 * low
    )
    latest = max(facts.last_results.values(), default=None)
    classes = tuple(
        (name, day)
        for name, day in facts.class_ends
        if day <= today and (latest is None or latest < day)
    )
    if not due and not classes:
        return None
    overdue = any((today - when).days > 7 * high for when, _ in due)
    return RetestDue(overdue, tuple((test, when) for when, test in due), classes)


def flags(facts: Facts, follow_up: FollowUp, today: date) -> tuple[Found, ...]:
    """The flags that hold, most severe first."""
    out: list[Found] = []
    start = window_start(today, follow_up)
    stops = [
        (when, kind)
        for kind, when in facts.events
        if when <= today and (when >= start or when == facts.last_active)
    ]
    if stops:
        when, kind = max(stops)
        out.append(Found(Flag.ADVERSE_EVENT, when=when, kind=kind))
    if facts.pain_max is not None and facts.pain_max > follow_up.pain_flag_above:
        out.append(Found(Flag.HIGH_PAIN, when=facts.pain_date, value=facts.pain_max))
    if facts.plan_start is not None and facts.plan_start <= today:
        trained = (
            facts.last_active
            if facts.last_active and facts.last_active >= facts.plan_start
            else None
        )
        idle = (today - (trained or facts.plan_start)).days
        if idle >= follow_up.inactive_days:
            out.append(Found(Flag.INACTIVE, when=trained, days=idle))
    due = retest_due(facts, follow_up, today)
    if due is not None:
        out.append(Found(Flag.RETEST_DUE, kind="overdue" if due.overdue else "due", retest=due))
    return tuple(out)


def rank(found: Iterable[Found]) -> int:
    """The patient's place in the "needs attention" order: its most severe flag, or after all."""
    return min((SEVERITY.index(f.flag) for f in found), default=len(SEVERITY))


def follow_up() -> FollowUp:
    """The knowledge base's numbers of following the training."""
    return clinical.base().knowledge.follow_up


def _latest(rows: QuerySet[Any], name: str) -> Subquery:
    return Subquery(rows.order_by(f"-{name}").values(name)[:1])


def _of_clinic(rows: QuerySet[Any], field: str, clinic: Clinic) -> QuerySet[Any]:
    """`rows` of `clinic` only, compared as `field + 0`.

    The sessions have an index on (clinic, date) and one on (patient, date); without statistics
    SQLite took the clinic's for a patient's subquery and read every session of the clinic once per
    patient (30 s for the attention order of 2,000 patients). The `+ 0` keeps the condition but
    not that index, so the patient's is used.
    """
    return rows.alias(of_clinic=F(field) + 0).filter(of_clinic=clinic.pk)


def fact_annotations(clinic: Clinic, today: date, fu: FollowUp) -> dict[str, Any]:
    """The facts of each patient as subqueries, to annotate on a queryset of the clinic's patients.

    Annotated on a paginated list they cost nothing in its COUNT (Django leaves annotations
    nothing filters on out of it). Only rows of `clinic` are read.
    """
    start = window_start(today, fu)
    sessions = _of_clinic(
        TrainingSession.objects.filter(patient=OuterRef("pk"), date__lte=today), "clinic_id", clinic
    )
    high = Q(pain_during__gt=fu.pain_flag_above) | Q(pain_next_day__gt=fu.pain_flag_above)
    painful = _of_clinic(
        SessionEntry.objects.filter(
            high,
            session__patient=OuterRef("pk"),
            session__date__gte=start,
            session__date__lte=today,
        ),
        "session__clinic_id",
        clinic,
    )
    pain = Greatest(
        Coalesce("pain_during", 0), Coalesce("pain_next_day", 0), output_field=IntegerField()
    )
    events = _of_clinic(
        AdverseEvent.objects.filter(session__patient=OuterRef("pk"), session__date__lte=today),
        "session__clinic_id",
        clinic,
    )
    plans = Plan.objects.filter(clinic=clinic, patient=OuterRef("pk"))
    retests = Retest.objects.filter(clinic=clinic, patient=OuterRef("pk"))
    return {
        "fact_plan_start": Subquery(plans.order_by("-created_at", "-id").values("created_at")[:1]),
        "fact_last_active": _latest(sessions.filter(attendance=Attendance.ATTENDED), "date"),
        "fact_pain_max": Subquery(painful.annotate(p=pain).order_by("-p").values("p")[:1]),
        "fact_pain_date": _latest(painful, "session__date"),
        **{
            f"fact_event_{kind}": _latest(events.filter(kind=kind), "session__date")
            for kind in STOP_EVENTS
        },
        **{f"fact_retest_{test}": _latest(retests.filter(test=test), "date") for test in TESTS},
    }


def facts_of(
    row: Any,
    *,
    tests: Mapping[str, date] | None = None,
    ended: Iterable[tuple[str, date]] = (),
) -> Facts:
    """A patient's facts from its annotated row (`fact_annotations`; an object or a values() dict).

    `tests` is the day of each test's last result in the patient's assessments (or of every
    result, when the caller has read them all): the later of it and the re-tests' counts.
    """

    def get(name: str) -> Any:
        return row[name] if isinstance(row, dict) else getattr(row, name)

    results: dict[str, date] = dict(tests or {})
    for test in TESTS:
        when = get(f"fact_retest_{test}")
        if when is not None and (test not in results or results[test] < when):
            results[test] = when
    made = get("fact_plan_start")
    return Facts(
        plan_start=timezone.localdate(made) if made else None,
        last_active=get("fact_last_active"),
        pain_max=get("fact_pain_max"),
        pain_date=get("fact_pain_date"),
        events=tuple(
            (kind, get(f"fact_event_{kind}")) for kind in STOP_EVENTS if get(f"fact_event_{kind}")
        ),
        last_results=results,
        class_ends=tuple(ended),
    )


def facts_for(
    clinic: Clinic,
    patients: QuerySet[Patient],
    today: date,
    *,
    fu: FollowUp | None = None,
    tests: Iterable[tuple[int, date, Mapping[str, Any] | None]] | None = None,
) -> dict[int, Facts]:
    """The facts behind the flags of the clinic's `patients`, by patient id.

    Three queries whatever the number of patients: the patients with a subquery per fact
    (`fact_annotations`), the assessments' tests (none when `tests` gives them as (patient id,
    assessment day, tests) rows) and the classes the patients are on.
    """
    fu = fu or follow_up()
    scoped = patients.filter(clinic=clinic)
    rows = scoped.order_by().values("pk").annotate(**fact_annotations(clinic, today, fu))
    ids = scoped.values("pk")
    if tests is None:
        tests = (
            Assessment.objects.filter(clinic=clinic, patient__in=ids)
            .order_by()
            .values_list("patient_id", "assessment_date", "inputs__tests")
        )
    tested = assessment_tests(tests)
    ends = class_ends(clinic, ids, today, fu)
    return {
        row["pk"]: facts_of(row, tests=tested.get(row["pk"]), ended=ends.get(row["pk"], ()))
        for row in rows
    }


def assessment_tests(
    rows: Iterable[tuple[int, date, Mapping[str, Any] | None]],
) -> dict[int, dict[str, date]]:
    """The day of each test's last result in the assessments, per patient.

    `rows` are (patient id, assessment day, the assessment's `tests` input). A value or "unable"
    is a result (the test was done that day); None is a test not recorded.
    """
    out: dict[int, dict[str, date]] = {}
    for pid, when, recorded in rows:
        if not isinstance(recorded, dict):
            continue
        mine = out.setdefault(pid, {})
        for test, value in recorded.items():
            if value is not None and (test not in mine or mine[test] < when):
                mine[test] = when
    return out


def class_ends(
    clinic: Clinic, ids: QuerySet[Any] | list[int], today: date, fu: FollowUp
) -> dict[int, list[tuple[str, date]]]:
    """The classes each patient is on (not left) whose last session day has come.

    A class that ended more than the re-test interval ago is not read: by then any test before
    it is overdue by the interval anyway (this bounds the read for the patient list).
    """
    oldest = today - timedelta(weeks=fu.retest_weeks[1] + MAX_WEEKS)
    out: dict[int, list[tuple[str, date]]] = {}
    rows = (
        Enrolment.objects.filter(
            clinic=clinic,
            patient__in=ids,
            left_on__isnull=True,
            training_class__clinic=clinic,
            training_class__start_date__lte=today,
            training_class__start_date__gte=oldest,
        )
        .order_by()
        .values_list(
            "patient_id",
            "training_class__name",
            "training_class__weekdays",
            "training_class__start_date",
            "training_class__weeks",
        )
    )
    for pid, name, weekdays, start, weeks in rows:
        days = schedule(weekdays or [], start, weeks)
        if days and days[-1] <= today:
            out.setdefault(pid, []).append((name, days[-1]))
    return out


def page_flags(
    clinic: Clinic,
    rows: list[Any],
    today: date,
    *,
    tests: Iterable[tuple[int, date, Mapping[str, Any] | None]],
    fu: FollowUp | None = None,
) -> dict[int, tuple[Found, ...]]:
    """The flags of a page of the clinic's patients, by id (one query, for the classes).

    `rows` are patients annotated with `fact_annotations`, `tests` their assessments' tests.
    """
    if not rows:
        return {}
    fu = fu or follow_up()
    tested = assessment_tests(tests)
    ends = class_ends(clinic, [p.pk for p in rows], today, fu)
    return {
        p.pk: flags(facts_of(p, tests=tested.get(p.pk), ended=ends.get(p.pk, ())), fu, today)
        for p in rows
    }


def attention_order(
    clinic: Clinic, patients: QuerySet[Patient], today: date
) -> tuple[list[int], dict[int, tuple[Found, ...]]]:
    """The ids of the clinic's `patients` in "needs attention" order, and each one's flags.

    The most severe flag first (`SEVERITY`), then in the patients' own order (by name). A fixed
    number of queries over all of them (the order needs every patient's flags, not a page's).
    """
    fu = follow_up()
    ordered = list(patients.filter(clinic=clinic).values_list("pk", flat=True))
    facts = facts_for(clinic, patients, today, fu=fu)
    found = {pid: flags(f, fu, today) for pid, f in facts.items()}
    place = {pid: i for i, pid in enumerate(ordered)}
    ordered.sort(key=lambda pid: (rank(found.get(pid, ())), place[pid]))
    return ordered, found


# --- one patient's training (the patient page) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    """The week's Monday."""
    supervised: int
    home: int
    missed: int
    """Supervised sessions not attended (excused or absent)."""
    current: bool
    """The running week: not over yet."""

    @property
    def done(self) -> int:
        return self.supervised + self.home


@dataclass(frozen=True, slots=True)
class Rating:
    """How one attended session went: the highest pain, the mean effort, the patient's ratings."""

    when: date
    kind: str
    pain_during: int | None
    pain_next_day: int | None
    effort: float | None
    hard: int
    rated: int


@dataclass(frozen=True, slots=True)
class Adherence:
    planned: tuple[int, int] | None
    """Planned sessions a week (module docstring), or None when the plan gives no frequency."""
    planned_from_strength: bool
    weeks: tuple[Week, ...]
    ratings: tuple[Rating, ...]
    """Newest first."""
    flags: tuple[Found, ...]
    facts: Facts
    since: date | None
    """The first day the weeks count from."""
    has_plan: bool
    any_session: bool


def planned_per_week(items: Iterable[Any]) -> tuple[tuple[int, int] | None, bool]:
    """Planned sessions a week from the plan items' doses, and whether from the Stærk items.

    The Stærk resistance items first (the exercises whose pattern is not impact: strength 2-3
    days a week; impact "most days" and daily balance are short bouts, often at home, not a
    session each), then any Stærk item, then any item: the largest days-a-week range of the first
    group that has one.
    """
    patterns = {e.id: e.pattern for e in clinical.base().knowledge.exercises}
    groups: tuple[list[tuple[int, int]], ...] = ([], [], [])
    for item in items:
        days = Dose.from_dict(item.dose or {}).days_per_week
        if not days:
            continue
        if item.domain == STRENGTH:
            groups[0 if patterns.get(item.exercise) != IMPACT else 1].append(days)
        groups[2].append(days)
    for i, spans in enumerate(groups):
        if spans:
            return max(spans), i < 2
    return None, False


def last_days(series: Mapping[str, Iterable[tuple[date, Any, bool]]]) -> dict[str, date]:
    """The day of each test's last result, from a patient's test series (records.selectors)."""
    return {test: max(p[0] for p in points) for test, points in series.items() if points}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def adherence_get(
    clinic: Clinic,
    patient: Patient,
    *,
    plan: Plan | None,
    last_results: Mapping[str, date],
    today: date | None = None,
    log: bool = True,
) -> Adherence:
    """One patient's training: weeks, ratings and flags. Another clinic's patient is a 404.

    `plan` is the patient's current plan (with its items) and `last_results` the day of each
    test's last result, as the patient page has read them. The read is logged (ADHERENCE) when
    the patient has a plan or a session.
    """
    if patient.clinic_id != clinic.pk or (plan is not None and plan.patient_id != patient.pk):
        raise Http404
    today = today or timezone.localdate()
    fu = follow_up()
    row = (
        Patient.objects.filter(clinic=clinic, pk=patient.pk)
        .values("pk")
        .annotate(**fact_annotations(clinic, today, fu))
        .first()
    )
    ends = class_ends(clinic, [patient.pk], today, fu)
    facts = facts_of(row, tests=last_results, ended=ends.get(patient.pk, ())) if row else Facts()
    earliest = _monday(today) - timedelta(weeks=WEEKS_SHOWN - 1)
    since = max(_monday(timezone.localdate(plan.created_at)), earliest) if plan else earliest
    # A plan's sessions count from their own dates: a class that began before its participants'
    # plans were entered (logged afterwards, dated back) is the plan's course too.
    of_plan = Q(plan=plan) if plan else Q(pk__in=[])
    # One query: the sessions of the weeks, each with its entries' ratings aggregated.
    sessions = list(
        _of_clinic(
            TrainingSession.objects.filter(
                Q(date__gte=since) | (of_plan & Q(date__gte=earliest)),
                patient=patient,
                date__lte=today,
            ),
            "clinic_id",
            clinic,
        )
        .order_by("-date", "-id")
        .values("id", "date", "kind", "attendance")
        .annotate(
            pain_during=Max("entries__pain_during"),
            pain_next_day=Max("entries__pain_next_day"),
            effort=Avg("entries__effort"),
            hard=Count("entries", filter=Q(entries__difficulty=Difficulty.HARD)),
            rated=Count("entries", filter=~Q(entries__difficulty="")),
        )[:SESSIONS_READ]
    )
    since = min([since, *(_monday(row["date"]) for row in sessions)])
    weeks = _weeks(sessions, since, today) if (plan or sessions) else ()
    ratings = _ratings(sessions)
    planned, strength = planned_per_week(plan.items.all()) if plan else (None, False)
    any_session = bool(sessions) or facts.last_active is not None
    if log and (plan is not None or any_session):
        # Logged when there is training to show: a patient without a plan or a session has no
        # adherence data (the patient page's own entry covers the rest of the page).
        audit.record(Action.VIEW, patient, detail=Detail.ADHERENCE)
    return Adherence(
        planned=planned,
        planned_from_strength=strength,
        weeks=weeks,
        ratings=ratings,
        flags=flags(facts, fu, today),
        facts=facts,
        since=since if weeks else None,
        has_plan=plan is not None,
        any_session=any_session,
    )


def _weeks(sessions: list[dict[str, Any]], since: date, today: date) -> tuple[Week, ...]:
    counts: dict[date, list[int]] = {}
    for row in sessions:
        week = counts.setdefault(_monday(row["date"]), [0, 0, 0])
        if row["attendance"] != Attendance.ATTENDED:
            week[2] += row["kind"] == SessionKind.SUPERVISED
        else:
            week[0 if row["kind"] == SessionKind.SUPERVISED else 1] += 1
    out = []
    monday = since
    while monday <= today:
        s, h, m = counts.get(monday, [0, 0, 0])
        out.append(Week(monday, s, h, m, current=monday == _monday(today)))
        monday += timedelta(weeks=1)
    return tuple(out)


def _ratings(sessions: list[dict[str, Any]]) -> tuple[Rating, ...]:
    """The attended sessions with a rating (pain, effort or the patient's), newest first."""
    return tuple(
        Rating(
            when=r["date"],
            kind=r["kind"],
            pain_during=r["pain_during"],
            pain_next_day=r["pain_next_day"],
            effort=round(r["effort"], 1) if r["effort"] is not None else None,
            hard=r["hard"],
            rated=r["rated"],
        )
        for r in sessions
        if r["attendance"] == Attendance.ATTENDED
        and (
            r["rated"] or any(r[k] is not None for k in ("pain_during", "pain_next_day", "effort"))
        )
    )

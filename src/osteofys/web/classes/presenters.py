"""What the class screens show: the schedule in words, participants, a session day, test days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from osteofys.web.classes import selectors
from osteofys.web.classes.forms import TEST_DAY_TESTS, weekday_name
from osteofys.web.records import clinical
from osteofys.web.training.models import Attendance, TrainingClass


def weekdays_text(weekdays: Sequence[int]) -> str:
    """'mandag og torsdag', 'mandag, onsdag og fredag'."""
    names = [weekday_name(d) for d in weekdays]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s og %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def schedule_text(
    training_class: TrainingClass, dates: Sequence[date], *, span: bool = True
) -> str:
    """'mandag og torsdag kl. 10:00, 8 uger (16 gange): 7. december 2026 – 28. januar 2027'.

    Without `span`, the part before the colon.
    """
    when = _("%(days)s kl. %(time)s") % {
        "days": weekdays_text(training_class.weekdays),
        "time": time_format(training_class.start_time, "H:i"),
    }
    shown = ""
    if dates and span:
        shown = f"{date_format(dates[0], 'j. F Y')} – {date_format(dates[-1], 'j. F Y')}"
    weeks = _("%(weeks)d uger") % {"weeks": training_class.weeks}
    if training_class.weeks == 1:
        weeks = _("1 uge")
    count = _("%(n)d gange") % {"n": len(dates)}
    if not dates:
        return f"{when}, {weeks}"
    return f"{when}, {weeks} ({count}): {shown}" if shown else f"{when}, {weeks} ({count})"


def schedule_rows(
    training_class: TrainingClass, dates: Sequence[date], logged: set[date]
) -> list[dict[str, Any]]:
    """One row per session date: its number, weekday, whether it is a test day or today."""
    today = timezone.localdate()
    tests = set(selectors.test_days(dates))
    return [
        {
            "n": i,
            "day": d,
            "iso": d.isoformat(),
            "weekday": weekday_name(d.isoweekday()),
            "test_day": d in tests,
            "today": d == today,
            "past": d < today,
            "logged": d in logged,
        }
        for i, d in enumerate(dates, start=1)
    ]


def next_date(dates: Sequence[date]) -> date | None:
    """Today's session, else the next one, else the last one (a class that has ended)."""
    today = timezone.localdate()
    return next((d for d in dates if d >= today), dates[-1] if dates else None)


def class_rows(page: Any) -> list[dict[str, Any]]:
    """The class list's rows: name, therapist, when, from–to, participants."""
    rows = []
    for c in page.object_list:
        dates = selectors.class_dates(c)
        rows.append(
            {
                "cls": c,
                "therapist": (c.therapist.get_full_name() or c.therapist.username)
                if c.therapist
                else "",
                "when": _("%(days)s kl. %(time)s")
                % {"days": weekdays_text(c.weekdays), "time": time_format(c.start_time, "H:i")},
                "first": dates[0] if dates else None,
                "last": dates[-1] if dates else None,
                "participants": c.participants,
            }
        )
    return rows


def participant_rows(
    participants: Sequence[selectors.Participant],
    counts: dict[int, dict[str, int]],
    dates: Sequence[date],
) -> list[dict[str, Any]]:
    """The class page's participants: name, plan (or "mangler plan"), attendance so far.

    Attendance is of the sessions held so far while the participant was on the class.
    """
    today = timezone.localdate()
    held = [d for d in dates if d <= today]
    base, lang = clinical.base(), clinical.lang()
    rows = []
    for p in participants:
        attended = counts.get(p.patient.pk, {}).get(Attendance.ATTENDED, 0)
        plan = p.plan
        rows.append(
            {
                "p": p,
                "patient": p.patient,
                "plan": plan,
                "plan_name": base.texts.category_name(plan.exercise_set, lang) if plan else "",
                "exercises": len(plan.items.all()) if plan else 0,
                "attended": attended,
                "held": selectors.planned_for(p.enrolment, held),
                "planned": selectors.planned_for(p.enrolment, dates),
            }
        )
    return rows


def attendance_word(value: str) -> str:
    return str(dict(Attendance.choices).get(value, ""))


def test_columns() -> list[dict[str, str]]:
    """The test day's columns: each test's label (knowledge base) and its allowed range."""
    base, lang = clinical.base(), clinical.lang()
    ranges = base.knowledge.input_ranges
    cols = []
    for test in TEST_DAY_TESTS:
        low, high = ranges[f"tests.{test}"]
        cols.append(
            {
                "test": str(test),
                "label": base.texts.test_label(str(test), lang),
                "range": f"{low:g}–{high:g}".replace(".", ","),
            }
        )
    return cols


def day_rows(
    training_class: TrainingClass,
    participants: Sequence[selectors.Participant],
    sessions: dict[int, Any],
) -> list[dict[str, Any]]:
    """The day screen's participants: the session stored for the day and what can be done.

    `can_log`: a plan to log by (the session's own, or the current plan); `elsewhere`: the
    participant's session of the day belongs to no class or another one (left alone here).
    """
    rows = []
    for p in participants:
        session = sessions.get(p.patient.pk)
        elsewhere = session is not None and session.training_class_id != training_class.pk
        plan_id = session.plan_id if session is not None else (p.plan.pk if p.plan else None)
        entries = list(session.entries.all()) if session is not None else []
        rows.append(
            {
                "p": p,
                "patient": p.patient,
                "plan": p.plan,
                "session": session,
                "attendance": session.attendance if session is not None else "",
                "attendance_word": attendance_word(session.attendance) if session else "",
                "entries": len(entries),
                "done": sum(1 for e in entries if e.done),
                "events": len(session.events.all()) if session is not None else 0,
                "elsewhere": elsewhere,
                "can_log": plan_id is not None and not elsewhere,
                "left": not p.active,
            }
        )
    return rows


def session_position(dates: Sequence[date], day: date) -> dict[str, Any]:
    """'Gang 3 af 16', and the session dates before and after."""
    i = list(dates).index(day)
    return {
        "n": i + 1,
        "of": len(dates),
        "previous": dates[i - 1] if i > 0 else None,
        "next": dates[i + 1] if i + 1 < len(dates) else None,
    }

"""`{% patient_sessions patient %}`: the patient page's list of training sessions.

A tag, so the patient page (records) shows the list without its view knowing about training:
records/patient_detail.html loads this library and calls it once. Two queries for the newest
sessions with their entries and events, one to count them all when there are more. The patient
was read (and logged) by the page's own selector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.formats import date_format

from osteofys.web.records.models import Patient
from osteofys.web.training import selectors
from osteofys.web.training.models import Attendance, TrainingSession

register = template.Library()

# The patient page lists the newest sessions; the rest are counted.
SHOWN = 10


@dataclass(frozen=True)
class SessionRow:
    session: TrainingSession
    date: str
    attendance: str
    attended: bool
    done: int
    planned: int
    events: int
    setting: str


def session_rows(sessions: list[TrainingSession]) -> list[SessionRow]:
    """Date in words, attendance, exercises done of those logged, adverse events, the class."""
    rows = []
    for s in sessions:
        entries = list(s.entries.all())
        rows.append(
            SessionRow(
                session=s,
                date=date_format(s.date, "j. F Y"),
                attendance=str(Attendance(s.attendance).label),
                attended=s.attendance == Attendance.ATTENDED,
                done=sum(1 for e in entries if e.done),
                planned=len(entries),
                events=len(s.events.all()),
                setting=s.training_class.name if s.training_class is not None else "",
            )
        )
    return rows


@register.inclusion_tag("training/_session_list.html")
def patient_sessions(patient: Patient) -> dict[str, Any]:
    sessions = selectors.session_list(patient, limit=SHOWN)
    total = len(sessions) if len(sessions) < SHOWN else selectors.session_count(patient)
    return {
        "patient": patient,
        "rows": session_rows(sessions),
        "total": total,
        "shown": len(sessions),
    }

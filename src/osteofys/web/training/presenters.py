"""The session note (journal) in Danish, from a stored session, and the session list's rows.

The note says what the record needs of each supervised session (BEK 1225/2021; the Patient
Complaints Board wants every session documented: which exercises, why and at what dose): the
date, therapist, attendance, each exercise with the dose done next to the dose prescribed and
its purpose, the patient's response, adverse events with what was done, the plan for next time,
and the knowledge base's version. The purpose is the knowledge base's words: the exercise's
movement pattern (texts.toml [tags.pattern]) and its domain's goal for the plan's category
(doses.toml [[goal]]). The note is always Danish, as the record is; it is made from what was
stored (the dose prescribed as copied at logging time), never recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from osteofys.kb.explain import dose_text, goal_text
from osteofys.rules.model import Dose
from osteofys.web.records import clinical
from osteofys.web.records.templatetags.numbers import num
from osteofys.web.training.models import Attendance, SessionEntry, SessionKind, TrainingSession

LANG = "da"
DOMAIN_ORDER = ("staerk", "stabil", "strakt")


def long_date(when: date) -> str:
    """'2. november 2026', as the app writes a date in words."""
    return date_format(when, "j. F Y")


def person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.username)


@dataclass
class NoteEntry:
    name: str
    pattern: str
    done: str
    prescribed: str
    response: str
    note: str


@dataclass
class NoteGroup:
    domain: str
    goal: str
    entries: list[NoteEntry] = field(default_factory=list)


@dataclass
class NoteEvent:
    kind: str
    description: str
    action: str


@dataclass
class SessionNote:
    """The journal note of one session: its parts (the page, the PDF) and its plain text."""

    title: str
    date: str
    therapist: str
    attendance: str
    attended: bool
    setting: str
    plan: str
    groups: list[NoteGroup]
    events: list[NoteEvent]
    response: str
    next_time: str
    kb_version: str
    labels: dict[str, str]
    text: str = ""


def _count_text(entry: SessionEntry) -> str:
    """The dose done as the prescription is written: '2 × 10 gentagelser', '3 × 20 sek.'."""

    def span(value: int | None) -> tuple[int, int] | None:
        return (value, value) if value is not None else None

    done = Dose(
        sets=entry.sets,
        reps=span(entry.reps),
        hold_s=span(entry.hold_s),
        minutes=span(entry.minutes),
    )
    text = dose_text(done, LANG)
    if not text and entry.sets:
        text = _("%(n)s sæt") % {"n": entry.sets}
    return text


def done_text(entry: SessionEntry) -> str:
    """What was done of one exercise, in words: the counts and the load."""
    if not entry.done:
        return _("ikke udført")
    parts = [_count_text(entry)]
    if entry.load_kg is not None:
        parts.append(f"{num(entry.load_kg)} kg")
    if entry.load_text:
        parts.append(entry.load_text)
    shown = ", ".join(p for p in parts if p)
    return shown or _("udført (dosis ikke angivet)")


def response_text(entry: SessionEntry) -> str:
    """The patient's response: effort, pain during and the next day, technique."""
    if not entry.done:
        return ""
    parts = []
    if entry.effort is not None:
        parts.append(_("anstrengelse %(n)s/10") % {"n": entry.effort})
    if entry.pain_during is not None:
        parts.append(_("smerte under %(n)s/10") % {"n": entry.pain_during})
    if entry.pain_next_day is not None:
        parts.append(_("smerte næste dag %(n)s/10") % {"n": entry.pain_next_day})
    if entry.technique_ok is True:
        parts.append(_("teknik tjekket: god"))
    elif entry.technique_ok is False:
        parts.append(_("teknik tjekket: skal rettes"))
    return ", ".join(parts)


def _groups(session: TrainingSession) -> list[NoteGroup]:
    base = clinical.base()
    texts = base.texts
    exercises = {e.id: e for e in base.knowledge.exercises}
    groups: dict[str, NoteGroup] = {}
    for entry in session.entries.all():
        known = exercises.get(entry.exercise)
        domain = str(known.domain) if known else (entry.plan_item.domain if entry.plan_item else "")
        if domain not in groups:
            groups[domain] = NoteGroup(
                domain=texts.domains[domain](LANG) if domain in texts.domains else "",
                goal=goal_text(base, session.plan.exercise_set, domain, LANG) if domain else "",
            )
        groups[domain].entries.append(
            NoteEntry(
                name=texts.exercise_name(entry.exercise, LANG)
                if entry.exercise in texts.exercises
                else entry.exercise,
                pattern=texts.tags.pattern[str(known.pattern)](LANG) if known else "",
                done=done_text(entry),
                prescribed=dose_text(Dose.from_dict(entry.prescribed), LANG),
                response=response_text(entry),
                note=entry.note,
            )
        )
    order = {d: n for n, d in enumerate(DOMAIN_ORDER)}
    return [groups[d] for d in sorted(groups, key=lambda d: (order.get(d, len(order)), d))]


def session_note(session: TrainingSession) -> SessionNote:
    """The journal note of a stored session (entries, events, plan and therapist prefetched)."""
    with translation.override(LANG):
        return _note(session)


def _note(session: TrainingSession) -> SessionNote:
    texts = clinical.base().texts
    attended = session.attendance == Attendance.ATTENDED
    if session.kind == SessionKind.HOME:
        setting = _("Hjemmetræning (registreret af patienten)")
    elif session.training_class is not None:
        setting = _("Superviseret træning på hold: %(name)s") % {
            "name": session.training_class.name
        }
    else:
        setting = _("Superviseret træning, individuelt")
    plan = session.plan
    plan_text = _("%(name)s (plan af %(when)s)") % {
        "name": texts.category_name(plan.exercise_set, LANG)
        if plan.exercise_set in texts.categories
        else plan.exercise_set,
        "when": long_date(plan.created_at.date()),
    }
    note = SessionNote(
        title=_("Journalnotat: træningssession"),
        date=long_date(session.date),
        therapist=person(session.therapist) or "—",
        attendance=str(Attendance(session.attendance).label),
        attended=attended,
        setting=setting,
        plan=plan_text,
        groups=_groups(session) if attended else [],
        events=[
            NoteEvent(
                kind=str(event.get_kind_display()),
                description=event.description,
                action=event.action,
            )
            for event in session.events.all()
        ],
        response=session.note,
        next_time=session.next_time,
        kb_version=session.kb_version,
        labels={
            "date": _("Dato"),
            "therapist": _("Terapeut"),
            "attendance": _("Fremmøde"),
            "setting": _("Form"),
            "plan": _("Træningsplan"),
            "exercises": _("Øvelser (udført · ordineret)"),
            "no_exercises": _("Ingen øvelser logget."),
            "purpose": _("Formål"),
            "prescribed": _("ordineret"),
            "response_short": _("respons"),
            "note": _("note"),
            "events": _("Uønskede hændelser"),
            "no_events": _("Ingen."),
            "action": _("Handling"),
            "response": _("Respons og bemærkninger"),
            "next_time": _("Plan for næste gang"),
            "kb": _("Videnbase"),
            "printed": _("udskrevet"),
            "none": "—",
        },
    )
    note.text = note_text(note)
    return note


def note_text(note: SessionNote) -> str:
    """The note as plain text, to paste into the clinic's record system."""
    L = note.labels  # noqa: N806 - the labels, as the templates call them
    lines = [
        f"{note.title}, {note.date}",
        f"{L['therapist']}: {note.therapist}",
        f"{L['attendance']}: {note.attendance}",
        f"{L['setting']}: {note.setting}",
        f"{L['plan']}: {note.plan}",
    ]
    if note.attended:
        lines += ["", f"{L['exercises']}:"]
        if not note.groups:
            lines.append(L["no_exercises"])
        for group in note.groups:
            if group.domain:
                heading = f"{group.domain}"
                lines.append(
                    f"{heading} – {L['purpose'].lower()}: {group.goal}" if group.goal else heading
                )
            for e in group.entries:
                name = f"{e.name} ({e.pattern})" if e.pattern else e.name
                line = f"- {name}: {e.done}"
                if e.prescribed:
                    line += f" ({L['prescribed']} {e.prescribed})"
                if e.response:
                    line += f"; {e.response}"
                if e.note:
                    line += f"; {L['note']}: {e.note}"
                lines.append(line)
    lines += ["", f"{L['events']}:"]
    if not note.events:
        lines.append(L["no_events"])
    for ev in note.events:
        line = f"- {ev.kind}"
        if ev.description:
            line += f": {ev.description}"
        if ev.action:
            line += f". {L['action']}: {ev.action}"
        lines.append(line)
    lines += [
        "",
        f"{L['response']}: {note.response or L['none']}",
        f"{L['next_time']}: {note.next_time or L['none']}",
        "",
        f"{L['kb']} {note.kb_version}",
    ]
    return "\n".join(lines)

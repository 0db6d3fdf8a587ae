"""Request and response schemas of the training API (sessions, adherence, progression history).

The bounds of a session's numbers and texts are the session log's own (training.services: LIMITS,
MAX_ENTRIES, MAX_EVENTS, MAX_TEXT ...), so the OpenAPI document states what the service checks.
Types are checked here (an integer is an integer, not "3" or 3.0); ranges, plan items and dates
are checked by the service, whose errors name the field and the allowed range.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from osteofys.kb.explain import dose_text
from osteofys.rules.model import Dose
from osteofys.web.progress.adherence import Adherence, Found
from osteofys.web.records import clinical
from osteofys.web.records.api_schemas import IsoDate, Text
from osteofys.web.training.models import (
    AdverseEvent,
    ProgressionDecision,
    SessionEntry,
    TrainingSession,
)
from osteofys.web.training.selectors import MAX_ENTRIES, entry_measures
from osteofys.web.training.services import (
    LIMITS,
    MAX_EVENT_TEXT,
    MAX_EVENTS,
    MAX_LOAD_TEXT,
    MAX_TEXT,
)

# A field may be called `date`: its annotations use this name for the type.
Day = date
AttendanceValue = Literal["attended", "excused", "absent"]
EventKindValue = Literal["fall", "new_back_pain", "new_pain", "other"]
MAX_ID = 2**63 - 1


def _bounds(name: str) -> dict[str, Any]:
    low, high = LIMITS[name]
    return {"minimum": low, "maximum": high}


def _count(name: str, description: str) -> Any:
    return Field(None, json_schema_extra=_bounds(name), description=description)


# --- requests ------------------------------------------------------------------------------


class EntryIn(Schema):
    """What was done of one plan item. Leave a number out (or null) when it was not recorded."""

    model_config = ConfigDict(extra="forbid")

    plan_item_id: StrictInt = Field(
        ge=1, le=MAX_ID, description="Planens øvelse (`items[].id` i GET /plans/{id})."
    )
    done: StrictBool = Field(True, description="false: ikke udført i dag (tallene gemmes ikke).")
    sets: StrictInt | None = _count("sets", "Sæt udført.")
    reps: StrictInt | None = _count("reps", "Gentagelser nået i hvert sæt (det laveste sæt).")
    hold_s: StrictInt | None = _count("hold_s", "Hold i sekunder.")
    minutes: StrictInt | None = _count("minutes", "Minutter.")
    load_kg: StrictFloat | None = Field(
        None, json_schema_extra=_bounds("load_kg"), description="Belastning i kg (0,1 kg)."
    )
    load_text: Text = Field(
        "", max_length=MAX_LOAD_TEXT, description="Elastikfarve eller niveau i ord."
    )
    effort: StrictInt | None = _count("effort", "Anstrengelse 0–10.")
    pain_during: StrictInt | None = _count("pain_during", "Smerte under øvelsen 0–10.")
    pain_next_day: StrictInt | None = _count("pain_next_day", "Smerte dagen efter 0–10.")
    technique_ok: StrictBool | None = Field(
        None, description="Teknik tjekket: god (true) eller ej."
    )
    note: Text = Field("", max_length=MAX_TEXT)


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: EventKindValue
    description: Text = Field("", max_length=MAX_EVENT_TEXT, description="Hvad skete der.")
    action: Text = Field("", max_length=MAX_EVENT_TEXT, description="Hvad blev gjort.")


class SessionFields(Schema):
    model_config = ConfigDict(extra="forbid")

    attendance: AttendanceValue = Field(
        "attended", description="Udeblevet eller afbud: øvelserne gemmes ikke, hændelser gør."
    )
    note: Text = Field("", max_length=MAX_TEXT, description="Respons og bemærkninger (journal).")
    next_time: Text = Field("", max_length=MAX_TEXT, description="Plan for næste gang.")
    entries: list[EntryIn] = Field(
        [], max_length=MAX_ENTRIES, description="Højst én pr. øvelse i planen."
    )
    events: list[EventIn] = Field([], max_length=MAX_EVENTS, description="Uønskede hændelser.")


class SessionIn(SessionFields):
    date: IsoDate = Field(
        description="Sessionens dato: ikke efter i dag (et afbud kan meldes forud)."
    )
    plan_id: StrictInt | None = Field(
        None, ge=1, le=MAX_ID, description="Planen der blev fulgt; udeladt: patientens nuværende."
    )


class SessionUpdateIn(SessionFields):
    plan_id: StrictInt | None = Field(
        None, ge=1, le=MAX_ID, description="Planen der blev fulgt; udeladt: den gemte."
    )
    version: StrictInt = Field(
        ge=1,
        le=2**31,
        description=(
            "Påkrævet: den hentede version. Er sessionen gemt siden, afvises rettelsen (409)."
        ),
    )


# --- responses -----------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    plan_item_id: int | None = Field(description="null: øvelsen er siden fjernet fra planen.")
    exercise: str
    name: str
    family: str | None
    level: int | None
    prescribed: dict[str, Any] = Field(description="Den ordinerede dosis, som da der blev logget.")
    prescribed_text: str
    done: bool
    sets: int | None
    reps: int | None
    hold_s: int | None
    minutes: int | None
    load_kg: float | None
    load_text: str
    effort: int | None
    pain_during: int | None
    pain_next_day: int | None
    technique_ok: bool | None
    difficulty: str | None = Field(description="Patientens egen vurdering (app): easy/right/hard.")
    note: str


class EventOut(Schema):
    id: int
    kind: str
    description: str
    action: str


class SessionSummary(Schema):
    id: int
    patient_id: int
    plan_id: int
    kind: Literal["supervised", "home"]
    date: Day
    attendance: str
    training_class_id: int | None
    therapist: str | None
    exercises_done: int
    pain_max: int | None = Field(description="Højeste smerte under eller dagen efter, 0–10.")
    event_count: int = Field(description="Antal uønskede hændelser.")
    version: int
    created_at: datetime
    updated_at: datetime


class SessionOut(SessionSummary):
    note: str
    next_time: str
    kb_version: str
    entries: list[EntryOut]
    events: list[EventOut]


class SessionPage(Schema):
    items: list[SessionSummary]
    count: int
    page: int
    pages: int
    page_size: int


def _person(user: Any) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def _pain_max(entries: list[SessionEntry]) -> int | None:
    ratings = [v for e in entries for v in (e.pain_during, e.pain_next_day) if v is not None]
    return max(ratings, default=None)


def _summary_fields(s: TrainingSession) -> dict[str, Any]:
    entries = list(s.entries.all())
    return {
        "id": s.pk,
        "patient_id": s.patient_id,
        "plan_id": s.plan_id,
        "kind": s.kind,
        "date": s.date,
        "attendance": s.attendance,
        "training_class_id": s.training_class_id,
        "therapist": _person(s.therapist),
        "exercises_done": sum(e.done for e in entries),
        "pain_max": _pain_max(entries),
        "event_count": len(s.events.all()),
        "version": s.version,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def session_summary(s: TrainingSession) -> SessionSummary:
    return SessionSummary(**_summary_fields(s))


def _entry_out(e: SessionEntry, lang: str) -> EntryOut:
    texts = clinical.base().texts
    return EntryOut(
        id=e.pk,
        plan_item_id=e.plan_item_id,
        exercise=e.exercise,
        name=texts.exercise_name(e.exercise, lang),
        family=e.family or None,
        level=e.level,
        prescribed=e.prescribed,
        prescribed_text=dose_text(Dose.from_dict(e.prescribed), lang) if e.prescribed else "",
        difficulty=e.difficulty or None,
        **entry_measures(e),
    )


def _event_out(e: AdverseEvent) -> EventOut:
    return EventOut(id=e.pk, kind=e.kind, description=e.description, action=e.action)


def session_out(s: TrainingSession) -> SessionOut:
    lang = clinical.lang()
    return SessionOut(
        **_summary_fields(s),
        note=s.note,
        next_time=s.next_time,
        kb_version=s.kb_version,
        entries=[_entry_out(e, lang) for e in s.entries.all()],
        events=[_event_out(e) for e in s.events.all()],
    )


# --- adherence -----------------------------------------------------------------------------


class WeekOut(Schema):
    start: date = Field(description="Ugens mandag.")
    supervised: int
    home: int
    done: int
    missed: int = Field(description="Superviserede sessioner ikke mødt (afbud eller udeblevet).")
    met: bool | None = Field(description="Nåede ugen planens laveste antal; null: ingen plan.")
    current: bool = Field(description="Den igangværende uge (ikke slut endnu).")


class RatingOut(Schema):
    date: Day
    kind: str
    pain_during: int | None
    pain_next_day: int | None
    effort: float | None = Field(description="Gennemsnitlig anstrengelse 0–10.")
    hard: int = Field(description="Øvelser patienten fandt hårde (app).")
    rated: int


class RetestOut(Schema):
    test: str
    last: date = Field(description="Dagen for testens seneste resultat.")


class ClassEndOut(Schema):
    name: str
    last_day: date


class FlagOut(Schema):
    flag: Literal["adverse_event", "high_pain", "inactive", "retest_due"]
    date: Day | None = None
    value: int | None = Field(None, description="high_pain: den højeste smerte.")
    kind: str = Field(
        "", description="adverse_event: hændelsen; retest_due: `due` eller `overdue`."
    )
    days: int | None = Field(None, description="inactive: dage uden en session.")
    tests: list[RetestOut] = []
    classes: list[ClassEndOut] = []


class AdherenceOut(Schema):
    planned_per_week: list[int] | None = Field(
        description="[fra, til] sessioner om ugen efter planen, eller null."
    )
    planned_from_strength: bool = Field(description="Tallet er Stærk-øvelsernes dage/uge.")
    since: date | None
    weeks: list[WeekOut] = Field(description="Ældste uge først, den igangværende sidst.")
    ratings: list[RatingOut] = Field(description="Nyeste først.")
    flags: list[FlagOut] = Field(description="Det alvorligste først.")


def _flag_out(f: Found) -> FlagOut:
    retest = f.retest
    return FlagOut(
        flag=f.flag.value,
        date=f.when,
        value=f.value,
        kind=f.kind,
        days=f.days,
        tests=[RetestOut(test=t, last=d) for t, d in retest.tests] if retest else [],
        classes=[ClassEndOut(name=n, last_day=d) for n, d in retest.classes] if retest else [],
    )


def adherence_out(a: Adherence) -> AdherenceOut:
    low = a.planned[0] if a.planned else None
    return AdherenceOut(
        planned_per_week=list(a.planned) if a.planned else None,
        planned_from_strength=a.planned_from_strength,
        since=a.since,
        weeks=[
            WeekOut(
                start=w.start,
                supervised=w.supervised,
                home=w.home,
                done=w.done,
                missed=w.missed,
                met=(w.done >= low) if low is not None else None,
                current=w.current,
            )
            for w in a.weeks
        ],
        ratings=[
            RatingOut(
                date=r.when,
                kind=r.kind,
                pain_during=r.pain_during,
                pain_next_day=r.pain_next_day,
                effort=r.effort,
                hard=r.hard,
                rated=r.rated,
            )
            for r in a.ratings
        ],
        flags=[_flag_out(f) for f in a.flags],
    )


# --- progression decisions -----------------------------------------------------------------


class DecisionOut(Schema):
    id: int
    plan_item_id: int | None
    session_id: int | None
    rule: str = Field(description="Progressionsreglens id (videnbasen, progression.toml).")
    step: str = Field(description="more_load, next_level, stay, down eller stop.")
    decision: Literal["accepted", "declined"]
    reason: str
    from_exercise: str
    from_level: int | None
    from_dose: dict[str, Any]
    to_exercise: str
    to_level: int | None
    to_dose: dict[str, Any]
    kb_version: str
    decided_by: str
    decided_at: datetime


def decision_out(d: ProgressionDecision) -> DecisionOut:
    return DecisionOut(
        id=d.pk,
        plan_item_id=d.plan_item_id,
        session_id=d.session_id,
        rule=d.rule,
        step=d.step,
        decision=d.decision,  # type: ignore[arg-type]
        reason=d.reason,
        from_exercise=d.from_exercise,
        from_level=d.from_level,
        from_dose=d.from_dose,
        to_exercise=d.to_exercise,
        to_level=d.to_level,
        to_dose=d.to_dose,
        kb_version=d.kb_version,
        decided_by=_person(d.decided_by) or "",
        decided_at=d.decided_at,
    )

"""Writes of training sessions: the session log of one patient on one date. One transaction each.

`session_save` is the one way a session is stored: the session form, the class screen (one
participant at a time) and the API all call it. It creates the patient's session of that date or
updates it, and writes its entries (one per plan item, each with the exercise, family, level and
prescribed dose copied from the plan item as it is today) and its adverse events.

Edits are optimistic as in records/services.py: `version` is what the editor loaded, and a save
over a newer row raises `EditConflict` and writes nothing. `version=0` says "there was no session
yet": if one was saved meanwhile, that is a conflict too. `version=None` overwrites whatever is
stored (a caller that has read the session just now).
Every write is logged in the access log as its last step (the lock order of records/services.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from osteofys.rules.limits import EARLIEST_DATE
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action
from osteofys.web.records import clinical
from osteofys.web.records.models import Patient, Plan, PlanItem
from osteofys.web.training.models import (
    AdverseEvent,
    Attendance,
    EventKind,
    SessionEntry,
    SessionKind,
    TrainingClass,
    TrainingSession,
)
from osteofys.web.training.selectors import MAX_ENTRIES

# Bounds of what one session may hold, whoever posts it (form, class screen, API): these are
# input-size and plausibility limits, not clinical numbers.
MAX_EVENTS = 10
MAX_TEXT = 4000  # characters of the session note, the plan for next time, an entry note
MAX_EVENT_TEXT = 2000  # characters of an event's description and of what was done
MAX_LOAD_TEXT = SessionEntry._meta.get_field("load_text").max_length or 40

# Each number of an entry: (lowest, highest) allowed. The form, the service and the API schemas
# read these, so what is checked is what is documented.
LIMITS: dict[str, tuple[int, int]] = {
    "sets": (1, 20),
    "reps": (1, 100),
    "hold_s": (1, 600),
    "minutes": (1, 180),
    "load_kg": (0, 500),
    "effort": (0, 10),
    "pain_during": (0, 10),
    "pain_next_day": (0, 10),
}


class EditConflict(Exception):  # noqa: N818 - the name records/services.py uses
    """Someone saved this patient's session of that date after the editor loaded it.

    Nothing was written.

    Attributes:
        current: The session as it is stored now, or None when it was deleted meanwhile.
    """

    def __init__(self, current: TrainingSession | None) -> None:
        super().__init__("the session was changed by someone else")
        self.current = current


class SessionInputError(ValueError):
    """The session cannot be stored as given; `errors` maps a field path to a Danish message.

    Paths: "attendance", "plan", "training_class", "note", "next_time", "events",
    "entries", "entries[<plan_item_id>].<field>", "events[<i>].<field>".
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class EntryData:
    """What was done of one plan item. None: not recorded.

    `done=False` is "not done today" (the numbers are then not stored).
    """

    plan_item_id: int
    done: bool = True
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    load_kg: Decimal | float | int | None = None
    load_text: str = ""
    effort: int | None = None
    pain_during: int | None = None
    pain_next_day: int | None = None
    technique_ok: bool | None = None
    note: str = ""
    client_id: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EntryData:
        """An entry from a dict with these field names (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass(frozen=True, slots=True)
class EventData:
    """An adverse event: its kind (training.models.EventKind), what happened, what was done."""

    kind: str
    description: str = ""
    action: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EventData:
        return cls(
            kind=str(values.get("kind", "")),
            description=str(values.get("description", "") or ""),
            action=str(values.get("action", "") or ""),
        )


def range_message(label: str, field: str) -> str:
    """'Sæt skal være et helt tal fra 1 til 20.': the field's name and its range, in Danish."""
    low, high = LIMITS[field]
    if field == "load_kg":
        return _("%(label)s skal være et tal fra %(low)s til %(high)s kg.") % {
            "label": label,
            "low": low,
            "high": high,
        }
    return _("%(label)s skal være et helt tal fra %(low)s til %(high)s.") % {
        "label": label,
        "low": low,
        "high": high,
    }


def field_label(field: str) -> str:
    """The Danish name of an entry field, as the form and the messages say it."""
    labels = {
        "sets": _("Sæt"),
        "reps": _("Gentagelser"),
        "hold_s": _("Hold (sekunder)"),
        "minutes": _("Minutter"),
        "load_kg": _("Belastning (kg)"),
        "load_text": _("Elastik/niveau"),
        "effort": _("Anstrengelse (0–10)"),
        "pain_during": _("Smerte under (0–10)"),
        "pain_next_day": _("Smerte næste dag (0–10)"),
        "technique_ok": _("Teknik"),
        "note": _("Note"),
    }
    return str(labels.get(field, field))


def _bounded_int(value: Any, field: str, errors: dict[str, str], path: str) -> int | None:
    if value is None or value == "":
        return None
    low, high = LIMITS[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[path] = range_message(field_label(field), field)
        return None
    return value


def _load(value: Any, errors: dict[str, str], path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    low, high = LIMITS["load_kg"]
    try:
        load = Decimal(str(value)) if not isinstance(value, bool) else None
    except InvalidOperation:
        load = None
    if load is None or not load.is_finite() or not low <= load <= high:
        errors[path] = range_message(field_label("load_kg"), "load_kg")
        return None
    return load.quantize(Decimal("0.1"))


def _text(value: Any, limit: int, path: str, errors: dict[str, str], label: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        errors[path] = _("%(label)s må højst være %(limit)s tegn.") % {
            "label": label,
            "limit": limit,
        }
    return text[:limit]


def _entry_row(item: PlanItem, data: EntryData, errors: dict[str, str]) -> SessionEntry:
    """The unsaved entry: the plan item's exercise and dose copied, the numbers checked."""
    path = f"entries[{item.pk}]"
    row = SessionEntry(
        plan_item=item,
        exercise=item.exercise,
        family=item.family,
        level=item.level,
        prescribed=dict(item.dose),
        done=bool(data.done),
        note=_text(data.note, MAX_TEXT, f"{path}.note", errors, field_label("note")),
        client_id=str(data.client_id or "")[:64],
    )
    if not row.done:
        return row  # not done today: no numbers, whatever was posted with it
    for name in ("sets", "reps", "hold_s", "minutes", "effort", "pain_during", "pain_next_day"):
        setattr(row, name, _bounded_int(getattr(data, name), name, errors, f"{path}.{name}"))
    row.load_kg = _load(data.load_kg, errors, f"{path}.load_kg")
    row.load_text = _text(
        data.load_text, MAX_LOAD_TEXT, f"{path}.load_text", errors, field_label("load_text")
    )
    if data.technique_ok is not None and not isinstance(data.technique_ok, bool):
        errors[f"{path}.technique_ok"] = _("Teknik skal være ja, nej eller ikke angivet.")
    else:
        row.technique_ok = data.technique_ok
    return row


def plan_items_in_order(plan: Plan) -> list[PlanItem]:
    """The plan's items as the session form lists them: Stærk, Stabil, Strakt, then position."""
    order = {"staerk": 0, "stabil": 1, "strakt": 2}
    return sorted(plan.items.all(), key=lambda i: (order.get(i.domain, 9), i.position, i.pk))


def _entries(
    plan: Plan, entries: Sequence[EntryData | Mapping[str, Any]], errors: dict[str, str]
) -> list[SessionEntry]:
    if len(entries) > MAX_ENTRIES:
        errors["entries"] = _("Højst %(n)s øvelser i en session.") % {"n": MAX_ENTRIES}
        return []
    items = {i.pk: i for i in plan_items_in_order(plan)}
    position = {pk: n for n, pk in enumerate(items)}
    rows: dict[int, SessionEntry] = {}
    for raw in entries:
        data = raw if isinstance(raw, EntryData) else EntryData.from_mapping(raw)
        item = items.get(data.plan_item_id) if isinstance(data.plan_item_id, int) else None
        if item is None:
            errors["entries"] = _("En øvelse hører ikke til patientens plan.")
            continue
        if item.pk in rows:
            errors["entries"] = _("Hver øvelse i planen kan kun logges én gang pr. session.")
            continue
        row = _entry_row(item, data, errors)
        row.position = position[item.pk]
        rows[item.pk] = row
    return sorted(rows.values(), key=lambda r: r.position)


def _events(
    events: Sequence[EventData | Mapping[str, Any]], errors: dict[str, str]
) -> list[AdverseEvent]:
    if len(events) > MAX_EVENTS:
        errors["events"] = _("Højst %(n)s hændelser i en session.") % {"n": MAX_EVENTS}
        return []
    rows = []
    kinds = set(EventKind.values)
    for n, raw in enumerate(events):
        data = raw if isinstance(raw, EventData) else EventData.from_mapping(raw)
        if data.kind not in kinds:
            errors[f"events[{n}].kind"] = _(
                "Vælg hvilken hændelse: fald, ny rygsmerte, ny smerte eller andet."
            )
            continue
        description = _text(
            data.description, MAX_EVENT_TEXT, f"events[{n}].description", errors, _("Beskrivelse")
        )
        action = _text(
            data.action, MAX_EVENT_TEXT, f"events[{n}].action", errors, _("Hvad blev gjort")
        )
        rows.append(AdverseEvent(kind=data.kind, description=description, action=action))
    return rows


def _check_links(
    *,
    patient: Patient,
    plan: Plan,
    kind: str,
    training_class: TrainingClass | None,
    attendance: str,
    errors: dict[str, str],
) -> None:
    if plan.patient_id != patient.pk or plan.clinic_id != patient.clinic_id:
        errors["plan"] = _("Planen hører ikke til patienten.")
    if training_class is not None and training_class.clinic_id != patient.clinic_id:
        errors["training_class"] = _("Holdet hører ikke til klinikken.")
    if kind not in SessionKind.values:
        errors["kind"] = _("Ukendt type session.")
    if attendance not in Attendance.values:
        errors["attendance"] = _("Vælg fremmøde: mødt, meldt afbud eller udeblevet.")


def _check_date(when: date, attendance: str, errors: dict[str, str]) -> None:
    # An absence may be noted ahead (the patient called to cancel); a session done may not.
    if not isinstance(when, date) or when < EARLIEST_DATE:
        errors["date"] = _("Skriv en gyldig dato.")
    elif when > timezone.localdate() and attendance != Attendance.EXCUSED:
        errors["date"] = _("Datoen kan ikke ligge efter i dag (kun et afbud kan meldes forud).")


@transaction.atomic
def session_save(
    *,
    patient: Patient,
    plan: Plan,
    user: User | None,
    when: date,
    attendance: str,
    entries: Sequence[EntryData | Mapping[str, Any]],
    events: Sequence[EventData | Mapping[str, Any]] = (),
    note: str = "",
    next_time: str = "",
    kind: str = SessionKind.SUPERVISED,
    training_class: TrainingClass | None = None,
    version: int | None = None,
    client_id: str = "",
) -> TrainingSession:
    """Store the patient's session of `when`: create it, or update the one of that date.

    A supervised session is one per patient and date (a database constraint): saving the same
    date again updates it, its entries and events replaced by the ones given. A home session is
    one per `client_id` (the phone's id; a retried sync stores it once); without one it is new.
    Entries of items no longer in the plan are kept. When the patient did not attend, no entries
    are stored (the adverse events are kept: a fall
    at home can be the reason for an absence).

    Args:
        patient: The clinic's patient (already scoped by a selector).
        plan: The plan the session followed; one of the patient's.
        user: The therapist who logged it (None for a home session from the app).
        when: The session's date.
        attendance: training.models.Attendance.
        entries: At most one per plan item (EntryData or a dict with its field names).
        events: At most MAX_EVENTS adverse events (EventData or dicts).
        note: How the patient responded (the journal's response text).
        next_time: The plan for next time.
        kind: supervised or home.
        training_class: The class the session belongs to (the class screen), or None.
        version: The session version the editor loaded; 0 = "there was none"; None = overwrite.
        client_id: A home session's id from the phone.

    Raises:
        SessionInputError: a value out of its range, an item not of the plan, a duplicate item,
            too many events, an unknown kind: nothing was written.
        EditConflict: the session was saved by someone else since `version`; nothing was written.
    """
    errors: dict[str, str] = {}
    _check_links(
        patient=patient,
        plan=plan,
        kind=kind,
        training_class=training_class,
        attendance=attendance,
        errors=errors,
    )
    _check_date(when, attendance, errors)
    rows = _entries(plan, entries, errors) if attendance == Attendance.ATTENDED else []
    event_rows = _events(events, errors)
    values: dict[str, Any] = {
        "attendance": attendance,
        "note": _text(note, MAX_TEXT, "note", errors, _("Respons og bemærkninger")),
        "next_time": _text(next_time, MAX_TEXT, "next_time", errors, _("Plan for næste gang")),
    }
    if errors:
        raise SessionInputError(errors)
    values.update(
        plan_id=plan.pk,
        training_class_id=training_class.pk if training_class is not None else None,
        therapist_id=user.pk if user is not None else None,
        kb_version=clinical.base().version,
    )
    existing = _existing(patient, when, kind, client_id)
    if existing is None:
        if version:  # the editor had a session that is gone now
            raise EditConflict(None)
        session, action = (
            _create(
                patient=patient, when=when, kind=kind, user=user, client_id=client_id, values=values
            ),
            Action.CREATE,
        )
    else:
        _save_versioned(existing, version, **values, updated_at=timezone.now())
        # Entries of items removed from the plan since (plan_item NULL) cannot be posted again:
        # they stay as logged.
        existing.entries.filter(plan_item__isnull=False).delete()
        existing.events.all().delete()
        session, action = existing, Action.UPDATE
    for row in rows:
        row.session = session
    SessionEntry.objects.bulk_create(rows)
    for event in event_rows:
        event.session = session
    AdverseEvent.objects.bulk_create(event_rows)
    audit.record(action, session)
    return session


def _existing(patient: Patient, when: date, kind: str, client_id: str) -> TrainingSession | None:
    if kind == SessionKind.SUPERVISED:
        found = TrainingSession.objects.filter(patient=patient, date=when, kind=kind)
    elif client_id:
        found = TrainingSession.objects.filter(clinic_id=patient.clinic_id, client_id=client_id)
    else:
        return None
    return found.first()


def _create(
    *,
    patient: Patient,
    when: date,
    kind: str,
    user: User | None,
    client_id: str,
    values: dict[str, Any],
) -> TrainingSession:
    """Insert the session; one saved meanwhile for the same day (a race) is a conflict."""
    try:
        with transaction.atomic():
            return TrainingSession.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                date=when,
                kind=kind,
                created_by=user,
                client_id=str(client_id or "")[:64],
                **values,
            )
    except IntegrityError:
        raise EditConflict(_existing(patient, when, kind, client_id)) from None


def _save_versioned(session: TrainingSession, version: int | None, **values: Any) -> None:
    """Write `values` only if the row still has `version` (None: the version it was read with)."""
    expected = session.version if version is None else version
    written = TrainingSession.objects.filter(pk=session.pk, version=expected).update(
        version=F("version") + 1, **values
    )
    if not written:
        raise EditConflict(TrainingSession.objects.filter(pk=session.pk).first())
    for name, value in values.items():
        setattr(session, name, value)
    session.version = expected + 1

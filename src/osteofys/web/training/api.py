"""The training API: a patient's sessions (list, one, create, update), adherence and progression.

Thin, like the views: reads go through the selectors (scoped to the caller's clinic: another
clinic's id is a 404, and each read is in the access log), writes through
training.services.session_save, the one way a session is stored (the session form and the class
screen use it too), which checks every number against the session log's bounds and logs the write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from osteofys.rules.limits import EARLIEST_DATE
from osteofys.web.accounts.api import request_clinic, request_user
from osteofys.web.api_errors import ConflictError, ErrorOut, FieldError, InputError
from osteofys.web.progress import adherence
from osteofys.web.progress import selectors as progress_selectors
from osteofys.web.records import selectors as records_selectors
from osteofys.web.records.api import Id
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training import selectors, services
from osteofys.web.training.api_schemas import (
    AdherenceOut,
    DecisionOut,
    EntryIn,
    SessionIn,
    SessionOut,
    SessionPage,
    SessionUpdateIn,
    adherence_out,
    decision_out,
    session_out,
    session_summary,
)
from osteofys.web.training.models import SessionKind, TrainingSession

router = Router(tags=["Træning"])

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_ENTRY_PATH = re.compile(r"entries\[(\d+)\]\.(\w+)")
_TEXTS = {
    "note": services.MAX_TEXT,
    "next_time": services.MAX_TEXT,
    "load_text": services.MAX_LOAD_TEXT,
    "description": services.MAX_EVENT_TEXT,
    "action": services.MAX_EVENT_TEXT,
}


def _errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """Every error an operation can answer with: 401 always, 403 for a session without CSRF."""
    return dict.fromkeys((401, 403, *codes), ErrorOut)


# --- reading -------------------------------------------------------------------------------


@router.get(
    "/patients/{id}/sessions",
    response={200: SessionPage, **_errors(404, 422)},
    summary="Patientens træningssessioner, nyeste først, 25 pr. side (højst 100)",
)
def session_list(
    request: HttpRequest,
    id: Id,
    page: QueryEx[int, P(ge=1, le=2**31, description="Sidenummer; for stort: sidste side.")] = 1,
    page_size: QueryEx[
        int, P(ge=1, le=MAX_PAGE_SIZE, description="Sessioner pr. side (1–100).")
    ] = PAGE_SIZE,
) -> SessionPage:
    """Supervised and home sessions, each with its attendance, what was done and the top pain.

    The read is logged as a view of the patient.
    """
    patient = records_selectors.patient_get(request_clinic(request), id)
    found = selectors.session_page(patient, page, page_size)
    return SessionPage(
        items=[session_summary(s) for s in found.object_list],
        count=found.paginator.count,
        page=found.number,
        pages=found.paginator.num_pages,
        page_size=found.paginator.per_page,
    )


@router.get(
    "/sessions/{id}",
    response={200: SessionOut, **_errors(404, 422)},
    summary="Én session: fremmøde, øvelser med dosis og respons, hændelser og journal",
)
def session_get(request: HttpRequest, id: Id) -> SessionOut:
    return session_out(selectors.session_get(request_clinic(request), id))


@router.get(
    "/patients/{id}/adherence",
    response={200: AdherenceOut, **_errors(404, 422)},
    summary="Træningsforløbet: sessioner pr. uge mod planen, smerte og anstrengelse, flag",
)
def adherence_get(request: HttpRequest, id: Id) -> AdherenceOut:
    """What the patient page shows: the weeks since the plan (at most 12), ratings and flags.

    Logged as a view of the patient's training (detail "træningsforløb/fremmøde").
    """
    clinic = request_clinic(request)
    patient = records_selectors.patient_get(clinic, id, log_view=False)
    plan = records_selectors.plan_current(patient)
    series = records_selectors.test_series(patient)
    found = adherence.adherence_get(
        clinic, patient, plan=plan, last_results=adherence.last_days(series)
    )
    return adherence_out(found)


@router.get(
    "/plans/{id}/progression",
    response={200: list[DecisionOut], **_errors(404, 422)},
    summary="Planens progressionsbeslutninger (accepteret eller afvist), nyeste først",
)
def decision_list(request: HttpRequest, id: Id) -> list[DecisionOut]:
    """Each suggestion the therapist accepted or declined: the plan items' history (at most 50).

    `from_*` is the item as it was, `to_*` what was proposed (and, when accepted, what it
    became). The read is logged as a view of the plan.
    """
    plan = records_selectors.plan_get(request_clinic(request), id)
    return [decision_out(d) for d in progress_selectors.decision_list(plan)]


# --- writing -------------------------------------------------------------------------------


def _field_errors(errors: Mapping[str, str], entries: Sequence[EntryIn]) -> list[FieldError]:
    """The service's errors at the request's paths (an entry by its place in `entries`)."""
    place: dict[int, int] = {}
    for n, entry in enumerate(entries):
        place.setdefault(entry.plan_item_id, n)
    out = []
    for path, message in errors.items():
        found = _ENTRY_PATH.fullmatch(path)
        if found:
            name = found[2]
            field = f"entries[{place.get(int(found[1]), found[1])}].{name}"
        else:
            name = path.rsplit(".", 1)[-1]
            field = "plan_id" if path == "plan" else path
        problem, allowed = _problem(name)
        out.append(FieldError(field=field, problem=problem, message=message, allowed=allowed))
    return out


def _problem(name: str) -> tuple[str, str]:
    """The stable problem code and what is allowed, for a field the service refused."""
    if name in services.LIMITS:
        low, high = services.LIMITS[name]
        return "out_of_range", f"{low}–{high}"
    if name in _TEXTS:
        return "too_long", f"≤ {_TEXTS[name]}"
    fixed = {
        "entries": ("bad_item", _("planens øvelser, hver højst én gang")),
        "events": ("too_many", f"≤ {services.MAX_EVENTS}"),
        "kind": ("bad_choice", "fall, new_back_pain, new_pain, other"),
        "attendance": ("bad_choice", "attended, excused, absent"),
        "technique_ok": ("wrong_type", "true/false/null"),
        # The API takes ISO dates, so its earliest date is given as one.
        "date": (
            "bad_date",
            _("%(earliest)s til i dag (et afbud: også senere)")
            % {"earliest": EARLIEST_DATE.isoformat()},
        ),
        "plan": ("bad_plan", _("en af patientens planer")),
    }
    return fixed.get(name, ("invalid", ""))


def _plan(
    request: HttpRequest, patient: Patient, plan_id: int | None, default: Plan | None
) -> Plan:
    if plan_id is not None:
        # Another clinic's plan is a 404 like any other id; another patient's is the service's 422.
        return records_selectors.plan_get(request_clinic(request), plan_id)
    if default is None:
        message = _("Patienten har ingen træningsplan endnu: gem først en vurdering.")
        raise InputError([FieldError(field="plan_id", problem="required", message=message)])
    return default


def _save(
    request: HttpRequest,
    payload: SessionIn | SessionUpdateIn,
    *,
    patient: Patient,
    plan: Plan,
    when: date,
    version: int,
    existing: TrainingSession | None = None,
) -> TrainingSession:
    try:
        saved = services.session_save(
            patient=patient,
            plan=plan,
            user=request_user(request),
            when=when,
            attendance=payload.attendance,
            entries=[e.model_dump() for e in payload.entries],
            events=[e.model_dump() for e in payload.events],
            note=payload.note,
            next_time=payload.next_time,
            kind=SessionKind.SUPERVISED,
            training_class=existing.training_class if existing is not None else None,
            version=version,
        )
    except services.SessionInputError as exc:
        raise InputError(_field_errors(exc.errors, payload.entries)) from None
    except services.EditConflict as exc:
        if existing is None and exc.current is not None:
            raise ConflictError(
                _(
                    "Patienten har allerede en session den dag (id %(id)s): ret den med PUT "
                    "/sessions/%(id)s."
                )
                % {"id": exc.current.pk}
            ) from exc
        raise ConflictError(
            _("Sessionen er gemt af en anden, siden du hentede den. Hent den igen og ret derefter.")
        ) from exc
    # Read back with its parts; the write itself is in the access log.
    return selectors.session_get(request_clinic(request), saved.pk, log_view=False)


@router.post(
    "/patients/{id}/sessions",
    response={201: SessionOut, **_errors(400, 404, 409, 422)},
    summary="Log en superviseret session for patienten på en dato",
)
def session_create(request: HttpRequest, id: Id, payload: SessionIn) -> Status[SessionOut]:
    """As the session log stores it: the entries copy exercise, family, level and prescribed dose.

    One supervised session per patient and date: a second one for the same date is a 409 that
    names the existing session (change it with PUT). Without `plan_id`, the patient's current
    plan.
    """
    patient = records_selectors.patient_get(request_clinic(request), id, log_view=False)
    plan = _plan(request, patient, payload.plan_id, records_selectors.plan_current(patient))
    session = _save(request, payload, patient=patient, plan=plan, when=payload.date, version=0)
    return Status(201, session_out(session))


@router.put(
    "/sessions/{id}",
    response={200: SessionOut, **_errors(400, 404, 409, 422)},
    summary="Ret en superviseret session (alle felter; datoen ligger fast)",
)
def session_update(request: HttpRequest, id: Id, payload: SessionUpdateIn) -> SessionOut:
    """`version` is required; the edit is refused (409) if someone saved the session since.

    The entries and events given replace the stored ones. A home session (the patient's app) is
    not changed here: 409.
    """
    existing = selectors.session_get(request_clinic(request), id, log_view=False)
    if existing.kind != SessionKind.SUPERVISED:
        raise ConflictError(_("En hjemmetræning fra patientens app kan ikke rettes her."))
    patient = existing.patient
    plan = _plan(request, patient, payload.plan_id, existing.plan)
    session = _save(
        request,
        payload,
        patient=patient,
        plan=plan,
        when=existing.date,
        version=payload.version,
        existing=existing,
    )
    return session_out(session)

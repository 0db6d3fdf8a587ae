"""Views of the session log: the form for a patient and a date, and a saved session with its note.

Thin: the form (forms.SessionLog) in, the save service and the selectors out. The patient is read
first through records' scoped selector, so another clinic's id is a 404 whatever the method.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from osteofys.rules.limits import EARLIEST_DATE
from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action
from osteofys.web.audit.selectors import latest_change
from osteofys.web.progress.presenters import PlanProgress
from osteofys.web.records import selectors as records
from osteofys.web.records.models import Patient, Plan
from osteofys.web.training import presenters, selectors, services
from osteofys.web.training.forms import SessionLog
from osteofys.web.training.models import TrainingSession

METHODS = ["GET", "HEAD", "POST"]
# ?dato=YYYY-MM-DD picks the day of the form.
DAY_PARAM = "dato"


def parse_day(raw: str | None) -> tuple[date, str]:
    """The day asked for (ISO), or today with a Danish error when it is not a date we take.

    A day after today is refused here: the form logs what was done (an excused absence ahead
    of time is for the class screen and the API).
    """
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        day = date.fromisoformat(str(raw)[:10]) if len(str(raw)) == 10 else None
    except ValueError:
        day = None
    if day is None or day < EARLIEST_DATE:
        return today, _("Datoen skal skrives som ÅÅÅÅ-MM-DD, fx %(today)s.") % {
            "today": today.isoformat()
        }
    if day > today:
        return today, _("Datoen kan ikke ligge efter i dag (%(today)s).") % {
            "today": date_format(today, "j. F Y")
        }
    return day, ""


def _saved_by(session: TrainingSession) -> str:
    change = latest_change(session.clinic_id, "trainingsession", session.pk)
    if change is None or change.user is None:
        return ""
    when = date_format(timezone.localtime(change.at), "j. F Y H:i")
    who = change.user.first_name or change.user.username
    return _("Gemt af %(who)s %(when)s.") % {"who": who, "when": when}


def _page(
    request: HttpRequest,
    patient: Patient,
    plan: Plan | None,
    log: SessionLog | None,
    *,
    day: date,
    status: int = 200,
    day_error: str = "",
    conflict: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "log": log,
        "day": day,
        "day_text": presenters.long_date(day),
        "today": timezone.localdate(),
        "day_error": day_error,
        "conflict": conflict,
        "existing": log.session if log is not None else None,
    }
    return render(request, "training/session_log.html", context, status=status)


@login_required
def session_log(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's session log for a day: GET shows the form (today or ?dato=), POST saves."""
    patient = records.patient_get(clinic_of(request.user), patient_id)
    if request.method not in METHODS:
        return HttpResponseNotAllowed(METHODS)
    posted = request.method == "POST"
    day, day_error = parse_day(request.POST.get("date") if posted else request.GET.get(DAY_PARAM))
    session = selectors.session_for_day(patient, day)
    plan = session.plan if session is not None else records.plan_current(patient)
    if plan is None:
        return _page(request, patient, None, None, day=day, status=400 if posted else 200)
    if session is not None and not posted:
        audit.record(Action.VIEW, session)  # the form shows what was stored that day
    items = services.plan_items_in_order(plan)
    if posted and day_error:
        # The posted date is broken: nothing is saved, the form for today keeps what was typed.
        log = SessionLog(items=items, day=day, data=_with_day(request.POST, day), session=session)
        log.is_valid()
        return _page(request, patient, plan, log, day=day, status=400, day_error=day_error)
    log = SessionLog(items=items, day=day, data=request.POST if posted else None, session=session)
    if not posted:
        return _page(
            request,
            patient,
            plan,
            log,
            day=day,
            status=400 if day_error else 200,
            day_error=day_error,
        )
    if not log.is_valid():
        return _page(request, patient, plan, log, day=day, status=400)
    try:
        saved = services.session_save(
            patient=patient,
            plan=plan,
            user=request.user,  # type: ignore[arg-type]
            **log.save_values(),
        )
    except services.SessionInputError as refused:
        log.add_service_errors(refused.errors)
        return _page(request, patient, plan, log, day=day, status=400)
    except services.EditConflict as conflict:
        return _conflict(request, patient, plan, day, conflict)
    messages.success(request, _("Sessionen er gemt."))
    return redirect("training:session_detail", session_id=saved.pk)


def _with_day(data: QueryDict, day: date, version: int | None = None) -> QueryDict:
    copy = data.copy()
    copy["date"] = day.isoformat()
    if version is not None:
        copy["version"] = str(version)
    return copy


def _conflict(
    request: HttpRequest,
    patient: Patient,
    plan: Plan,
    day: date,
    conflict: services.EditConflict,
) -> HttpResponse:
    """Someone saved this day's session first: the form again with what this user typed.

    The form now carries the stored version, so saving again is a deliberate overwrite.
    """
    current = selectors.session_for_day(patient, day)
    version = current.version if current is not None else 0
    data = _with_day(request.POST, day, version)
    items = services.plan_items_in_order(current.plan if current is not None else plan)
    log = SessionLog(items=items, day=day, data=data, session=current)
    log.is_valid()
    text = _(
        "En anden har gemt en session for patienten denne dag, mens du skrev. Det, du har "
        "skrevet, er bevaret herunder; gem igen for at erstatte den gemte."
    )
    if current is not None:
        text = f"{text} {_saved_by(current)}"
    return _page(request, patient, plan, log, day=day, status=409, conflict=text)


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """A saved session with its journal note (copy to the record system, or the PDF)."""
    session = selectors.session_get(clinic_of(request.user), session_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    note = presenters.session_note(session)
    context = {
        "session": session,
        "patient": session.patient,
        "note": note,
        "edit_day": session.date.isoformat(),
        "is_supervised": session.kind == "supervised",
        # Issue 16, item 2: the progression suggestions made from this session (progress app).
        "progression": PlanProgress(
            session.plan, session_id=session.pk, back=request.get_full_path()
        ),
    }
    return render(request, "training/session_detail.html", context)

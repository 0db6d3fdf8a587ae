"""Views of group classes (hold). Thin: forms in, services and selectors out.

Every view looks the class up (scoped to the user's clinic) before it checks the method or reads
anything posted, so another clinic's class id is a 404 whatever the method.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.classes import presenters, selectors, services
from osteofys.web.classes.forms import (
    AttendanceForm,
    ClassForm,
    EnrolForm,
    TestDayForm,
    attendance_field_name,
)
from osteofys.web.training import selectors as training_selectors
from osteofys.web.training import services as training
from osteofys.web.training.forms import SessionLog
from osteofys.web.training.models import Attendance, TrainingClass


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    page = selectors.class_list(clinic_of(request.user), request.GET.get("side", 1))
    context = {"page": page, "rows": presenters.class_rows(page)}
    return render(request, "classes/class_list.html", context)


@login_required
def class_create(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request.user)
    initial = {"therapist": request.user.pk, "weeks": 8, "start_date": timezone.localdate()}
    form = ClassForm(request.POST or None, clinic_id=clinic.pk, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = services.class_create(
            clinic=clinic,
            user=request.user,  # type: ignore[arg-type]
            data=form.cleaned_data,
        )
        messages.success(request, _("Holdet er oprettet."))
        return redirect("classes:class_detail", class_id=created.pk)
    return render(request, "classes/class_form.html", {"form": form})


@login_required
def class_edit(request: HttpRequest, class_id: int) -> HttpResponse:
    clinic = clinic_of(request.user)
    training_class = selectors.class_get(clinic, class_id)
    form = ClassForm(
        request.POST or None, clinic_id=clinic.pk, initial=ClassForm.initial_from(training_class)
    )
    context: dict[str, Any] = {"form": form, "cls": training_class}
    if request.method == "POST" and form.is_valid():
        try:
            services.class_update(
                training_class=training_class,
                data=form.cleaned_data,
                version=form.cleaned_data.get("version"),
            )
        except services.EditConflict as conflict:
            return _class_conflict(request, conflict, clinic.pk)
        messages.success(request, _("Holdet er gemt."))
        return redirect("classes:class_detail", class_id=training_class.pk)
    return render(request, "classes/class_form.html", context)


def _class_conflict(
    request: HttpRequest, conflict: services.EditConflict, clinic_id: int
) -> HttpResponse:
    current = conflict.current
    if current is None:
        raise Http404
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = ClassForm(data, clinic_id=clinic_id)
    context = {"form": form, "cls": current, "conflict": True}
    return render(request, "classes/class_form.html", context, status=409)


def _class_page(
    request: HttpRequest, training_class: TrainingClass, enrol_form: EnrolForm | None = None
) -> dict[str, Any]:
    clinic = clinic_of(request.user)
    dates = selectors.class_dates(training_class)
    participants = selectors.participants(training_class)
    counts = selectors.attendance_counts(training_class)
    logged = selectors.logged_dates(training_class)
    query = request.GET.get("q", "")[:200] if request.method == "GET" else ""
    candidates = selectors.enrol_candidates(clinic, training_class, query) if query else []
    return {
        "cls": training_class,
        "schedule_text": presenters.schedule_text(training_class, dates),
        "schedule": presenters.schedule_rows(training_class, dates, logged),
        "next_date": presenters.next_date(dates),
        "test_days": selectors.test_days(dates),
        "rows": presenters.participant_rows(participants, counts, dates),
        "full": len(participants) >= selectors.MAX_PARTICIPANTS,
        "max_participants": selectors.MAX_PARTICIPANTS,
        "query": query,
        "candidates": candidates,
        "enrol_form": enrol_form,
    }


@login_required
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    return render(request, "classes/class_detail.html", _class_page(request, training_class))


@login_required
def enrol(request: HttpRequest, class_id: int) -> HttpResponse:
    """Put a patient of the clinic on the class (POST `patient`: the patient's id)."""
    clinic = clinic_of(request.user)
    training_class = selectors.class_get(clinic, class_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = EnrolForm(request.POST, clinic_id=clinic.pk)
    if not form.is_valid():
        # Another clinic's patient id is not a choice: it is never looked up, nor named.
        context = _class_page(request, training_class, enrol_form=form)
        return render(request, "classes/class_detail.html", context, status=400)
    patient = form.cleaned_data["patient"]
    try:
        services.enrolment_create(training_class=training_class, patient=patient)
    except services.ClassFullError as full:
        form.add_error("patient", str(full))
        context = _class_page(request, training_class, enrol_form=form)
        return render(request, "classes/class_detail.html", context, status=400)
    messages.success(request, _("%(name)s er tilmeldt holdet.") % {"name": patient.name})
    return redirect("classes:class_detail", class_id=training_class.pk)


@login_required
def unenrol(request: HttpRequest, class_id: int, patient_id: int) -> HttpResponse:
    """Take a participant off the class (POST). Their enrolment and sessions are kept."""
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    enrolment = selectors.enrolment_get(training_class, patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.enrolment_end(enrolment=enrolment)
    messages.success(
        request, _("%(name)s er meldt ud af holdet.") % {"name": enrolment.patient.name}
    )
    return redirect("classes:class_detail", class_id=training_class.pk)


@login_required
def test_day(request: HttpRequest, class_id: int, day: str) -> HttpResponse:
    """The re-tests of the whole class on its first or last session date."""
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    when = selectors.parse_day(training_class, day)
    if when not in selectors.test_days(selectors.class_dates(training_class)):
        raise Http404
    participants = selectors.participants(training_class, on=when)
    patients = [p.patient for p in participants]
    stored = selectors.day_retests([p.pk for p in patients], when)
    future = when > timezone.localdate()
    posted = request.POST if request.method == "POST" and not future else None
    form = TestDayForm(patients, when, stored, posted)
    if posted is not None and form.is_valid():
        saved = services.test_day_save(
            user=request.user,  # type: ignore[arg-type]
            day=when,
            entries=form.entries(),
        )
        messages.success(request, _("%(n)d testresultater er gemt.") % {"n": len(saved)})
        return redirect("classes:test_day", class_id=training_class.pk, day=day)
    status = 400 if request.method == "POST" else 200
    context = {
        "cls": training_class,
        "day": when,
        "iso": day,
        "first": when == selectors.class_dates(training_class)[0],
        "future": future,
        "future_text": _("Testdagen er %(day)s. Resultaterne kan gemmes fra den dag.")
        % {"day": date_format(when, "j. F Y")},
        "columns": presenters.test_columns(),
        "form": form,
    }
    return render(request, "classes/test_day.html", context, status=status)


def _day_context(
    request: HttpRequest,
    training_class: TrainingClass,
    when: date,
    *,
    posted: Any = None,
    open_patient: int | None = None,
) -> dict[str, Any]:
    """The day screen: the participants, their attendance form, and (open) one participant's log.

    Every participant shown is logged as a view (selectors.participants).
    """
    dates = selectors.class_dates(training_class)
    participants = selectors.participants(training_class, on=when)
    sessions = training_selectors.sessions_for_day([p.patient for p in participants], when)
    rows = presenters.day_rows(training_class, participants, sessions)
    choosable = [r for r in rows if r["can_log"]]
    form = AttendanceForm(
        posted,
        patient_ids=[r["patient"].pk for r in choosable],
        names={r["patient"].pk: r["patient"].name for r in choosable},
        initial={attendance_field_name(r["patient"].pk): r["attendance"] for r in choosable},
    )
    for r in rows:
        r["field"] = form[attendance_field_name(r["patient"].pk)] if r["can_log"] else None
        r["open"] = r["patient"].pk == open_patient
    today = timezone.localdate()
    return {
        "cls": training_class,
        "day": when,
        "iso": when.isoformat(),
        "position": presenters.session_position(dates, when),
        "test_day": when in selectors.test_days(dates),
        "future": when > today,
        "today": when == today,
        "rows": rows,
        "attendance_form": form,
        "unset": sum(1 for r in choosable if not r["attendance"]),
    }


@login_required
def day(request: HttpRequest, class_id: int, day: str) -> HttpResponse:
    """One session date of the class: attendance for all, and each participant's log in turn."""
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    when = selectors.parse_day(training_class, day)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(request, "classes/day.html", _day_context(request, training_class, when))


@login_required
def attendance(request: HttpRequest, class_id: int, day: str) -> HttpResponse:
    """Save the attendance of the day (POST): Mødt, Meldt afbud or Udeblevet per participant.

    "Alle øvrige mødt" (`alle`) marks everyone not yet registered and not chosen as attended.
    """
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    when = selectors.parse_day(training_class, day)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    context = _day_context(request, training_class, when, posted=request.POST)
    form: AttendanceForm = context["attendance_form"]
    if not form.is_valid():
        return render(request, "classes/day.html", context, status=400)
    chosen = form.chosen()
    rows = {r["patient"].pk: r for r in context["rows"] if r["can_log"]}
    if request.POST.get("alle"):
        for pid, r in rows.items():
            if pid not in chosen and not r["attendance"]:
                chosen[pid] = Attendance.ATTENDED
    choices = [
        services.AttendanceChoice(
            patient=rows[pid]["patient"],
            plan=rows[pid]["plan"],
            attendance=value,
            session=rows[pid]["session"],
        )
        for pid, value in chosen.items()
        if pid in rows
    ]
    try:
        saved = services.attendance_save(
            training_class=training_class,
            user=request.user,  # type: ignore[arg-type]
            day=when,
            choices=choices,
        )
    except services.AttendanceError as refused:
        for pid, message in refused.errors.items():
            form.add_error(attendance_field_name(pid), f"{rows[pid]['patient'].name}: {message}")
        return render(request, "classes/day.html", context, status=400)
    messages.success(
        request,
        _("Fremmøde er gemt (%(n)d ændret).") % {"n": len(saved)}
        if saved
        else _("Fremmødet er uændret."),
    )
    return redirect("classes:day", class_id=training_class.pk, day=day)


@login_required
def participant_log(request: HttpRequest, class_id: int, day: str, patient_id: int) -> HttpResponse:
    """The day screen with one participant's log open: their plan as the form (POST saves it).

    After a save, the next participant's log opens: the therapist goes through the class in turn.
    """
    training_class = selectors.class_get(clinic_of(request.user), class_id)
    when = selectors.parse_day(training_class, day)
    context = _day_context(request, training_class, when, open_patient=patient_id)
    rows = [r for r in context["rows"] if r["can_log"]]
    row = next((r for r in rows if r["patient"].pk == patient_id), None)
    if row is None:
        raise Http404  # not on the class that day (or of another clinic), or nothing to log by
    session = row["session"]
    plan = session.plan if session is not None else row["plan"]
    posted = request.POST if request.method == "POST" else None
    log = SessionLog(
        items=training.plan_items_in_order(plan),
        day=when,
        data=posted,
        session=session,
        prefix=f"p{patient_id}",
    )
    row["log"] = log
    # Next: the following participants not registered as away (excused or absent) today.
    away = (Attendance.EXCUSED, Attendance.ABSENT)
    following = [r for r in rows[rows.index(row) + 1 :] if r["attendance"] not in away]
    row["next_name"] = following[0]["patient"].name if following else ""
    context["open_log"] = True
    if posted is not None and log.is_valid():
        values = log.save_values()
        if values["when"] != when:
            return HttpResponseBadRequest(_("Datoen passer ikke til holdets gang."))
        try:
            training.session_save(
                patient=row["patient"],
                plan=plan,
                user=request.user,  # type: ignore[arg-type]
                training_class=training_class,
                **values,
            )
        except training.SessionInputError as refused:
            log.add_service_errors(refused.errors)
        except training.EditConflict:
            log.form.add_error(None, services.CONFLICT_MESSAGE)
        else:
            messages.success(request, _("Gemt for %(name)s.") % {"name": row["patient"].name})
            if following:
                pid = following[0]["patient"].pk
                target = reverse(
                    "classes:participant_log",
                    kwargs={"class_id": class_id, "day": day, "patient_id": pid},
                )
                return redirect(f"{target}#deltager-{pid}")
            return redirect("classes:day", class_id=class_id, day=day)
    status = 400 if posted is not None else 200
    return render(request, "classes/day.html", context, status=status)

"""Views for patients, assessments, plans and re-tests. Thin: forms in, services and selectors out.

POST-only views look the object up before checking the method, so another clinic's id is a 404
whatever the method: nothing tells an outsider that the object exists.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.progress import adherence
from osteofys.web.records import clinical, conflicts, presenters, selectors, services
from osteofys.web.records.cpr import masked
from osteofys.web.records.forms import (
    AssessmentForm,
    DecisionForm,
    DoseForm,
    FractureFormSet,
    PatientForm,
    RetestForm,
    posted_version,
)
from osteofys.web.records.models import Assessment, Patient, Plan


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """The clinic's patients, searched by name or birth date, or by CPR number.

    Name or birth date come by GET ?q= or POST from the search box; a CPR number by POST only: the
    number never enters a URL, the history or a log.
    """
    if request.method == "POST":
        return _patient_search(request)
    query = request.GET.get("q", "")
    if selectors.looks_like_cpr(query):
        # Not searched and not echoed (the page would repeat its own address, in the language
        # switch): to the plain list, which says to use the search box.
        messages.error(
            request,
            _(
                "Et CPR-nummer kan ikke søges via adressen, for så gemmes det i browserens"
                " historik. Skriv det i søgefeltet."
            ),
        )
        return redirect("records:patient_list")
    return _patient_page_list(
        request, query=query, page=request.GET.get("side", 1), sort=_sort(request.GET)
    )


def _sort(data: QueryDict) -> str:
    """The list's order from `sorter` (navn | opmaerksomhed); anything else: by name."""
    sort = data.get("sorter", "")
    return sort if sort in selectors.SORTS else selectors.SORT_NAME


def _list_address(query: str, sort: str) -> str:
    """The list's address for a search and an order (the default order is left out)."""
    target = reverse("records:patient_list")
    params = {k: v for k, v in (("q", query), ("sorter", sort)) if v and v != selectors.SORT_NAME}
    return f"{target}?{urlencode(params)}" if params else target


def _patient_search(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("q", "").strip()
    sort = _sort(request.POST)
    cpr = selectors.cpr_complete(query)
    if cpr is not None:
        return _patient_page_list(request, cpr=cpr, shown=masked(cpr), push="", sort=sort)
    if selectors.looks_like_cpr(query):
        # The start of a CPR number while it is being typed: its birth date part is searched.
        return _patient_page_list(request, query=query[:6], push="", sort=sort)
    if not request.headers.get("HX-Request"):
        # A name or birth date without JavaScript: to the address that shows it (bookmarkable).
        return redirect(_list_address(query, sort))
    return _patient_page_list(request, query=query, push=query, sort=sort)


def _patient_page_list(
    request: HttpRequest,
    *,
    query: str = "",
    page: int | str = 1,
    cpr: str | None = None,
    shown: str | None = None,
    push: str | None = None,
    sort: str = selectors.SORT_NAME,
) -> HttpResponse:
    """The list page or (for htmx) its rows.

    `shown` is the search as the page repeats it and `push` the search the browser's address bar
    gets (htmx): for a CPR number neither is the number.
    """
    page_ = selectors.patient_list(clinic_of(request.user), query, page, cpr=cpr, sort=sort)
    context = {
        "page": page_,
        "rows": presenters.patient_rows(list(page_.object_list)),
        "query": query if shown is None else shown,
        "search_value": "" if cpr is not None else query,
        "sort": sort,
        "sorts": presenters.list_sorts(sort, "" if cpr is not None else query),
    }
    template = (
        "records/_patient_rows.html"
        if request.headers.get("HX-Request")
        else "records/patient_list.html"
    )
    response = render(request, template, context)
    # The rows fragment and the full page share a URL: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    if cpr is not None:
        add_never_cache_headers(response)
    if push is not None and request.headers.get("HX-Request"):
        response["HX-Push-Url"] = _list_address(push, sort)
    return response


@login_required
def patient_create(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request.user)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(clinic=clinic, data=form.cleaned_data)
        messages.success(request, _("Patienten er oprettet."))
        return redirect("records:patient_detail", patient_id=patient.pk)
    return render(request, "records/patient_form.html", {"form": form})


@login_required
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    # The form writes what was typed into its instance: the page keeps the stored patient.
    form = PatientForm(request.POST or None, instance=copy.copy(patient))
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                patient=patient, data=form.cleaned_data, version=form.cleaned_data["version"]
            )
        except services.EditConflict as conflict:
            return _patient_conflict(request, conflict)
        messages.success(request, _("Patienten er gemt."))
        return redirect("records:patient_detail", patient_id=patient.pk)
    return render(request, "records/patient_form.html", {"form": form, "patient": patient})


def _rebound(request: HttpRequest, version: int) -> Any:
    """The posted data as typed, carrying the stored version.

    Saving again is a deliberate overwrite of what the other user saved.
    """
    data = request.POST.copy()
    data["version"] = str(version)
    return data


def _patient_conflict(request: HttpRequest, conflict: services.EditConflict) -> HttpResponse:
    current = conflict.current
    if not isinstance(current, Patient):
        raise Http404  # deleted while being edited
    form = PatientForm(_rebound(request, current.version), instance=copy.copy(current))
    context = {"form": form, "patient": current, "conflict": conflicts.patient(current)}
    return render(request, "records/patient_form.html", context, status=409)


def _patient_page(
    request: HttpRequest, patient: Patient, retest_form: RetestForm
) -> dict[str, Any]:
    latest = selectors.assessment_latest(patient)
    change = presenters.category_change(latest, selectors.retest_list(patient)) if latest else None
    plan = selectors.plan_current(patient)
    series = selectors.test_series(patient)
    # Issue 16, items 4 and 5: the training block (weeks, ratings, flags; logged) and re-tests due.
    found = adherence.adherence_get(
        clinic_of(request.user), patient, plan=plan, last_results=adherence.last_days(series)
    )
    return {
        "patient": patient,
        "timeline": selectors.timeline(patient),
        "latest": latest,
        "plan": plan,
        "charts": presenters.charts(series, sex=patient.sex),
        "change": change,
        "retest_form": retest_form,
        "training": presenters.training(found),
        "retest_due": presenters.retest_due_text(
            next((f.retest for f in found.flags if f.retest is not None), None)
        ),
    }


@login_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    context = _patient_page(request, patient, RetestForm(initial={"date": timezone.localdate()}))
    return render(request, "records/patient_detail.html", context)


# "Ny vurdering?kladde=fortsaet" shows the user's draft instead of the fresh form.
DRAFT_CONTINUE = "fortsaet"


def _draft_data(fields: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        data.setlist(name, [str(v) for v in values])
    return data


def _assessment_forms(
    data: QueryDict | None, start: presenters.AssessmentStart
) -> tuple[AssessmentForm, Any]:
    """The form and fracture rows: fresh from `start`, or bound to `data` (posted or a draft).

    Bound forms get `start` as initial too, so the fields still holding it stay marked.
    """
    if data is None:
        form = AssessmentForm(initial=start.initial)
        return form, FractureFormSet(initial=start.fractures, prefix="brud")
    form = AssessmentForm(data, initial=start.initial)
    return form, FractureFormSet(data, initial=start.fractures, prefix="brud")


def _evaluate(
    form: AssessmentForm, formset: Any, patient: Patient
) -> tuple[dict[str, Any] | None, clinical.Evaluated | None]:
    """Build the case and run the core. Field errors (types, ranges, dates) land on the form."""
    if not (form.is_valid() and formset.is_valid()):
        return None, None
    fractures = [
        f.as_case() for f in formset.forms if f.as_case() and not f.cleaned_data.get("DELETE")
    ]
    case = form.to_case(patient, fractures)
    final = form.cleaned_data.get("final_category") or None
    evaluated = clinical.evaluate(
        case, final_category=final, hirit=form.cleaned_data.get("hirit", False)
    )
    presenters.attach_issues(form, formset, evaluated)
    return case, evaluated


def _assessment_save(
    request: HttpRequest, patient: Patient, form: AssessmentForm, formset: Any
) -> tuple[HttpResponse | None, clinical.Evaluated | None]:
    """Save a posted assessment, or put its errors on the form (then no response)."""
    case, evaluated = _evaluate(form, formset, patient)
    if case is None or evaluated is None or evaluated.document is None:
        return None, evaluated
    try:
        assessment = services.assessment_record_case(
            patient=patient,
            user=request.user,  # type: ignore[arg-type]
            case=case,
            final_category=form.cleaned_data.get("final_category") or None,
            override_reason=form.cleaned_data.get("override_reason", ""),
            hirit=form.cleaned_data.get("hirit", False),
        )
    except services.OverrideReasonMissingError as missing:
        form.add_error("override_reason", str(missing))
        return None, evaluated
    except services.CaseRejectedError:
        return None, evaluated  # the acute-phase decision's refusal is already on its field
    messages.success(request, _("Vurderingen er gemt."))
    return redirect("records:assessment_detail", assessment_id=assessment.pk), evaluated


@login_required
def assessment_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request.user)
    # Logged as a view of the patient; that entry also covers showing a restored draft.
    patient = selectors.patient_get(clinic, patient_id)
    start = presenters.assessment_initial(patient, selectors.assessment_latest(patient))
    draft = selectors.draft_get(clinic, request.user, patient) if request.method == "GET" else None
    restore = draft is not None and request.GET.get("kladde") == DRAFT_CONTINUE
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if draft is not None and restore:
        data = _draft_data(draft.fields)
    form, formset = _assessment_forms(data, start)
    evaluated = None
    # Enter in a field posts the form through its hidden first button: shown again, not saved.
    enter_pressed = request.method == "POST" and bool(request.POST.get("enter_pressed"))
    if enter_pressed:
        _, evaluated = _evaluate(form, formset, patient)
    elif request.method == "POST":
        response, evaluated = _assessment_save(request, patient, form, formset)
        if response is not None:
            return response
    presenters.mark_prefilled(form, start)
    context = {
        "patient": patient,
        "form": form,
        "formset": formset,
        "start": start,
        # Offered in a banner until continued or discarded; once continued, "restored".
        "draft": None if restore else draft,
        "restored": draft if restore else None,
        "started": timezone.now().isoformat(),
        "enter_pressed": enter_pressed,
        "result": presenters.result(evaluated.document)
        if evaluated and evaluated.document
        else None,
    }
    return render(request, "records/assessment_form.html", context)


def _started(raw: str) -> datetime | None:
    """When the form page was rendered (its hidden `draft_started`), or None if unreadable."""
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return when if timezone.is_aware(when) else None


def _keep_draft(request: HttpRequest, patient: Patient, form: AssessmentForm) -> None:
    """Keep what is typed as the user's draft, once the user has typed something.

    `draft_touched` is set by assessment.js at the first change: the panel's first request on
    load is not a draft, and must not replace one that is being offered (without JavaScript
    there is no live request at all). A live request that arrives after this page's form was
    saved (the last change races the save button) would bring the deleted draft back: skipped.
    """
    if request.POST.get("draft_touched") != "1":
        return
    started = _started(request.POST.get("draft_started", ""))
    if started and selectors.assessment_saved_since(patient, request.user, started):
        return
    fields = services.draft_fields(request.POST, frozenset(form.fields))
    services.draft_save(patient=patient, user=request.user, fields=fields)  # type: ignore[arg-type]


@login_required
def assessment_live(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The live result panel (htmx): the suggestion for what is typed so far.

    What is typed is also kept as the user's draft. The assessment itself is not saved here.

    Neither the panel nor the draft is logged: this runs half a second after every keystroke,
    which would flood the access log, and opening the form was logged already. Continuing or
    discarding a draft is logged (as a view of the patient, by the page that does it).
    """
    patient = selectors.patient_get(clinic_of(request.user), patient_id, log_view=False)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form, formset = AssessmentForm(request.POST), FractureFormSet(request.POST, prefix="brud")
    _, evaluated = _evaluate(form, formset, patient)
    _keep_draft(request, patient, form)
    errors = presenters.error_list(form, formset)
    result = presenters.result(evaluated.document) if evaluated and evaluated.document else None
    return render(
        request, "records/_result.html", {"result": result, "errors": errors, "live": True}
    )


@login_required
def assessment_draft_discard(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Throw away the user's draft and start the new assessment afresh (POST)."""
    # The patient read is logged (patient_get): the access log shows the clinician at the
    # patient's record; the audit codes have no "draft" detail (adding one needs a migration).
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.draft_delete(patient=patient, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Kladden er kasseret."))
    return redirect("records:assessment_create", patient_id=patient.pk)


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(clinic_of(request.user), assessment_id)
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "result": presenters.result(assessment.result),
        "plans": assessment.plans.order_by("-created_at", "-id"),
        # After an override there are several plans: the page says which one is in use.
        "current_plan": selectors.plan_current(assessment.patient),
    }
    return render(request, "records/assessment_detail.html", context)


@login_required
def assessment_decide(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Change the chosen category and its reason on a stored assessment."""
    assessment = selectors.assessment_get(clinic_of(request.user), assessment_id)
    initial = {
        "final_category": assessment.final_category or assessment.suggested_category,
        "override_reason": assessment.override_reason,
        "version": assessment.version,
    }
    form = DecisionForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"assessment": assessment, "patient": assessment.patient}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.assessment_decide(
                assessment=assessment,
                user=request.user,  # type: ignore[arg-type]
                final_category=data["final_category"],
                override_reason=data["override_reason"],
                version=data["version"],
            )
        except services.EditConflict as conflict:
            return _decision_conflict(request, conflict, context)
        except services.OverrideReasonMissingError as missing:
            form.add_error("override_reason", str(missing))
        except services.KnowledgeChangedError:
            form.add_error(
                "final_category",
                _(
                    "Vurderingen er lavet med en anden udgave af videnbasen, så planen kan ikke "
                    "laves om her. Lav en ny vurdering for at vælge en anden kategori."
                ),
            )
        else:
            messages.success(
                request,
                _("Beslutningen er gemt, og der er lavet en ny træningsplan.")
                if plan
                else _("Beslutningen er gemt."),
            )
            return redirect("records:assessment_detail", assessment_id=assessment.pk)
    return render(request, "records/assessment_decision.html", {**context, "form": form})


def _decision_conflict(
    request: HttpRequest, conflict: services.EditConflict, context: dict[str, Any]
) -> HttpResponse:
    current = conflict.current
    if not isinstance(current, Assessment):
        raise Http404  # deleted while being edited
    form = DecisionForm(_rebound(request, current.version))
    context.update(form=form, assessment=current, conflict=conflicts.assessment(current))
    return render(request, "records/assessment_decision.html", context, status=409)


@login_required
def gp_letter(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(clinic_of(request.user), assessment_id)
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "letter": presenters.gp_letter(assessment),
        "today": timezone.localdate(),
    }
    return render(request, "records/gp_letter.html", context)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    context = presenters.plan_page(plan, show_all=request.GET.get("alle") == "1")
    return render(request, "records/plan_detail.html", context)


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def plan_done(
    request: HttpRequest, plan: Plan, message: str, parts: list[tuple[str, dict[str, Any]]]
) -> HttpResponse:
    """An edit made in place (htmx): the changed parts and the message for the live region.

    Every form still on the page gets the plan's new version too, so the next edit is not taken for
    someone else's.
    """
    html = "".join(render_to_string(t, {"plan": plan, **c}, request) for t, c in parts)
    html += render_to_string("records/_plan_status.html", {"message": message}, request)
    response = HttpResponse(html)
    response["HX-Trigger"] = json.dumps({"osteofys:plan-version": {"version": plan.version}})
    return response


def _plan_add_part(plan: Plan, posted: Any) -> tuple[str, dict[str, Any]]:
    """The add section as an out-of-band part, keeping what was chosen and typed there."""
    context = presenters.plan_page(plan, show_all=posted.get("alle") == "1")
    return "records/_plan_add.html", {**context, "posted": posted, "oob": True}


@login_required
def plan_item_remove(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = next((i for i in plan.items.all() if i.pk == item_id), None)
    try:
        services.plan_item_remove(plan=plan, item_id=item_id, version=posted_version(request.POST))
    except services.EditConflict:
        name = conflicts.exercise_name(item.exercise) if item else ""
        return plan_conflict(request, plan, _("Fjern %(name)s") % {"name": name})
    message = _("Øvelsen er fjernet fra planen.")
    if not _htmx(request):
        messages.success(request, message)
        return redirect("records:plan_detail", plan_id=plan.pk)
    plan = selectors.plan_get(clinic_of(request.user), plan.pk)
    # The row goes (an empty answer replaces it); a domain left empty says so; the exercise can
    # be added again.
    parts = [_plan_add_part(plan, request.POST.copy())]
    if item and not any(i.domain == item.domain for i in plan.items.all()):
        parts.append(
            (
                "records/_plan_domain.html",
                {"group": presenters.plan_group(plan, item.domain), "oob": True},
            )
        )
    return plan_done(request, plan, message, parts)


def _dose_errors(form: DoseForm) -> str:
    return _("Dosis blev ikke gemt: ") + "; ".join(
        f"{form.fields[f].label if f in form.fields else f}: {' '.join(str(m) for m in e)}"
        for f, e in form.errors.items()
    )


@login_required
def plan_item_dose(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = next((i for i in plan.items.all() if i.pk == item_id), None)
    form = DoseForm(request.POST)
    if item is None or not form.is_valid():
        if item is not None and _htmx(request):
            # In place: the row with its form open, what was typed and the error.
            row = presenters.plan_row(item)
            typed = {k: request.POST.get(k) or None for k in form.fields}
            row.update(form=DoseForm(initial=typed), open=True, error=_dose_errors(form))
            html = render_to_string("records/_plan_row.html", {"plan": plan, "row": row}, request)
            return HttpResponse(html, status=400)
        messages.error(request, _dose_errors(form))
        return redirect("records:plan_detail", plan_id=plan.pk)
    try:
        services.plan_item_dose(
            plan=plan, item_id=item_id, dose=form.dose(), version=posted_version(request.POST)
        )
    except services.EditConflict:
        change = _("Dosis for %(name)s: %(dose)s") % {
            "name": conflicts.exercise_name(item.exercise),
            "dose": conflicts.dose_words(form.dose()),
        }
        return plan_conflict(request, plan, change, typed_dose=(item_id, form.dose()))
    message = _("Dosis er gemt.")
    if not _htmx(request):
        messages.success(request, message)
        return redirect("records:plan_detail", plan_id=plan.pk)
    plan = selectors.plan_get(clinic_of(request.user), plan.pk)
    saved = next(i for i in plan.items.all() if i.pk == item_id)
    row = {**presenters.plan_row(saved), "focus": True}
    return plan_done(request, plan, message, [("records/_plan_row.html", {"row": row})])


@login_required
def plan_item_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    exercise_id = request.POST.get("exercise", "")
    try:
        added = services.plan_item_add(
            plan=plan,
            exercise_id=exercise_id,
            confirmed=bool(request.POST.get("confirm")),
            precaution_note=request.POST.get("precaution_note", ""),
            version=posted_version(request.POST),
        )
    except (services.ExerciseNotOfferedError, services.PrecautionNotConfirmedError) as refused:
        # Show the page again with what was chosen and written: nothing typed is lost.
        context = presenters.plan_page(plan, show_all=True)
        context.update(add_error=str(refused), posted=request.POST)
        template = "records/_plan_add.html" if _htmx(request) else "records/plan_detail.html"
        return render(request, template, context, status=400)
    except services.EditConflict:
        name = conflicts.exercise_name(exercise_id)
        return plan_conflict(request, plan, _("Tilføj %(name)s") % {"name": name})
    message = _("Øvelsen er tilføjet.")
    if not _htmx(request):
        messages.success(request, message)
        return redirect("records:plan_detail", plan_id=plan.pk)
    plan = selectors.plan_get(clinic_of(request.user), plan.pk)
    context = presenters.plan_page(plan, show_all=request.POST.get("alle") == "1")
    group = presenters.plan_group(plan, added.domain)
    name = conflicts.exercise_name(added.exercise)
    parts = [
        ("records/_plan_add.html", {**context, "focus": True}),
        (
            "records/_plan_domain.html",
            {"group": group, "oob": True, "added": added.exercise},
        ),
    ]
    return plan_done(request, plan, f"{message} {name}", parts)


def plan_conflict(
    request: HttpRequest,
    stale: Plan,
    change: str,
    typed_dose: tuple[int, dict[str, Any]] | None = None,
) -> HttpResponse:
    """The plan as stored now, with what this user tried kept. Nothing was saved.

    The add form is shown as posted, a typed dose in its row's form. In place (htmx) the plan's part
    of the page is replaced by it, with the same banner.
    """
    plan = selectors.plan_get(clinic_of(request.user), stale.pk)
    context = presenters.plan_page(plan, show_all=True)
    for row in (r for g in context["groups"] for r in g["rows"]):
        if typed_dose and row["item"].pk == typed_dose[0]:
            row.update(form=DoseForm(initial=DoseForm.initial_from(typed_dose[1])), open=True)
    context.update(posted=request.POST, conflict=conflicts.plan(plan, change))
    if _htmx(request):
        response = render(request, "records/_plan_body.html", context, status=409)
        response["HX-Retarget"] = "#plan-body"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Trigger"] = json.dumps({"osteofys:plan-version": {"version": plan.version}})
        return response
    return render(request, "records/plan_detail.html", context, status=409)


@login_required
def retest_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RetestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.retest_record(
            patient=patient,
            user=request.user,  # type: ignore[arg-type]
            test=data["test"],
            when=data["date"],
            value=data.get("value"),
            unable=data.get("unable", False),
        )
        messages.success(request, _("Gentest er gemt."))
        return redirect("records:patient_detail", patient_id=patient.pk)
    # The page again with the form as typed and its errors.
    context = _patient_page(request, patient, form)
    return render(request, "records/patient_detail.html", context, status=400)

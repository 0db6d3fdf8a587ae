"""Views for patients, assessments, plans and re-tests. Thin: forms in, services and selectors out.

POST-only views look the object up before checking the method, so another clinic's id is a 404
whatever the method: nothing tells an outsider that the object exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.records import clinical, presenters, selectors, services
from osteofys.web.records.forms import (
    AssessmentForm,
    DoseForm,
    FractureFormSet,
    PatientForm,
    RetestForm,
)
from osteofys.web.records.models import Patient


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request.user)
    query = request.GET.get("q", "")
    page = selectors.patient_list(clinic, query, request.GET.get("side", 1))
    context = {"page": page, "query": query}
    template = (
        "records/_patient_rows.html"
        if request.headers.get("HX-Request")
        else "records/patient_list.html"
    )
    response = render(request, template, context)
    # The rows fragment and the full page share a URL: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
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
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.patient_update(patient=patient, data=form.cleaned_data)
        messages.success(request, _("Patienten er gemt."))
        return redirect("records:patient_detail", patient_id=patient.pk)
    return render(request, "records/patient_form.html", {"form": form, "patient": patient})


def _patient_page(patient: Patient, retest_form: RetestForm) -> dict[str, Any]:
    latest = selectors.assessment_latest(patient)
    change = presenters.category_change(latest, selectors.retest_list(patient)) if latest else None
    return {
        "patient": patient,
        "timeline": selectors.timeline(patient),
        "latest": latest,
        "plan": selectors.plan_current(patient),
        "charts": presenters.charts(selectors.test_series(patient)),
        "change": change,
        "retest_form": retest_form,
    }


@login_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    context = _patient_page(patient, RetestForm(initial={"date": timezone.localdate()}))
    return render(request, "records/patient_detail.html", context)


def _assessment_forms(request: HttpRequest, patient: Patient) -> tuple[AssessmentForm, Any]:
    if request.method == "POST":
        return AssessmentForm(request.POST), FractureFormSet(request.POST, prefix="brud")
    initial = presenters.assessment_initial(patient, selectors.assessment_latest(patient))
    fractures = initial.pop("_fractures", [])
    return AssessmentForm(initial=initial), FractureFormSet(initial=fractures, prefix="brud")


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


@login_required
def assessment_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    form, formset = _assessment_forms(request, patient)
    evaluated = None
    if request.method == "POST":
        case, evaluated = _evaluate(form, formset, patient)
        if case is not None and evaluated is not None and evaluated.document is not None:
            suggested = evaluated.document["category"] or ""
            final = form.cleaned_data.get("final_category") or suggested
            reason = form.cleaned_data.get("override_reason", "").strip()
            if final != suggested and not reason:
                form.add_error(
                    "override_reason",
                    _("Skriv en begrundelse, når du vælger en anden kategori end forslaget."),
                )
            else:
                assessment = services.assessment_record(
                    patient=patient,
                    user=request.user,  # type: ignore[arg-type]
                    case=case,
                    evaluated=clinical.evaluate(
                        case,
                        final_category=final or None,
                        hirit=form.cleaned_data.get("hirit", False),
                    ),
                    final_category=final,
                    override_reason=reason,
                )
                messages.success(request, _("Vurderingen er gemt."))
                return redirect("records:assessment_detail", assessment_id=assessment.pk)
    context = {
        "patient": patient,
        "form": form,
        "formset": formset,
        "result": presenters.result(evaluated.document)
        if evaluated and evaluated.document
        else None,
    }
    return render(request, "records/assessment_form.html", context)


@login_required
def assessment_live(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The live result panel (htmx): the suggestion for what is typed so far. Nothing is saved."""
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form, formset = AssessmentForm(request.POST), FractureFormSet(request.POST, prefix="brud")
    _, evaluated = _evaluate(form, formset, patient)
    errors = presenters.error_list(form, formset)
    result = presenters.result(evaluated.document) if evaluated and evaluated.document else None
    return render(
        request, "records/_result.html", {"result": result, "errors": errors, "live": True}
    )


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(clinic_of(request.user), assessment_id)
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "result": presenters.result(assessment.result),
        "plans": assessment.plans.all(),
    }
    return render(request, "records/assessment_detail.html", context)


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


@login_required
def plan_item_remove(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.plan_item_remove(plan=plan, item_id=item_id)
    messages.success(request, _("Øvelsen er fjernet fra planen."))
    return redirect("records:plan_detail", plan_id=plan.pk)


@login_required
def plan_item_dose(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = next((i for i in plan.items.all() if i.pk == item_id), None)
    form = DoseForm(request.POST)
    if item is None or not form.is_valid():
        messages.error(
            request,
            _("Dosis blev ikke gemt: ")
            + "; ".join(
                f"{form.fields[f].label if f in form.fields else f}: {' '.join(str(m) for m in e)}"
                for f, e in form.errors.items()
            ),
        )
        return redirect("records:plan_detail", plan_id=plan.pk)
    services.plan_item_dose(plan=plan, item_id=item_id, dose=form.dose())
    messages.success(request, _("Dosis er gemt."))
    return redirect("records:plan_detail", plan_id=plan.pk)


@login_required
def plan_item_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    outcome = presenters.add_exercise(plan, request.POST)
    if outcome.error:
        # Show the page again with what was chosen and written: nothing typed is lost.
        context = presenters.plan_page(plan, show_all=True)
        context.update(add_error=outcome.error, posted=request.POST)
        return render(request, "records/plan_detail.html", context, status=400)
    services.plan_item_add(plan=plan, **outcome.values)
    messages.success(request, _("Øvelsen er tilføjet."))
    return redirect("records:plan_detail", plan_id=plan.pk)


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
    return render(request, "records/patient_detail.html", _patient_page(patient, form), status=400)

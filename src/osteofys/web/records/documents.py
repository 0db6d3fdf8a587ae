"""PDF downloads: the patient handout of a plan and the GP letter of an assessment.

Both are made from what was stored (the result document of that day, the plan as the clinician
edited it, the names), never recomputed with today's knowledge base. The file name holds database
ids and a date only: never a name or a CPR number. Both carry the clinic's logo and contact
details as the clinic has them today (they are the clinic's letterhead, not part of the record).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone

from osteofys.documents import (
    gp_letter_data,
    gp_letter_pdf,
    handout_data,
    handout_pdf,
    with_logo,
)
from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.records import clinical, selectors
from osteofys.web.records.models import Assessment, Patient, Plan

LANGUAGES = ("da", "en")
# Looked up before the method is checked: another clinic's id is a 404 whatever the method.
SAFE = ["GET", "HEAD"]


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Health data: not for shared caches, nor the browser's back/forward cache.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def plan_handout(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The patient handout of a stored plan, in the UI language or `?sprog=da|en`."""
    clinic = clinic_of(request.user)
    plan = selectors.plan_get(clinic, plan_id)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    wanted = request.GET.get("sprog", "")
    lang = wanted if wanted in LANGUAGES else clinical.lang()
    today = timezone.localdate()
    return _pdf(handout_export(plan, clinic, lang, today), handout_filename(plan, today, lang))


def handout_export(plan: Plan, clinic: Clinic, lang: str, today: date) -> bytes:
    """The handout as handed out: rendered, and logged as an export of the plan."""
    content = handout_render(plan, clinic, lang, today)
    audit.record(Action.EXPORT, plan, detail=Detail.HANDOUT)
    return content


# The handout's file name in its own language: the English one is not saved as "træningsprogram".
HANDOUT_NAMES = {"da": "traeningsprogram", "en": "training-programme"}


def handout_filename(plan: Plan, today: date, lang: str = "da") -> str:
    return f"{HANDOUT_NAMES.get(lang, HANDOUT_NAMES['da'])}-{plan.pk}-{today.isoformat()}.pdf"


def _contact(clinic: Clinic) -> dict[str, str]:
    return {"address": clinic.address, "phone": clinic.phone, "email": clinic.email}


def _letterhead(data: dict[str, object], clinic: Clinic) -> dict[str, object]:
    """The document's data with the clinic's logo (bytes from the database, never a path)."""
    return with_logo(data, bytes(clinic.logo) if clinic.logo else None, clinic.logo_type)


def handout_render(plan: Plan, clinic: Clinic, lang: str, today: date) -> bytes:
    """The patient handout of a stored plan (not logged: the caller logs what it hands out)."""
    data = handout_data(
        clinical.base(),
        result=plan.assessment.result,
        items=[
            {"exercise": i.exercise, "domain": i.domain, "dose": i.dose, "supervised": i.supervised}
            for i in plan.items.all()
        ],
        clinic=clinic.name,
        contact=_contact(clinic),
        patient=plan.patient.name,
        when=today,
        category=plan.assessment.final_category or None,
        exercise_set=plan.exercise_set,
        acute_advice=plan.acute_advice,
        lang=lang,
    )
    return handout_pdf(_letterhead(data, clinic))


@login_required
def assessment_gp_letter(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The GP letter (Danish) of a stored assessment, signed by the clinician who made it."""
    clinic = clinic_of(request.user)
    assessment = selectors.assessment_get(clinic, assessment_id)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    today = timezone.localdate()
    return _pdf(gp_letter_export(assessment, clinic, today), gp_letter_filename(assessment, today))


def gp_letter_export(assessment: Assessment, clinic: Clinic, today: date) -> bytes:
    """The GP letter as handed out: rendered, and logged as an export of the assessment."""
    content = gp_letter_render(assessment, clinic, today)
    audit.record(Action.EXPORT, assessment, detail=Detail.GP_LETTER)
    return content


def gp_letter_filename(assessment: Assessment, today: date) -> str:
    return f"laegebrev-{assessment.pk}-{today.isoformat()}.pdf"


def gp_letter_render(assessment: Assessment, clinic: Clinic, today: date) -> bytes:
    """The GP letter of a stored assessment (not logged: the caller logs what it hands out)."""
    patient = assessment.patient
    author = assessment.created_by
    data = gp_letter_data(
        clinical.base(),
        result=assessment.result,
        inputs=assessment.inputs,
        clinic={"name": clinic.name, **_contact(clinic)},
        gp=gp_of(patient),
        patient={
            "name": patient.name,
            "birth_date": patient.birth_date,
            "sex": patient.sex,
            "cpr": patient.cpr,
        },
        clinician=author.get_full_name() or author.username,
        when=today,
        category=assessment.final_category or None,
        lang="da",
    )
    return gp_letter_pdf(_letterhead(data, clinic))


def gp_of(patient: Patient) -> dict[str, str]:
    """The patient's own doctor as recorded (blank fields where nothing is)."""
    return {
        "name": patient.gp_name,
        "clinic": patient.gp_clinic,
        "address": patient.gp_address,
        "phone": patient.gp_phone,
    }

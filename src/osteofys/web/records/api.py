"""The records API: evaluate a case, patients, assessments, plans, PDFs and FHIR.

Thin, like the views: every read goes through records.selectors (scoped to the caller's clinic:
another clinic's id is a 404) and every write through records.services.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, P, PathEx, QueryEx, Router, Status

from osteofys.fhir.importing import FhirImportError
from osteofys.kb.explain import words
from osteofys.rules.result import write_result
from osteofys.web.accounts.api import request_clinic, request_user
from osteofys.web.api_errors import (
    ConflictError,
    ErrorOut,
    FieldError,
    InputError,
    from_case_issues,
    from_form_errors,
)
from osteofys.web.records import clinical, documents, interop, selectors, services
from osteofys.web.records.api_schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentSummary,
    CaseBody,
    FhirImportOut,
    FhirResource,
    IgnoredOut,
    PatientIn,
    PatientOut,
    PatientPage,
    PatientUpdateIn,
    PlanOut,
    ResultDocument,
    assessment_out,
    assessment_summary,
    patient_out,
    patient_row,
    plan_out,
)
from osteofys.web.records.forms import PatientForm
from osteofys.web.records.models import Patient

router = Router()

Lang = Literal["da", "en"]
# Above a 64-bit integer the database cannot even compare: a 422 instead of an overflow.
MAX_ID = 2**63 - 1
Id = PathEx[int, P(ge=1, le=MAX_ID, description="Databasens id.")]


def _errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """Every error an operation can answer with: 401 always, 403 for a session without CSRF."""
    return dict.fromkeys((401, 403, *codes), ErrorOut)


def _lang(requested: str | None) -> str:
    return requested or clinical.lang()


# --- stateless evaluation ------------------------------------------------------------------


@router.post(
    "/evaluate",
    response={200: ResultDocument, **_errors(400, 422)},
    tags=["Vurdering uden journal"],
    summary="Vurdér en case uden at gemme noget",
)
def evaluate(
    request: HttpRequest,
    case: Body[CaseBody],
    hirit: QueryEx[
        bool, P(description="Åbn for HiRIT ved træningsaktiv med hensyn (P13).")
    ] = False,
    lang: QueryEx[
        Lang | None, P(description="Sprog for begrundelser; ellers Accept-Language.")
    ] = None,
) -> dict[str, Any]:
    """A case in the case format in, the result format of `osteofys assess --json` out."""
    evaluated = clinical.evaluate(case, hirit=hirit)
    if evaluated.assessment is None or evaluated.document is None:
        raise InputError(from_case_issues(evaluated.issues))
    wanted = _lang(lang)
    if wanted == "da":
        return evaluated.document
    return write_result(evaluated.assessment, words(clinical.base(), wanted))


# --- patients ------------------------------------------------------------------------------

_PATIENT_RANGES = {
    f: "{:g}–{:g}".format(*clinical.base().knowledge.input_ranges[f"patient.{f}"])
    for f in ("height_cm", "weight_kg")
}


def _valid_patient_form(payload: PatientIn, instance: Patient | None = None) -> PatientForm:
    """The web form's own checks (ranges, CPR format, birth date not in the future), reused."""
    data = payload.model_dump(exclude={"version"})
    data["birth_date"] = payload.birth_date.isoformat()
    data = {k: ("" if v is None else v) for k, v in data.items()}
    form = PatientForm(data=data, instance=instance)
    if not form.is_valid():
        raise InputError(from_form_errors(form.errors, _PATIENT_RANGES))
    return form


@router.get(
    "/patients",
    response={200: PatientPage, **_errors(422)},
    tags=["Patienter"],
    summary="Klinikkens patienter, 25 pr. side, søgning på navn eller fødselsdato",
)
def patient_list(
    request: HttpRequest,
    q: QueryEx[
        str,
        P(
            max_length=200,
            description=(
                "Del af navnet, eller fødselsdatoen som DDMMÅÅ. Et CPR-nummer finder ingen:"
                " det må ikke stå i en URL."
            ),
        ),
    ] = "",
    page: QueryEx[int, P(ge=1, le=2**31, description="Sidenummer; for stort: sidste side.")] = 1,
) -> PatientPage:
    # PostgreSQL refuses NUL in a LIKE pattern; no name contains one anyway.
    found = selectors.patient_list(request_clinic(request), q.replace("\x00", ""), page)
    return PatientPage(
        items=[patient_row(p) for p in found.object_list],
        count=found.paginator.count,
        page=found.number,
        pages=found.paginator.num_pages,
        page_size=found.paginator.per_page,
    )


@router.post(
    "/patients",
    response={201: PatientOut, **_errors(400, 422)},
    tags=["Patienter"],
    summary="Opret en patient",
)
def patient_create(request: HttpRequest, payload: PatientIn) -> Status[PatientOut]:
    form = _valid_patient_form(payload)
    patient = services.patient_create(clinic=request_clinic(request), data=form.cleaned_data)
    return Status(201, patient_out(patient))


@router.get(
    "/patients/{id}",
    response={200: PatientOut, **_errors(404, 422)},
    tags=["Patienter"],
    summary="Én patient (CPR kun maskeret)",
)
def patient_get(request: HttpRequest, id: Id) -> PatientOut:
    return patient_out(selectors.patient_get(request_clinic(request), id))


@router.put(
    "/patients/{id}",
    response={200: PatientOut, **_errors(400, 404, 409, 422)},
    tags=["Patienter"],
    summary="Ret en patient",
)
def patient_update(request: HttpRequest, id: Id, payload: PatientUpdateIn) -> PatientOut:
    """`version` is required; the edit is refused (409) if someone saved the patient since."""
    patient = selectors.patient_get(request_clinic(request), id)
    form = _valid_patient_form(payload, instance=patient)
    try:
        services.patient_update(patient=patient, data=form.cleaned_data, version=payload.version)
    except services.EditConflict as exc:
        raise ConflictError(
            _("Patienten er gemt af en anden, siden du hentede den. Hent den igen og ret derefter.")
        ) from exc
    return patient_out(patient)


# --- assessments ---------------------------------------------------------------------------


def _mismatch(field: str) -> FieldError:
    return FieldError(
        field=field,
        problem="mismatch",
        message=_("Stemmer ikke med patientens journal. Udelad feltet, så bruges journalens."),
    )


def _case_for(patient: Patient, given: dict[str, Any]) -> dict[str, Any]:
    """The case with the patient's birth date and sex from the record, as the web form does.

    Height and weight too when the case leaves them out.
    """
    case = copy.deepcopy(given)
    person = case.setdefault("patient", {})
    if person is None:
        person = case["patient"] = {}
    if not isinstance(person, dict):
        return case  # the core names the problem
    record = {"birth_date": patient.birth_date.isoformat(), "sex": patient.sex}
    wrong = [f"patient.{k}" for k, v in record.items() if person.get(k) not in (None, v)]
    if wrong:
        raise InputError([_mismatch(f) for f in wrong])
    person.update(record)
    for field in ("height_cm", "weight_kg"):
        if field not in person and getattr(patient, field) is not None:
            person[field] = getattr(patient, field)
    return case


@router.post(
    "/patients/{id}/assessments",
    response={201: AssessmentOut, **_errors(400, 404, 422)},
    tags=["Vurderinger"],
    summary="Gem en vurdering af patienten (og træningsplanen)",
)
def assessment_create(request: HttpRequest, id: Id, payload: AssessmentIn) -> Status[AssessmentOut]:
    """Stored as the web form stores it.

    Inputs, suggestion, the chosen category with its reason, the knowledge-base version and the
    trace; the plan is made from the chosen category.
    """
    patient = selectors.patient_get(request_clinic(request), id)
    case = _case_for(patient, payload.case)
    try:
        assessment = services.assessment_record_case(
            patient=patient,
            user=request_user(request),
            case=case,
            final_category=payload.final_category,
            override_reason=payload.override_reason,
            hirit=payload.hirit,
        )
    except services.CaseRejectedError as rejected:
        raise InputError(from_case_issues(rejected.issues, prefix="case.")) from None
    except services.OverrideReasonMissingError as missing:
        raise InputError(
            [FieldError(field="override_reason", problem="required", message=str(missing))]
        ) from None
    return Status(201, assessment_out(assessment))


@router.get(
    "/patients/{id}/assessments",
    response={200: list[AssessmentSummary], **_errors(404, 422)},
    tags=["Vurderinger"],
    summary="Patientens vurderinger, nyeste først",
)
def assessment_list(request: HttpRequest, id: Id) -> list[AssessmentSummary]:
    patient = selectors.patient_get(request_clinic(request), id)
    return [assessment_summary(a) for a in selectors.assessment_list(patient)]


@router.get(
    "/assessments/{id}",
    response={200: AssessmentOut, **_errors(404, 422)},
    tags=["Vurderinger"],
    summary="Én gemt vurdering: input, resultat og valg",
)
def assessment_get(request: HttpRequest, id: Id) -> AssessmentOut:
    return assessment_out(selectors.assessment_get(request_clinic(request), id))


_PDF = {
    200: {
        "description": "PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/assessments/{id}/gp-letter.pdf",
    response=_errors(404, 422),
    tags=["Vurderinger"],
    summary="Lægebrevet (PDF, dansk)",
    openapi_extra={"responses": _PDF},
)
def assessment_gp_letter(request: HttpRequest, id: Id) -> HttpResponse:
    return documents.assessment_gp_letter(request, assessment_id=id)


# --- plans ---------------------------------------------------------------------------------


@router.get(
    "/plans/{id}",
    response={200: PlanOut, **_errors(404, 422)},
    tags=["Træningsplaner"],
    summary="Én træningsplan med øvelser og doser",
)
def plan_get(request: HttpRequest, id: Id) -> PlanOut:
    return plan_out(selectors.plan_get(request_clinic(request), id))


@router.get(
    "/plans/{id}/handout.pdf",
    response=_errors(404, 422),
    tags=["Træningsplaner"],
    summary="Patienthæftet (PDF)",
    openapi_extra={"responses": _PDF},
)
def plan_handout(
    request: HttpRequest,
    id: Id,
    sprog: QueryEx[Lang | None, P(description="da eller en; ellers brugerens sprog.")] = None,
) -> HttpResponse:
    # The web view reads `sprog` from the query string itself; declared here for the docs.
    return documents.plan_handout(request, plan_id=id)


# --- FHIR ----------------------------------------------------------------------------------


@router.get(
    "/patients/{id}/fhir",
    response={200: FhirResource, **_errors(404, 422)},
    tags=["FHIR"],
    summary="Patienten som FHIR R4 Bundle (uden CPR-nummer, medmindre cpr=full)",
)
def fhir_export(
    request: HttpRequest,
    id: Id,
    lang: QueryEx[Lang | None, P(description="Sprog for tekster; ellers Accept-Language.")] = None,
    cpr: QueryEx[
        Literal["full"] | None,
        P(
            description=(
                "`full`: det fulde CPR-nummer som Patient.identifier (til et andet "
                "sundhedssystem); logges som udtræk med fuldt CPR-nummer. Udeladt: intet CPR."
            )
        ),
    ] = None,
) -> dict[str, Any]:
    """Patient, the latest assessment's observations and conditions, and the current plan.

    The full CPR number only when asked for (`?cpr=full`): an explicit, logged choice.
    """
    patient = selectors.patient_get(request_clinic(request), id)
    try:
        return interop.fhir_bundle(patient, lang=_lang(lang), full_cpr=cpr == "full")
    except interop.NothingToExportError as nothing:
        raise ConflictError(str(nothing)) from None


def _fhir_errors(exc: FhirImportError) -> list[FieldError]:
    """What was wrong with the Bundle, then why each entry was left out."""
    first = FieldError(field="body", problem="fhir", message=exc.message, allowed="FHIR R4 Bundle")
    return [first] + [
        FieldError(field=f"entry[{i.index}]", problem="ignored", message=i.reason)
        for i in exc.ignored
    ]


@router.post(
    "/patients/{id}/fhir",
    response={201: FhirImportOut, **_errors(400, 404, 422)},
    tags=["FHIR"],
    summary="Importér DXA-målinger (Bundle af Observations) som en ny vurdering",
)
def fhir_import(request: HttpRequest, id: Id, bundle: Body[FhirResource]) -> Status[FhirImportOut]:
    """A new assessment dated today, with the imported DXA and the latest assessment's inputs.

    Without an earlier assessment, the other inputs come from the patient record only.
    """
    patient = selectors.patient_get(request_clinic(request), id)
    try:
        imported = interop.dxa_record(patient, request_user(request), bundle)
    except FhirImportError as exc:
        raise InputError(_fhir_errors(exc)) from exc
    except services.CaseRejectedError as rejected:  # e.g. a DXA date after today
        raise InputError(from_case_issues(rejected.issues)) from None
    return Status(
        201,
        FhirImportOut(
            assessment=assessment_summary(imported.assessment),
            dxa=imported.dxa,
            used=imported.used,
            ignored=[
                IgnoredOut(index=i.index, reference=i.reference, reason=i.reason)
                for i in imported.ignored
            ],
            based_on_assessment_id=imported.based_on,
        ),
    )

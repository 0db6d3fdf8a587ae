"""Request and response schemas of the records API, and the conversions from the stored models.

The case and result documents are the exchange formats of case-format.md. Their JSON Schemas here
are built from the same field list and knowledge-base ranges that the clinical core validates
against, so the OpenAPI document cannot drift from what the core accepts.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, assert_never

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, WithJsonSchema
from pydantic_core import PydanticCustomError

from osteofys.kb.explain import dose_text
from osteofys.rules.case import (
    CASE_FORMAT,
    DECISION,
    DECISION_FIELDS,
    DECISION_REQUIRED,
    FRACTURE_FIELDS,
    FRACTURE_REQUIRED,
    REQUIRED,
    UNABLE,
    FieldKind,
    FieldSpec,
    case_fields,
)
from osteofys.rules.limits import MAX_CONDITIONS, MAX_FRACTURES, MAX_REASON_CHARS
from osteofys.rules.model import Dose
from osteofys.rules.result import json_schema as result_schema
from osteofys.rules.result import read_result, to_json
from osteofys.web.records import clinical
from osteofys.web.records.cpr import masked
from osteofys.web.records.models import Assessment, Patient, Plan, PlanItem

Category = Literal[
    "traeningsaktiv",
    "traeningsaktiv_med_hensyn",
    "hverdagsaktiv",
    "hverdagsaktiv_med_hensyn",
    "funktionsbegraenset",
]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # Pydantic would also take a number of seconds since 1970 as a date: a client bug, not a date.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("bad_date", "not a date")
    return value


def _no_nul(value: Any) -> Any:
    # PostgreSQL cannot store NUL in text; say so instead of failing on save.
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("nul_character", "NUL")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, BeforeValidator(_no_nul)]


def _range(path: str) -> dict[str, Any]:
    low, high = clinical.base().knowledge.input_ranges[path]
    return {"minimum": low, "maximum": high}


# --- case and result documents -------------------------------------------------------------


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _kind_schema(path: str, spec: FieldSpec) -> dict[str, Any]:
    match spec.kind:
        case FieldKind.NUMBER:
            return {"type": "number", **_range(path)}
        case FieldKind.INTEGER:
            return {"type": "integer", **_range(path)}
        case FieldKind.NUMBER_OR_UNABLE:
            return {"anyOf": [{"type": "number", **_range(path)}, {"enum": [UNABLE]}]}
        case FieldKind.BOOLEAN:
            return {"type": "boolean"}
        case FieldKind.CHOICE:
            return {"type": "string", "enum": list(spec.values)}
        case FieldKind.DATE:
            return {"type": "string", "format": "date"}
        case FieldKind.TEXT:
            return {"type": "string", "maxLength": MAX_REASON_CHARS}
        case FieldKind.CONDITIONS:
            conditions = sorted(clinical.base().knowledge.conditions)
            return {
                "type": "array",
                "items": {"type": "string", "enum": conditions},
                "maxItems": MAX_CONDITIONS,
            }
        case _:
            assert_never(spec.kind)


def _decision_schema() -> dict[str, Any]:
    """The clinician's acute-phase decision (case `acute_phase_decision`; issue 15, item 6)."""
    properties: dict[str, Any] = {}
    for name, spec in DECISION_FIELDS.items():
        schema = _kind_schema(f"{DECISION}.{name}", spec)
        properties[name] = schema if name in DECISION_REQUIRED else _nullable(schema)
    return {
        "type": "object",
        "description": (
            "Fysioterapeutens beslutning om den akutte fase: `end` (tidligst fra earliest_end, "
            "brud + 12 uger) eller `start` (efter et andet nyligt brud; `site` skal være et "
            "registreret brud), altid med en begrundelse. En beslutning, der ikke kan gennemføres, "
            "afvises med sin grund."
        ),
        "additionalProperties": False,
        "required": list(DECISION_REQUIRED),
        "properties": properties,
    }


def _fracture_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, spec in FRACTURE_FIELDS.items():
        schema = _kind_schema(f"fractures.{name}", spec)
        properties[name] = schema if name in FRACTURE_REQUIRED else _nullable(schema)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(FRACTURE_REQUIRED),
        "properties": properties,
    }


@cache
def case_schema(*, patient_from_record: bool = False) -> dict[str, Any]:
    """JSON Schema of a case (case-format.md).

    With `patient_from_record`, the birth date and sex may be left out: they are taken from the
    patient record.
    """
    sections: dict[str, dict[str, Any]] = {}
    required: dict[str, list[str]] = {}
    for path, spec in case_fields().items():
        section, name = path.split(".", 1)
        schema = _kind_schema(path, spec)
        # A field case JSON must give is never null (the birth date and sex of the patient).
        sections.setdefault(section, {})[name] = schema if path in REQUIRED else _nullable(schema)
        if path in REQUIRED:
            required.setdefault(section, []).append(name)
    properties: dict[str, Any] = {
        "format": {"type": "string", "enum": [CASE_FORMAT]},
        "assessment_date": {"type": "string", "format": "date"},
        "fractures": _nullable(
            {"type": "array", "items": _fracture_schema(), "maxItems": MAX_FRACTURES}
        ),
        DECISION: _nullable(_decision_schema()),
    }
    for section, fields in sections.items():
        body: dict[str, Any] = {"type": "object", "additionalProperties": False}
        body["properties"] = fields
        if section in required and not patient_from_record:
            body["required"] = required[section]
        properties[section] = body if section in required else _nullable(body)
    return {
        "type": "object",
        "title": "Case",
        "description": "Et forløb i case-formatet (case-format.md). `null`: ikke registreret.",
        "additionalProperties": False,
        "required": ["assessment_date"] if patient_from_record else ["assessment_date", "patient"],
        "properties": properties,
    }


CaseBody = Annotated[dict[str, Any], WithJsonSchema(case_schema())]
PatientCase = Annotated[dict[str, Any], WithJsonSchema(case_schema(patient_from_record=True))]
# The result format's own generated schema (rules.result owns the format).
ResultDocument = Annotated[dict[str, Any], WithJsonSchema(result_schema())]


# --- patients ------------------------------------------------------------------------------


class PatientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    birth_date: IsoDate
    sex: Literal["female", "male"]
    height_cm: StrictFloat | None = Field(None, json_schema_extra=_range("patient.height_cm"))
    weight_kg: StrictFloat | None = Field(None, json_schema_extra=_range("patient.weight_kg"))
    cpr: Text | None = Field(
        None,
        max_length=11,
        description=(
            "DDMMÅÅ-XXXX. Sendes fuldt, vises kun maskeret. Udeladt eller tomt ved rettelse: "
            "det gemte nummer beholdes."
        ),
    )
    phone: Text | None = Field(None, max_length=40, description="Patientens telefon.")
    email: Text | None = Field(None, max_length=254, description="Patientens e-mail.")
    gp_name: Text | None = Field(None, max_length=200, description="Egen læges navn.")
    gp_clinic: Text | None = Field(None, max_length=200, description="Egen læges klinik.")
    gp_address: Text | None = Field(
        None, max_length=300, description="Egen læges adresse (lægebrevet sendes dertil)."
    )
    gp_phone: Text | None = Field(None, max_length=40, description="Egen læges telefon.")


class PatientUpdateIn(PatientIn):
    # Required: an edit without it would overwrite whatever was saved since it was read.
    version: int = Field(
        ge=1,
        le=2**31,
        description=(
            "Påkrævet: den hentede version. Er patienten gemt siden, afvises rettelsen (409)."
        ),
    )


class PatientOut(Schema):
    id: int
    name: str
    birth_date: date
    sex: str
    height_cm: float | None
    weight_kg: float | None
    cpr_masked: str = Field(description="DDMMÅÅ-****, eller tom: det fulde nummer sendes aldrig.")
    phone: str
    email: str
    gp_name: str
    gp_clinic: str
    gp_address: str
    gp_phone: str
    version: int
    created_at: datetime
    updated_at: datetime


class PatientRow(Schema):
    id: int
    name: str
    birth_date: date
    sex: str
    cpr_masked: str
    latest_category: str | None
    latest_assessment_date: date | None


class PatientPage(Schema):
    items: list[PatientRow]
    count: int
    page: int
    pages: int
    page_size: int


def patient_out(p: Patient) -> PatientOut:
    return PatientOut(
        id=p.pk,
        name=p.name,
        birth_date=p.birth_date,
        sex=p.sex,
        height_cm=p.height_cm,
        weight_kg=p.weight_kg,
        cpr_masked=masked(p.cpr),
        phone=p.phone,
        email=p.email,
        gp_name=p.gp_name,
        gp_clinic=p.gp_clinic,
        gp_address=p.gp_address,
        gp_phone=p.gp_phone,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def patient_row(p: Any) -> PatientRow:
    return PatientRow(
        id=p.pk,
        name=p.name,
        birth_date=p.birth_date,
        sex=p.sex,
        cpr_masked=masked(p.cpr),
        latest_category=p.latest_category or None,
        latest_assessment_date=p.latest_date,
    )


# --- assessments ---------------------------------------------------------------------------


class AssessmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    case: PatientCase = Field(
        description=(
            "Forløbet i case-formatet. Fødselsdato og køn tages fra patientjournalen; højde og "
            "vægt også, når de er udeladt."
        )
    )
    final_category: Category | None = Field(
        None, description="Den valgte kategori. Udeladt: forslaget."
    )
    override_reason: Text = Field(
        "", max_length=2000, description="Skal udfyldes, når den valgte kategori ikke er forslaget."
    )
    hirit: StrictBool = Field(
        False, description="Åbn for HiRIT ved træningsaktiv med hensyn (superviseret, SPEC P13)."
    )


class AssessmentSummary(Schema):
    id: int
    patient_id: int
    assessment_date: date
    suggested_category: str | None
    final_category: str | None
    overridden: bool
    kb_version: str
    created_at: datetime
    plan_ids: list[int]


class AssessmentOut(AssessmentSummary):
    override_reason: str
    kb_hash: str
    created_by: str
    inputs: CaseBody
    result: ResultDocument


def _summary_fields(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "patient_id": a.patient_id,
        "assessment_date": a.assessment_date,
        "suggested_category": a.suggested_category or None,
        "final_category": a.final_category or None,
        "overridden": a.overridden,
        "kb_version": a.kb_version,
        "created_at": a.created_at,
        "plan_ids": [p.pk for p in a.plans.all()],
    }


def assessment_summary(a: Assessment) -> AssessmentSummary:
    return AssessmentSummary(**_summary_fields(a))


def assessment_out(a: Assessment) -> AssessmentOut:
    author = a.created_by
    return AssessmentOut(
        **_summary_fields(a),
        override_reason=a.override_reason,
        kb_hash=a.kb_hash,
        created_by=author.get_full_name() or author.username,
        inputs=a.inputs,
        result=to_json(read_result(a.result)),  # an earlier version's result in today's keys
    )


# --- plans ---------------------------------------------------------------------------------


class PlanItemOut(Schema):
    id: int
    exercise: str
    name: str
    domain: str
    position: int
    dose: dict[str, int | str | list[int]]
    """Ranges as [min, max]; `intensity` and `progression` name knowledge-base texts."""
    dose_text: str
    supervised: bool
    precaution_confirmed: bool
    precaution_note: str
    pattern: str | None = None
    family: str | None = None
    level: int | None = None
    """The item's place on its family's progression ladder (1 = easiest)."""
    tags: dict[str, str] = {}
    """The safety tags (impact, spinal_flexion, fall_risk, load) the caps are read against."""


class PlanOut(Schema):
    id: int
    patient_id: int
    assessment_id: int
    exercise_set: str
    acute_advice: bool
    caps: dict[str, Any]
    kb_version: str
    version: int
    created_at: datetime
    updated_at: datetime
    items: list[PlanItemOut]
    slots: list[dict[str, Any]] = []
    """What became of each slot of the plan's layout (docs/case-format.md, "The plan")."""
    withheld: list[str] = []
    notes: list[str] = []


def _item_out(i: PlanItem) -> PlanItemOut:
    base, lang = clinical.base(), clinical.lang()
    exercise = base.exercises.get(i.exercise)
    known = base.knowledge.exercise(i.exercise)
    return PlanItemOut(
        id=i.pk,
        exercise=i.exercise,
        name=str(exercise["name"][lang]) if exercise else i.exercise,
        domain=i.domain,
        position=i.position,
        dose=i.dose,
        dose_text=dose_text(Dose.from_dict(i.dose), lang),
        supervised=i.supervised,
        precaution_confirmed=i.precaution_confirmed,
        precaution_note=i.precaution_note,
        pattern=known.pattern.value if known else None,
        family=known.family if known else None,
        level=known.level if known else None,
        tags=dict(known.tags) if known else {},
    )


def plan_out(p: Plan) -> PlanOut:
    return PlanOut(
        id=p.pk,
        patient_id=p.patient_id,
        assessment_id=p.assessment_id,
        exercise_set=p.exercise_set,
        acute_advice=p.acute_advice,
        caps=p.caps,
        kb_version=p.kb_version,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
        items=[_item_out(i) for i in p.items.all()],
        slots=p.slots,
        withheld=p.withheld,
        notes=p.notes,
    )


# --- FHIR ----------------------------------------------------------------------------------

FhirResource = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "description": "En FHIR R4-ressource (her en Bundle) som JSON.",
            "required": ["resourceType"],
            "properties": {"resourceType": {"type": "string"}},
        }
    ),
]


class IgnoredOut(Schema):
    index: int = Field(description="Pladsen i Bundle.entry.")
    reference: str = Field(description="Entry'ens fullUrl eller ResourceType/id, eller tom.")
    reason: str


class FhirImportOut(Schema):
    assessment: AssessmentSummary
    dxa: dict[str, Any]
    used: list[str]
    ignored: list[IgnoredOut]
    based_on_assessment_id: int | None = Field(
        description="Den vurdering, hvis øvrige input blev genbrugt, eller null (ny minimal case)."
    )

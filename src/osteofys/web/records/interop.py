"""FHIR glue between the stored records and the pure `osteofys.fhir` mapping.

From a stored patient, assessment and plan to the mapping, and from an imported DXA Bundle to a new
stored assessment.

The export states what was stored (the result document of that day, the plan as edited), never a
recomputation with today's knowledge base.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from osteofys.fhir.export import (
    CarePlanActivity,
    Progress,
    SessionEvent,
    SessionExercise,
    Subject,
    SupervisedSession,
    bundle,
)
from osteofys.fhir.importing import Ignored, dxa_from_bundle
from osteofys.rules import Case, parse_case
from osteofys.rules.case import CASE_FORMAT
from osteofys.rules.model import Dose
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.progress import selectors as progress_selectors
from osteofys.web.records import clinical, selectors, services
from osteofys.web.records.models import Assessment, Patient, Plan
from osteofys.web.training import selectors as training_selectors
from osteofys.web.training.models import (
    Decision,
    ProgressionDecision,
    SessionKind,
    TrainingSession,
)

# Supervised sessions in one export, newest first: twice a week for five years. Bounds the cost.
MAX_FHIR_SESSIONS = 500


class NothingToExportError(Exception):
    """The patient has no assessment yet, so there is nothing clinical to export.

    The Danish message says so; the API answers it as a conflict.
    """


def fhir_bundle(patient: Patient, *, lang: str, full_cpr: bool = False) -> dict[str, Any]:
    """The patient's latest assessment as a FHIR R4 Bundle, with the current plan's items.

    The supervised sessions come along as Procedures (docs/fhir.md, "Training sessions"), and the
    current plan's items carry their family, level and accepted progression decisions.

    By default the Patient carries name, birth date and sex but no CPR number. With `full_cpr`
    (the caller asked for it explicitly), a recorded CPR number goes in the Patient's identifier
    (urn:oid:1.2.208.176.1.2), for handing the record to another health system that must know
    whose it is; that choice is its own detail code in the access log. A masked number is never
    put in the identifier: under the CPR system it would name nobody. The export is written to
    the access log once the Bundle exists.

    Raises:
        NothingToExportError: the patient has no assessment yet.
    """
    latest = selectors.assessment_latest(patient)
    if latest is None:
        raise NothingToExportError(
            _("Patienten har ingen vurdering endnu: der er intet at eksportere.")
        )
    plan = selectors.plan_current(patient)
    of_latest = plan is not None and plan.assessment_id == latest.pk
    suggested = latest.suggested_category
    doc = bundle(
        Subject(
            id=f"patient-{patient.pk}",
            name=patient.name,
            birth_date=patient.birth_date,
            sex=patient.sex,
            cpr=(patient.cpr or None) if full_cpr else None,
            phone=patient.phone or None,
            email=patient.email or None,
        ),
        stored_case(latest),
        latest.result,
        clinical.base(),
        activities=_activities(plan, lang) if plan and of_latest else None,
        lang=lang,
        final_category=latest.final_category if latest.final_category != suggested else None,
        sessions=_sessions(patient, plan if of_latest else None, lang),
    )
    audit.record(Action.EXPORT, patient, detail=Detail.FHIR_FULL_CPR if full_cpr else Detail.FHIR)
    return doc


def stored_case(assessment: Assessment) -> Case:
    """The stored inputs as a core Case, without checking ranges again.

    They were checked when they were recorded; today's ranges may be narrower, and a stored record
    is exported as it was.
    """
    knowledge = clinical.base().knowledge
    anything = dict.fromkeys(knowledge.input_ranges, (-math.inf, math.inf))
    conditions = (assessment.inputs.get("risk_factors") or {}).get("conditions") or []
    return parse_case(assessment.inputs, anything, knowledge.conditions | frozenset(conditions))


def _activities(plan: Plan, lang: str) -> list[CarePlanActivity]:
    exercises = clinical.base().exercises
    progress = _progress(plan)
    return [
        CarePlanActivity(
            exercise=i.exercise,
            name=str(exercises.get(i.exercise, {}).get("name", {}).get(lang, i.exercise)),
            domain=i.domain,
            dose=Dose.from_dict(i.dose) if i.dose else None,
            supervised=i.supervised,
            family=i.family or None,
            level=i.level,
            progress=tuple(progress.get(i.pk, ())),
        )
        for i in plan.items.all()
    ]


def _progress(plan: Plan) -> dict[int, list[Progress]]:
    """The plan's accepted progression decisions by plan item, oldest first (bounded read)."""
    out: dict[int, list[Progress]] = {}
    for d in reversed(progress_selectors.decision_list(plan)):
        if d.decision == Decision.ACCEPTED and d.plan_item_id is not None:
            out.setdefault(d.plan_item_id, []).append(_progress_of(d))
    return out


def _progress_of(d: ProgressionDecision) -> Progress:
    return Progress(
        when=d.decided_at,
        step=d.step,
        rule=d.rule,
        from_exercise=d.from_exercise,
        to_exercise=d.to_exercise,
        from_level=d.from_level,
        to_level=d.to_level,
        from_dose=Dose.from_dict(d.from_dose) if d.from_dose else None,
        to_dose=Dose.from_dict(d.to_dose) if d.to_dose else None,
        reason=d.reason,
    )


def _sessions(patient: Patient, plan: Plan | None, lang: str) -> list[SupervisedSession]:
    """The patient's supervised sessions (newest MAX_FHIR_SESSIONS), oldest first.

    A session follows the exported CarePlan when it was logged against that plan.
    """
    found = training_selectors.session_list(patient, limit=MAX_FHIR_SESSIONS)
    supervised = [s for s in reversed(found) if s.kind == SessionKind.SUPERVISED]
    return [_session(s, plan, lang) for s in supervised]


def _session(s: TrainingSession, plan: Plan | None, lang: str) -> SupervisedSession:
    texts = clinical.base().texts
    return SupervisedSession(
        key=f"session-{s.pk}",
        date=s.date,
        attendance=s.attendance,
        note=s.note,
        next_time=s.next_time,
        exercises=tuple(
            SessionExercise(
                exercise=e.exercise,
                name=texts.exercise_name(e.exercise, lang),
                **training_selectors.entry_measures(e),
            )
            for e in s.entries.all()
        ),
        events=tuple(
            SessionEvent(kind=e.kind, description=e.description, action=e.action)
            for e in s.events.all()
        ),
        follows_care_plan=plan is not None and s.plan_id == plan.pk,
    )


@dataclass(frozen=True)
class DxaRecorded:
    assessment: Assessment
    dxa: dict[str, Any]
    used: list[str]
    ignored: list[Ignored]
    based_on: int | None  # the assessment whose other inputs were carried over


def dxa_record(patient: Patient, user: User, doc: Any) -> DxaRecorded:
    """Store a new assessment, dated today, with the DXA read from a FHIR Bundle.

    The other inputs are those of the latest assessment (what a clinician would otherwise type
    again), or only the patient record when there is none. The category is the new suggestion.

    Raises:
        FhirImportError: the document holds no usable DXA observation.
        services.CaseRejectedError: the resulting case fails the core's checks (e.g. a DXA date
            after today).
    """
    imported = dxa_from_bundle(doc, clinical.base())
    latest = selectors.assessment_latest(patient)
    case = copy.deepcopy(latest.inputs) if latest else _minimal_case(patient)
    case["assessment_date"] = timezone.localdate().isoformat()
    case["dxa"] = imported.dxa
    assessment = services.assessment_record_case(patient=patient, user=user, case=case)
    return DxaRecorded(
        assessment, imported.dxa, imported.used, imported.ignored, latest.pk if latest else None
    )


def _minimal_case(patient: Patient) -> dict[str, Any]:
    person: dict[str, Any] = {"birth_date": patient.birth_date.isoformat(), "sex": patient.sex}
    for field in ("height_cm", "weight_kg"):
        if getattr(patient, field) is not None:
            person[field] = getattr(patient, field)
    return {"format": CASE_FORMAT, "patient": person}

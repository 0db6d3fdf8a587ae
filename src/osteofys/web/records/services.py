"""Writes of patient records. Each service runs in one transaction.

Edits are optimistic: each takes the `version` the editor loaded and writes only if the row still
has it (`UPDATE ... WHERE id = ? AND version = ?`), else raises `EditConflict` and writes
nothing.
Every service logs itself in the access log as its last step, so that all writers take the row
locks first and the log's chain-head lock last (one lock order: no deadlocks on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from osteofys.rules.model import CAP_SCALES
from osteofys.rules.plan import kept_items, within
from osteofys.rules.result import slot_doc, to_json
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.records import clinical
from osteofys.web.records.clinical import Evaluated
from osteofys.web.records.cpr import digest
from osteofys.web.records.models import (
    Assessment,
    AssessmentDraft,
    Patient,
    Plan,
    PlanItem,
    Retest,
)

CONTACT_FIELDS = ("phone", "email", "gp_name", "gp_clinic", "gp_address", "gp_phone")

PATIENT_FIELDS = ("name", "birth_date", "sex", "height_cm", "weight_kg", "cpr", *CONTACT_FIELDS)
# Text fields are stored blank when not given; the others (dates, numbers) as NULL.
_TEXT_FIELDS = {"cpr", *CONTACT_FIELDS}

# The dose form edits the numbers; these parts of a dose stay with the exercise on an edit.
DOSE_KEPT_ON_EDIT = ("effort", "rest_s", "intensity", "progression")


class EditConflict(Exception):  # noqa: N818 - the name the API and views already use
    """Someone saved the object after this editor loaded it. Nothing was written.

    Attributes:
        current: The object as it is stored now, or None when it was deleted meanwhile.
    """

    def __init__(self, current: Patient | Assessment | Plan | None) -> None:
        super().__init__("the object was changed by someone else")
        self.current = current


class KnowledgeChangedError(Exception):
    """The assessment was made with another knowledge base: its plan cannot be remade."""


def _save_versioned(obj: Patient | Assessment | Plan, version: int | None, **values: Any) -> None:
    """Write `values` only if the row still has `version`, and bump it.

    `version` defaults to the version `obj` was read with. The single UPDATE decides, the same way
    on SQLite and PostgreSQL.
    """
    expected = obj.version if version is None else version
    model = type(obj)
    written = model.objects.filter(pk=obj.pk, version=expected).update(
        version=F("version") + 1, **values
    )
    if not written:
        raise EditConflict(model.objects.filter(pk=obj.pk).first())
    for field, value in values.items():
        setattr(obj, field, value)
    obj.version = expected + 1


@transaction.atomic
def patient_create(*, clinic: Clinic, data: dict[str, Any]) -> Patient:
    patient = Patient.objects.create(clinic=clinic, **_patient_values(data))
    audit.record(Action.CREATE, patient)
    return patient


def _patient_values(data: dict[str, Any]) -> dict[str, Any]:
    """The stored columns, with the CPR number's search digest whenever the number is set.

    So search by CPR compares digests and never reads the number.
    """
    values = {f: data.get(f) or _blank(f) for f in PATIENT_FIELDS}
    values["cpr_digest"] = digest(values["cpr"]) if values["cpr"] else ""
    return values


def _blank(field: str) -> Any:
    return "" if field in _TEXT_FIELDS else None


@transaction.atomic
def patient_update(
    *, patient: Patient, data: dict[str, Any], version: int | None = None
) -> Patient:
    """Save the patient's details if nobody saved them since `version` was loaded.

    Raises:
        EditConflict: The stored version is newer; nothing was written.
    """
    _save_versioned(patient, version, **_patient_values(data), updated_at=timezone.now())
    audit.record(Action.UPDATE, patient)
    return patient


@transaction.atomic
def patient_delete(*, patient: Patient) -> None:
    """Delete the patient and everything recorded about them. The access log keeps its ids."""
    gone = Patient(pk=patient.pk, clinic_id=patient.clinic_id)
    # A plan protects its assessment from deletion; the patient's plans go first.
    Plan.objects.filter(patient_id=patient.pk).delete()
    patient.delete()
    audit.record(Action.DELETE, gone)


class ExerciseNotOfferedError(ValueError):
    """Not an exercise the plan page offers (unknown, or supervised-only)."""

    message = _("Vælg en øvelse fra listen.")


class PrecautionNotConfirmedError(ValueError):
    """The exercise breaks a cap of the case, and the confirmation or its reason is missing."""

    message = _(
        "Øvelsen bryder et hensyn for denne patient (stød, foroverbøjning eller faldrisiko). "
        "Sæt flueben i bekræftelsen og skriv en begrundelse for at tilføje den."
    )


class CaseRejectedError(ValueError):
    """The case fails the core's checks; `issues` names each field and what is allowed."""

    def __init__(self, issues: list[Any]) -> None:
        super().__init__("the case fails the core's checks")
        self.issues = issues


class OverrideReasonMissingError(ValueError):
    """Another category than the suggestion was chosen, without the reason the record needs."""

    message = _("Skriv en begrundelse, når du vælger en anden kategori end forslaget.")


def override_reason_for(final: str, suggested: str, reason: str) -> str:
    """The reason to store with the clinician's choice.

    The reason given when the choice differs from the suggestion (required then), nothing when it
    follows the suggestion.

    Raises:
        OverrideReasonMissingError: another category than the suggestion, without a reason.
    """
    if final == suggested:
        return ""
    reason = reason.strip()
    if not reason:
        raise OverrideReasonMissingError(OverrideReasonMissingError.message)
    return reason


def assessment_record_case(
    *,
    patient: Patient,
    user: User,
    case: dict[str, Any],
    final_category: str | None = None,
    override_reason: str = "",
    hirit: bool = False,
) -> Assessment:
    """The one way a new assessment is recorded (the form, the API, the FHIR import).

    Run the core with the clinician's choice, refuse another category than the suggestion without a
    reason, store. The choice only steers the plan (`confirmed_category`), so one evaluation gives
    both the suggestion and the plan of the chosen category.

    Raises:
        CaseRejectedError: the case fails the core's checks, or its acute-phase decision did not
            take effect.
        OverrideReasonMissingError: a category other than the suggestion without a reason.
    """
    evaluated = clinical.evaluate(case, final_category=final_category or None, hirit=hirit)
    if evaluated.document is None:
        raise CaseRejectedError(evaluated.issues)
    if evaluated.refusals:
        # Issue 15, item 6: an acute-phase decision that did not take effect is never stored
        # as if it had (ending before earliest_end, starting without a recent fracture, ...).
        raise CaseRejectedError(evaluated.refusals)
    suggested = evaluated.document["category"] or ""
    final = final_category or suggested
    reason = override_reason_for(final, suggested, override_reason)
    return assessment_record(
        patient=patient,
        user=user,
        case=case,
        evaluated=evaluated,
        final_category=final,
        override_reason=reason,
    )


@transaction.atomic
def assessment_record(
    *,
    patient: Patient,
    user: User,
    case: dict[str, Any],
    evaluated: Evaluated,
    final_category: str,
    override_reason: str,
) -> Assessment:
    """Store inputs, suggestion, the final choice with its reason, KB version/hash and trace.

    Then make the training plan from the confirmed result.
    """
    if evaluated.assessment is None or evaluated.document is None:
        raise ValueError("only a case that passed validation can be recorded")
    assessment = assessment_row(
        patient=patient,
        user=user,
        case=case,
        document=evaluated.document,
        final_category=final_category,
        override_reason=override_reason,
    )
    assessment.save(force_insert=True)
    plan = evaluated.assessment.plan
    # The draft of this assessment is done with: it is not offered again.
    AssessmentDraft.objects.filter(patient=patient, user=user).delete()
    audit.record(Action.CREATE, assessment)
    if plan is not None:
        audit.record(Action.CREATE, _plan_from(assessment, plan, user))
    return assessment


def assessment_row(
    *,
    patient: Patient,
    user: User,
    case: dict[str, Any],
    document: dict[str, Any],
    final_category: str,
    override_reason: str,
) -> Assessment:
    """The unsaved row of an assessment: what is stored from a case and its result document.

    `assessment_record` saves it; the benchmark seeds thousands with `bulk_create` from it.
    """
    suggested = document["category"] or ""
    return Assessment(
        clinic_id=patient.clinic_id,
        patient=patient,
        assessment_date=date.fromisoformat(case["assessment_date"]),
        inputs=case,
        result=document,
        suggested_category=suggested,
        final_category=final_category,
        override_reason=override_reason if final_category != suggested else "",
        acute_phase_active=document["acute_phase"]["active"],
        referral_recommended=document["referral"]["recommended"],
        kb_version=document["knowledge_version"],
        kb_hash=document["knowledge_hash"],
        created_by=user,
    )


# A draft holds only the assessment form's own fields, each value cut to this length (the longest
# field, the override reason, allows 2000), and at most this many values in all (the form has
# about 60 fields and 20 fracture rows of 4): a bounded row, whatever is posted.
DRAFT_VALUE_LENGTH = 2000
DRAFT_VALUES = 300
_DRAFT_FRACTURE = re.compile(
    r"^brud-(\d{1,2}-(site|date|low_energy|DELETE)|TOTAL_FORMS|INITIAL_FORMS)$"
)
# A CPR number typed into free text (a reason) is masked before a draft is stored.
_CPR_IN_TEXT = re.compile(r"\b(\d{6})-?\d{4}\b")


def draft_fields(posted: Any, names: frozenset[str]) -> dict[str, list[str]]:
    """The posted assessment form as a draft: only the form's fields, and no CPR number.

    The fields are `names` and the fracture rows, never the CSRF token or anything else posted
    along.
    """
    fields: dict[str, list[str]] = {}
    count = 0
    for name, values in posted.lists():
        if name not in names and not _DRAFT_FRACTURE.match(name):
            continue
        kept = [_CPR_IN_TEXT.sub(r"\1-****", v[:DRAFT_VALUE_LENGTH]) for v in values]
        kept = kept[: DRAFT_VALUES - count]
        if kept:
            fields[name] = kept
            count += len(kept)
    return fields


def draft_save(*, patient: Patient, user: User, fields: dict[str, list[str]]) -> None:
    """Keep what the user has typed so far in a new assessment of the patient.

    One draft per user and patient. Not in the access log: it runs on every change while typing (see
    views).

    One statement (INSERT ... ON CONFLICT DO UPDATE, the same on SQLite and PostgreSQL): this
    runs half a second after each keystroke, and two such requests may overlap.
    """
    draft = AssessmentDraft(clinic_id=patient.clinic_id, patient=patient, user=user, fields=fields)
    AssessmentDraft.objects.bulk_create(
        [draft],
        update_conflicts=True,
        unique_fields=["user", "patient"],
        update_fields=["clinic", "fields", "updated_at"],
    )


@transaction.atomic
def draft_delete(*, patient: Patient, user: User) -> None:
    AssessmentDraft.objects.filter(patient=patient, user=user).delete()


@transaction.atomic
def assessment_decide(
    *,
    assessment: Assessment,
    user: User,
    final_category: str,
    override_reason: str,
    version: int | None = None,
) -> Plan | None:
    """Change the clinician's choice of category and its reason on a stored assessment.

    A new category gets a new plan (earlier plans are kept), made from the stored inputs with the
    same knowledge base; HiRIT stays as chosen then (it was chosen if the plan had it).

    Returns:
        The new plan, or None when the category did not change or the core made no plan.

    Raises:
        EditConflict: The assessment was changed since `version` was loaded; nothing was
            written.
        KnowledgeChangedError: The category changed but the knowledge base is no longer the one
            the assessment was made with, so its plan cannot be remade; nothing was written.
        OverrideReasonMissingError: another category than the suggestion, without a reason;
            nothing was written.
    """
    reason = override_reason_for(final_category, assessment.suggested_category, override_reason)
    core_plan = None
    if final_category != assessment.final_category:
        core_plan = _core_plan(assessment, final_category)
    _save_versioned(assessment, version, final_category=final_category, override_reason=reason)
    audit.record(Action.UPDATE, assessment, detail=Detail.DECISION)
    if core_plan is None:
        return None
    plan = _plan_from(assessment, core_plan, user)
    audit.record(Action.CREATE, plan)
    return plan


def _core_plan(assessment: Assessment, final_category: str) -> Any:
    hirit = PlanItem.objects.filter(plan__assessment=assessment, supervised=True).exists()
    evaluated = clinical.evaluate(assessment.inputs, final_category=final_category, hirit=hirit)
    if evaluated.document is None or evaluated.assessment is None:
        raise KnowledgeChangedError("the stored inputs no longer pass validation")
    if evaluated.document["knowledge_hash"] != assessment.kb_hash:
        raise KnowledgeChangedError("the knowledge base changed since the assessment")
    return evaluated.assessment.plan


def _plan_from(assessment: Assessment, core_plan: Any, user: User) -> Plan:
    plan = plan_row(assessment, core_plan, user)
    plan.save(force_insert=True)
    PlanItem.objects.bulk_create(plan_items_for(plan, core_plan))
    return plan


def plan_row(assessment: Assessment, core_plan: Any, user: User) -> Plan:
    """The unsaved plan row for the core's plan of an assessment (see `assessment_row`)."""
    return Plan(
        clinic_id=assessment.clinic_id,
        patient_id=assessment.patient_id,
        assessment=assessment,
        exercise_set=core_plan.exercise_set.value,
        acute_advice=core_plan.acute_advice,
        caps=dict(core_plan.caps),
        slots=[to_json(slot_doc(s)) for s in core_plan.slots],
        withheld=list(core_plan.withheld),
        notes=list(core_plan.notes),
        kb_version=assessment.kb_version,
        created_by=user,
    )


def plan_items_for(plan: Plan, core_plan: Any) -> list[PlanItem]:
    """Unsaved plan items for the core's plan, as the core says a plan is kept."""
    return [PlanItem(plan=plan, **dataclasses.asdict(item)) for item in kept_items(core_plan)]


@transaction.atomic
def plan_item_remove(*, plan: Plan, item_id: int, version: int | None = None) -> None:
    """Remove an exercise from the plan.

    Raises:
        EditConflict: The plan was changed since `version` was loaded; nothing was written.
    """
    plan_bump(plan, version)
    plan.items.filter(pk=item_id).delete()
    audit.record(Action.UPDATE, plan, detail=Detail.ITEM_REMOVE)


def plan_caps(plan: Plan) -> dict[str, str]:
    """The caps the plan was made with (impact, spinal flexion, fall risk), as the core reads."""
    return {k: v for k, v in plan.caps.items() if k in CAP_SCALES}


@transaction.atomic
def plan_item_add(
    *,
    plan: Plan,
    exercise_id: str,
    confirmed: bool = False,
    precaution_note: str = "",
    version: int | None = None,
) -> PlanItem:
    """Add a knowledge-base exercise to the plan, with its default dose for the plan's exercise set.

    The plan's caps hold here, whoever calls: an exercise that breaks one (impact, spinal flexion,
    fall risk, load) is added only with a confirmation and a written reason, both kept.

    Raises:
        ExerciseNotOfferedError: not an exercise of the knowledge base, or a supervised-only one.
        PrecautionNotConfirmedError: it breaks a cap and the confirmation or the reason is missing.
        EditConflict: The plan was changed since `version` was loaded; nothing was written.
    """
    exercise = {e.id: e for e in clinical.base().knowledge.exercises}.get(exercise_id)
    if exercise is None or exercise.supervised_only:
        raise ExerciseNotOfferedError(ExerciseNotOfferedError.message)
    note = precaution_note.strip()
    safe = within(exercise, plan_caps(plan))
    if not safe and not (confirmed and note):
        raise PrecautionNotConfirmedError(PrecautionNotConfirmedError.message)
    category = plan.exercise_set if plan.exercise_set in exercise.categories else "default"
    plan_bump(plan, version)
    item = PlanItem.objects.create(
        plan=plan,
        exercise=exercise.id,
        domain=exercise.domain.value,
        family=exercise.family,
        level=exercise.level if exercise.family else None,
        position=plan.items.filter(domain=exercise.domain.value).count(),
        dose=exercise.dose_for(category).as_dict(),
        precaution_confirmed=not safe,
        precaution_note="" if safe else note,
    )
    audit.record(Action.UPDATE, plan, detail=Detail.ITEM_ADD)
    return item


@transaction.atomic
def plan_item_dose(
    *, plan: Plan, item_id: int, dose: dict[str, Any], version: int | None = None
) -> None:
    """Change the dose of one exercise in the plan.

    Raises:
        EditConflict: The plan was changed since `version` was loaded; nothing was written.
    """
    plan_bump(plan, version)
    item = plan.items.filter(pk=item_id).first()
    if item is not None:
        kept = {k: v for k, v in item.dose.items() if k in DOSE_KEPT_ON_EDIT}
        plan.items.filter(pk=item_id).update(dose={**kept, **dose})
    audit.record(Action.UPDATE, plan, detail=Detail.DOSE)


def plan_bump(plan: Plan, version: int | None) -> None:
    # First in the transaction: the UPDATE locks the plan row until the item change commits.
    _save_versioned(plan, version, updated_at=timezone.now())


@transaction.atomic
def retest_record(
    *, patient: Patient, user: User, test: str, when: date, value: float | None, unable: bool
) -> Retest:
    retest = Retest.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        test=test,
        date=when,
        value=None if unable else value,
        unable=unable,
        created_by=user,
    )
    audit.record(Action.CREATE, retest)
    return retest

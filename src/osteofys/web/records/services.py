"""Writes of patient records. Each service runs in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from osteofys.web.accounts.models import Clinic
from osteofys.web.records.clinical import Evaluated
from osteofys.web.records.models import Assessment, Patient, Plan, PlanItem, Retest

PATIENT_FIELDS = ("name", "birth_date", "sex", "height_cm", "weight_kg", "cpr")


@transaction.atomic
def patient_create(*, clinic: Clinic, data: dict[str, Any]) -> Patient:
    return Patient.objects.create(
        clinic=clinic, **{f: data.get(f) or _blank(f) for f in PATIENT_FIELDS}
    )


def _blank(field: str) -> Any:
    return "" if field == "cpr" else None


@transaction.atomic
def patient_update(*, patient: Patient, data: dict[str, Any]) -> Patient:
    for field in PATIENT_FIELDS:
        setattr(patient, field, data.get(field) or _blank(field))
    patient.version += 1
    patient.save()
    return patient


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
    """Store inputs, suggestion, the final choice with its reason, KB version/hash and trace,
    and make the training plan from the confirmed result."""
    if evaluated.assessment is None or evaluated.document is None:
        raise ValueError("only a case that passed validation can be recorded")
    doc = evaluated.document
    suggested = doc["category"] or ""
    assessment = Assessment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        assessment_date=date.fromisoformat(case["assessment_date"]),
        inputs=case,
        result=doc,
        suggested_category=suggested,
        final_category=final_category,
        override_reason=override_reason if final_category != suggested else "",
        acute_phase_active=doc["acute_phase"]["active"],
        referral_recommended=doc["referral"]["recommended"],
        kb_version=doc["knowledge_version"],
        kb_hash=doc["knowledge_hash"],
        created_by=user,
    )
    plan = evaluated.assessment.plan
    if plan is not None:
        _plan_from(assessment, plan, user)
    return assessment


def _plan_from(assessment: Assessment, core_plan: Any, user: User) -> Plan:
    plan = Plan.objects.create(
        clinic_id=assessment.clinic_id,
        patient_id=assessment.patient_id,
        assessment=assessment,
        exercise_set=core_plan.exercise_set.value,
        acute_advice=core_plan.acute_advice,
        caps=dict(core_plan.caps),
        kb_version=assessment.kb_version,
        created_by=user,
    )
    PlanItem.objects.bulk_create(plan_items_for(plan, core_plan))
    return plan


def plan_items_for(plan: Plan, core_plan: Any) -> list[PlanItem]:
    """Unsaved plan items for the core's plan: home exercises per domain, then supervised HiRIT."""
    items = [
        PlanItem(
            plan=plan,
            exercise=i.exercise,
            domain=d.domain.value,
            position=n,
            dose=i.dose.as_dict(),
        )
        for d in core_plan.domains
        for n, i in enumerate(d.items)
    ]
    items += [
        PlanItem(
            plan=plan,
            exercise=i.exercise,
            domain="staerk",
            position=100 + n,
            dose=i.dose.as_dict(),
            supervised=True,
        )
        for n, i in enumerate(core_plan.supervised)
    ]
    return items


@transaction.atomic
def plan_item_remove(*, plan: Plan, item_id: int) -> None:
    plan.items.filter(pk=item_id).delete()
    _touch(plan)


@transaction.atomic
def plan_item_add(
    *, plan: Plan, exercise: str, domain: str, dose: dict[str, Any], precaution_note: str = ""
) -> PlanItem:
    position = plan.items.filter(domain=domain).count()
    item = PlanItem.objects.create(
        plan=plan,
        exercise=exercise,
        domain=domain,
        position=position,
        dose=dose,
        precaution_confirmed=bool(precaution_note),
        precaution_note=precaution_note,
    )
    _touch(plan)
    return item


@transaction.atomic
def plan_item_dose(*, plan: Plan, item_id: int, dose: dict[str, Any]) -> None:
    plan.items.filter(pk=item_id).update(dose=dose)
    _touch(plan)


def _touch(plan: Plan) -> None:
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])


@transaction.atomic
def retest_record(
    *, patient: Patient, user: User, test: str, when: date, value: float | None, unable: bool
) -> Retest:
    return Retest.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        test=test,
        date=when,
        value=None if unable else value,
        unable=unable,
        created_by=user,
    )

"""GDPR: hand a patient everything stored about them (one ZIP), and delete a patient.

Both are for the clinic admin, the one who answers a patient's request on the clinic's behalf.
The access log keeps its entries about a deleted patient: they hold ids only, no health data.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from osteofys.web.accounts.decorators import admin_required
from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.records import selectors, services
from osteofys.web.records.documents import (
    gp_letter_filename,
    gp_letter_render,
    handout_filename,
    handout_render,
)
from osteofys.web.records.models import Assessment, Patient, Plan, Retest
from osteofys.web.training import presenters as training_presenters
from osteofys.web.training import selectors as training_selectors
from osteofys.web.training.models import TrainingSession

FORMAT = "osteofys.gdpr-export/1"


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _patient(p: Patient) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "birth_date": _when(p.birth_date),
        "sex": p.sex,
        "height_cm": p.height_cm,
        "weight_kg": p.weight_kg,
        "cpr": p.cpr or None,
        "phone": p.phone,
        "email": p.email,
        "gp": {
            "name": p.gp_name,
            "clinic": p.gp_clinic,
            "address": p.gp_address,
            "phone": p.gp_phone,
        },
        "created_at": _when(p.created_at),
        "updated_at": _when(p.updated_at),
    }


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "assessment_date": _when(a.assessment_date),
        "inputs": a.inputs,
        "result": a.result,
        "suggested_category": a.suggested_category or None,
        "final_category": a.final_category or None,
        "override_reason": a.override_reason,
        "acute_phase_active": a.acute_phase_active,
        "referral_recommended": a.referral_recommended,
        "knowledge_version": a.kb_version,
        "knowledge_hash": a.kb_hash,
        "created_by": a.created_by.get_full_name() or a.created_by.username,
        "created_at": _when(a.created_at),
    }


def _plan(p: Plan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "assessment_id": p.assessment_id,
        "exercise_set": p.exercise_set,
        "acute_advice": p.acute_advice,
        "caps": p.caps,
        "knowledge_version": p.kb_version,
        "created_at": _when(p.created_at),
        "updated_at": _when(p.updated_at),
        "items": [
            {
                "exercise": i.exercise,
                "domain": i.domain,
                "dose": i.dose,
                "supervised": i.supervised,
                "precaution_confirmed": i.precaution_confirmed,
                "precaution_note": i.precaution_note,
            }
            for i in p.items.all()
        ],
    }


def _retest(r: Retest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "test": r.test,
        "date": _when(r.date),
        "value": r.value,
        "unable": r.unable,
        "created_at": _when(r.created_at),
    }


def _session(s: TrainingSession) -> dict[str, Any]:
    return {
        "id": s.pk,
        "date": _when(s.date),
        "kind": s.kind,
        "attendance": s.attendance,
        "plan_id": s.plan_id,
        "training_class": s.training_class.name if s.training_class is not None else None,
        "therapist": training_presenters.person(s.therapist) or None,
        "note": s.note,
        "next_time": s.next_time,
        "knowledge_version": s.kb_version,
        "created_at": _when(s.created_at),
        "updated_at": _when(s.updated_at),
        "entries": [
            {
                "exercise": e.exercise,
                "family": e.family,
                "level": e.level,
                "prescribed": e.prescribed,
                "done": e.done,
                "sets": e.sets,
                "reps": e.reps,
                "hold_s": e.hold_s,
                "minutes": e.minutes,
                "load_kg": str(e.load_kg) if e.load_kg is not None else None,
                "load_text": e.load_text,
                "effort": e.effort,
                "pain_during": e.pain_during,
                "pain_next_day": e.pain_next_day,
                "technique_ok": e.technique_ok,
                "difficulty": e.difficulty,
                "note": e.note,
            }
            for e in s.entries.all()
        ],
        "adverse_events": [
            {"kind": ev.kind, "description": ev.description, "action": ev.action}
            for ev in s.events.all()
        ],
    }


# Every session's journal note as text, oldest first, in one file of the archive.
SESSION_NOTES = "dokumenter/journalnotater-traening.txt"


def _session_notes(sessions: list[TrainingSession]) -> bytes:
    notes = [training_presenters.session_note(s).text for s in sessions]
    return ("\n\n" + "-" * 72 + "\n\n").join(notes).encode("utf-8")


def patient_archive(patient: Patient, clinic: Clinic, today: date) -> bytes:
    """A ZIP with data.json and the documents as PDF, all from what was stored.

    data.json holds the patient, assessments with inputs and results, plans, re-tests and training
    sessions (with their entries and adverse events). The PDFs are the handout of every plan and
    the GP letter of every assessment (each assessment page offers its letter, so any of them may
    have been handed out); the sessions' journal notes are one text file.
    """
    assessments = list(
        patient.assessments.select_related("created_by", "patient").order_by(
            "assessment_date", "id"
        )
    )
    plans = list(
        patient.plans.select_related("assessment", "patient")
        .prefetch_related("items")
        .order_by("created_at", "id")
    )
    documents = [
        (f"dokumenter/{handout_filename(p, today)}", handout_render(p, clinic, "da", today))
        for p in plans
    ] + [
        (f"dokumenter/{gp_letter_filename(a, today)}", gp_letter_render(a, clinic, today))
        for a in assessments
    ]
    sessions = training_selectors.session_list(patient, limit=None)[::-1]
    if sessions:
        documents.append((SESSION_NOTES, _session_notes(sessions)))
    data = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "clinic": {
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
        },
        "patient": _patient(patient),
        "assessments": [_assessment(a) for a in assessments],
        "plans": [_plan(p) for p in plans],
        "retests": [_retest(r) for r in patient.retests.order_by("date", "id")],
        "training_sessions": [_session(s) for s in sessions],
        "documents": [name for name, _content in documents],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, content in documents:
            archive.writestr(name, content)
    return buffer.getvalue()


@admin_required
def patient_export(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Everything stored about the patient, as one ZIP download."""
    clinic = clinic_of(request.user)
    patient = selectors.patient_get(clinic, patient_id)
    today = timezone.localdate()
    content = patient_archive(patient, clinic, today)
    # Logged once the archive exists and before it leaves: a failed log write sends nothing.
    audit.record(Action.EXPORT, patient, detail=Detail.GDPR)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-{patient.pk}-{today.isoformat()}.zip"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


class DeleteForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Skriv patientens navn"), max_length=200)

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.fields["confirm_name"].widget.attrs["autocomplete"] = "off"

    def clean_confirm_name(self) -> str:
        typed: str = self.cleaned_data["confirm_name"]
        if " ".join(typed.split()).casefold() != " ".join(self.name.split()).casefold():
            raise forms.ValidationError(
                _("Navnet stemmer ikke. Skriv patientens navn, som det står på siden.")
            )
        return typed


@admin_required
def patient_delete(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Delete the patient and all their data, after the admin typed the patient's name."""
    patient = selectors.patient_get(clinic_of(request.user), patient_id)
    form = DeleteForm(request.POST or None, name=patient.name)
    if request.method == "POST" and form.is_valid():
        services.patient_delete(patient=patient)
        messages.success(request, _("Patienten og alle patientens data er slettet."))
        return redirect("records:patient_list")
    context = {
        "patient": patient,
        "form": form,
        "assessments": patient.assessments.count(),
        "plans": patient.plans.count(),
        "retests": patient.retests.count(),
    }
    return render(
        request, "records/patient_delete.html", context, status=400 if form.errors else 200
    )

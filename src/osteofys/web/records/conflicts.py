"""What an editor is shown when someone else saved first: the stored values, and who saved them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from osteofys.kb.explain import dose_text
from osteofys.rules.model import Dose
from osteofys.web.audit.selectors import latest_change
from osteofys.web.records import clinical
from osteofys.web.records.cpr import masked
from osteofys.web.records.models import Assessment, Patient, Plan


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


def _saved_by(obj: Patient | Assessment | Plan) -> str:
    change = latest_change(obj.clinic_id, obj._meta.model_name or "", obj.pk)
    if change is None or change.user is None:
        return ""
    when = date_format(timezone.localtime(change.at), "j. F Y H:i")
    who = change.user.first_name or change.user.username
    return _("Gemt af %(who)s %(when)s.") % {"who": who, "when": when}


def patient(current: Patient) -> dict[str, Any]:
    return {
        "saved_by": _saved_by(current),
        "values": [
            (_("Navn"), current.name),
            (_("Fødselsdato"), date_format(current.birth_date, "j. F Y")),
            (_("Køn"), current.get_sex_display()),
            (_("Højde (cm)"), _number(current.height_cm)),
            (_("Vægt (kg)"), _number(current.weight_kg)),
            (_("CPR-nummer"), masked(current.cpr) or "—"),
        ],
    }


def assessment(current: Assessment) -> dict[str, Any]:
    return {
        "saved_by": _saved_by(current),
        "values": [
            (_("Valgt kategori"), current.get_final_category_display() or "—"),
            (_("Begrundelse for afvigelse"), current.override_reason or "—"),
        ],
    }


def plan(current: Plan, change: str) -> dict[str, Any]:
    """`change` says in words what this editor tried to do; the page below shows the plan now."""
    return {"saved_by": _saved_by(current), "values": [(_("Din ændring"), change)]}


def exercise_name(exercise: str) -> str:
    entry = clinical.base().exercises.get(exercise)
    return str(entry["name"][clinical.lang()]) if entry else exercise


def dose_words(dose: dict[str, Any]) -> str:
    return dose_text(Dose.from_dict(dose), clinical.lang())

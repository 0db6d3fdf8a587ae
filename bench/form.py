"""The assessment form as a browser posts it: the body of the live result and of the save.

Used by the web benchmark (wrk's request body) and the load test (every simulated clinician's
form). Django must be set up before `assessment_body` runs (it checks the form in-process).
"""

# ruff: noqa: PLC0415

from __future__ import annotations

import urllib.parse
from datetime import date, timedelta
from typing import Any


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # as the Danish form shows and sends it
    return str(value)


def form_fields(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The case as a browser posts AssessmentForm: `section__field`, fractures as formset `brud`."""
    from osteofys.rules.case import FieldKind, case_fields
    from osteofys.web.records.forms import FROM_PATIENT

    pairs = [("assessment_date", case["assessment_date"])]
    for path, spec in case_fields().items():
        if path in FROM_PATIENT:
            continue
        section, name = path.split(".", 1)
        key = path.replace(".", "__")
        value = (case.get(section) or {}).get(name)
        if spec.kind is FieldKind.CONDITIONS:
            pairs += [(key, c) for c in value or []]
            continue
        if value == "unable":
            pairs.append(("tests__sts_unable", "on"))
            value = None
        pairs.append((key, _form_value(value)))
    if case.get("fractures") is not None:
        pairs.append(("fractures_recorded", "on"))
    fractures = case.get("fractures") or []
    pairs += [
        ("brud-TOTAL_FORMS", str(len(fractures))),
        ("brud-INITIAL_FORMS", "0"),
        ("brud-MIN_NUM_FORMS", "0"),
        ("brud-MAX_NUM_FORMS", "20"),
    ]
    for i, f in enumerate(fractures):
        pairs += [
            (f"brud-{i}-site", f["site"]),
            (f"brud-{i}-date", f["date"] or ""),
            (f"brud-{i}-low_energy", _form_value(f["low_energy"])),
        ]
    pairs += [("final_category", ""), ("override_reason", "")]
    return pairs


def assessment_body(patient_id: int) -> str:
    """A typical visit (a wrist fracture last year, DXA, all tests), checked in-process first:
    the form and formset validate and the core assesses it without issues."""
    from django.http import QueryDict

    from osteofys.web.records import clinical
    from osteofys.web.records.forms import AssessmentForm, FractureFormSet
    from osteofys.web.records.models import Patient

    today = date.today()
    case = {
        "assessment_date": today.isoformat(),
        "patient": {"height_cm": 163.0, "weight_kg": 61.5, "osteoporosis_diagnosed": False},
        "risk_factors": {
            "glucocorticoid_mg_per_day": 0, "glucocorticoid_months": 0, "menopause_age": 50,
            "family_history": True, "parent_hip_fracture": False, "height_loss_cm": 2,
            "kyphosis": False, "smoking": "former", "alcohol_units_per_week": 4,
            "immobilisation_months": 0, "falls_last_12_months": 1,
            "low_calcium_or_vitamin_d": False, "aromatase_inhibitor": False,
            "antiandrogen_therapy": False, "conditions": ["rheumatoid_arthritis"],
            "unexplained_back_pain": False,
        },
        "dxa": {
            "date": (today - timedelta(days=120)).isoformat(), "lumbar_spine": -2.6,
            "femoral_neck": -2.1, "total_hip": -1.7, "forearm": None,
        },
        "fractures": [
            {"site": "wrist", "date": (today - timedelta(days=300)).isoformat(), "low_energy": True}
        ],
        "function": {
            "walking_aid": "none", "needs_help_daily_activities": False,
            "training_days_per_week": 1, "training_months": 6, "everyday_activity": "active",
            "sedentary_due_to_disease": False, "new_sudden_back_pain": False,
            "neurological_symptoms": False, "pain_rest": 1, "pain_activity": 3.5,
        },
        "tests": {
            "tug_s": 10.4, "sit_to_stand_5x_s": 13.2, "tandem_stance_s": 18.0,
            "chair_stand_30s": 11, "one_leg_stance_s": 6.5, "gait_speed_m_s": 1.05,
            "grip_kg": 22.5,
        },
    }  # fmt: skip
    body = urllib.parse.urlencode(form_fields(case))
    data = QueryDict(body)
    form, formset = AssessmentForm(data), FractureFormSet(data, prefix="brud")
    if not (form.is_valid() and formset.is_valid()):
        raise RuntimeError(
            f"the benchmark's form does not validate: {form.errors} {formset.errors}"
        )
    fractures = [f.as_case() for f in formset.forms if f.as_case()]
    evaluated = clinical.evaluate(form.to_case(Patient.objects.get(pk=patient_id), fractures))
    if evaluated.document is None:
        raise RuntimeError(f"the benchmark's case has issues: {evaluated.issues}")
    return body

"""Hypothesis strategies for valid cases: complete ones, and the same with fields left out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from osteofys.rules.case import FRACTURE_FIELDS

ASSESSED = date(2026, 11, 26)
CONDITIONS = (
    "anorexia_nervosa malabsorption coeliac_disease primary_hyperparathyroidism hyperthyroidism "
    "organ_transplant chronic_kidney_disease cushing mastocytosis rheumatoid_arthritis "
    "multiple_myeloma ankylosing_spondylitis copd osteogenesis_imperfecta type1_diabetes "
    "inflammatory_bowel_disease hypogonadism"
).split()


def number(low: float, high: float, places: int = 1) -> st.SearchStrategy[float]:
    return (
        st.floats(low, high, allow_nan=False)
        .map(lambda x: round(x, places))
        .filter(lambda x: low <= x <= high)
    )


def day_between(first: date, last: date) -> st.SearchStrategy[str]:
    span = max((last - first).days, 0)
    return st.integers(0, span).map(lambda d: (first + timedelta(days=d)).isoformat())


@st.composite
def fracture(draw: st.DrawFn, born: date) -> dict[str, Any]:
    return {
        "site": draw(st.sampled_from(FRACTURE_FIELDS["site"].values)),
        "date": draw(st.one_of(st.none(), day_between(born, ASSESSED))),
        "low_energy": draw(st.sampled_from([True, False, None])),
    }


@st.composite
def acute_decision(draw: st.DrawFn, fractures: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Mostly none; else the clinician ends the acute phase or starts it at a recorded site."""
    kind = draw(st.sampled_from(["none", "none", "none", "end", "start"]))
    if kind == "end":
        return {"action": "end", "reason": "Smerterne er faldet."}
    if kind == "start" and fractures:
        site = draw(st.sampled_from([f["site"] for f in fractures]))
        return {"action": "start", "reason": "Nyligt brud.", "site": site}
    return None


@st.composite
def complete_case(draw: st.DrawFn) -> dict[str, Any]:
    """A case with every field recorded (fracture dates and energy may still be unknown)."""
    born = date(1930, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 70)))
    sex = draw(st.sampled_from(["female", "male"]))
    sts = draw(st.one_of(number(3, 90), st.just("unable")))
    return {
        "format": "osteofys.case/1",
        "assessment_date": ASSESSED.isoformat(),
        "patient": {
            "birth_date": born.isoformat(),
            "sex": sex,
            "height_cm": draw(number(140, 200, 0)),
            "weight_kg": draw(number(35, 130, 0)),
            "osteoporosis_diagnosed": draw(st.booleans()),
        },
        "risk_factors": {
            "glucocorticoid_mg_per_day": draw(st.sampled_from([0, 2.5, 5, 7.5, 20])),
            "glucocorticoid_months": draw(st.sampled_from([0, 1, 3, 12])),
            "menopause_age": draw(number(35, 58, 0)) if sex == "female" else None,
            "family_history": draw(st.booleans()),
            "parent_hip_fracture": draw(st.booleans()),
            "height_loss_cm": draw(number(0, 10)),
            "kyphosis": draw(st.booleans()),
            "smoking": draw(st.sampled_from(["never", "former", "current"])),
            "alcohol_units_per_week": draw(number(0, 40, 0)),
            "immobilisation_months": draw(st.sampled_from([0, 2, 4, 12])),
            "falls_last_12_months": draw(st.integers(0, 4)),
            "low_calcium_or_vitamin_d": draw(st.booleans()),
            "aromatase_inhibitor": draw(st.booleans()),
            "antiandrogen_therapy": draw(st.booleans()),
            "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True)),
            "unexplained_back_pain": draw(st.booleans()),
        },
        "dxa": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "date": day_between(born, ASSESSED),
                        "lumbar_spine": st.one_of(st.none(), number(-5, 2)),
                        "femoral_neck": number(-5, 2),
                        "total_hip": st.one_of(st.none(), number(-5, 2)),
                        "forearm": st.one_of(st.none(), number(-5, 2)),
                    }
                ),
            )
        ),
        "fractures": (fractures := draw(st.lists(fracture(born), max_size=3))),
        "acute_phase_decision": draw(acute_decision(fractures)),
        "function": {
            "walking_aid": draw(st.sampled_from(["none", "none", "none", "stick", "rollator"])),
            "needs_help_daily_activities": draw(st.booleans()),
            "training_days_per_week": draw(st.integers(0, 7)),
            "training_months": draw(st.sampled_from([0, 1, 3, 6, 24])),
            "everyday_activity": draw(st.sampled_from(["active", "low"])),
            "sedentary_due_to_disease": draw(st.booleans()),
            "new_sudden_back_pain": draw(st.sampled_from([False, False, False, True])),
            "neurological_symptoms": draw(st.sampled_from([False, False, False, True])),
            "pain_rest": draw(st.integers(0, 10)),
            "pain_activity": draw(st.integers(0, 10)),
        },
        "tests": {
            "tug_s": draw(number(5, 40)),
            "sit_to_stand_5x_s": sts,
            "tandem_stance_s": draw(number(0, 30)),
            "chair_stand_30s": draw(st.integers(0, 25)),
            "one_leg_stance_s": draw(number(0, 30)),
            "gait_speed_m_s": draw(number(0.3, 1.8, 2)),
            "grip_kg": draw(number(8, 50)),
        },
    }


SECTIONS = ("patient", "risk_factors", "function", "tests")
REQUIRED = {"birth_date", "sex"}


@st.composite
def masked(draw: st.DrawFn, case: dict[str, Any]) -> dict[str, Any]:
    """The same case with a random subset of recorded values left out (None)."""
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in case.items()}
    for section in SECTIONS:
        for field in list(out[section]):
            if field not in REQUIRED and draw(st.integers(0, 4)) == 0:
                out[section][field] = None
    if draw(st.integers(0, 5)) == 0:
        out["dxa"] = None
    if draw(st.integers(0, 5)) == 0:
        out["fractures"] = None
    return out

"""Shared helpers: the knowledge base, a complete baseline case and a way to vary it."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from osteofys import kb
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment, assess, parse_case

settings.register_profile("default", max_examples=300)
settings.register_profile("thorough", max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OSTEOFYS_SHARED", ROOT.parent / "shared"))
VIGNETTES = SHARED / "clinical" / "vignettes"

# A complete case with nothing remarkable: 68-year-old woman, everyday-active, no fractures,
# osteopenia, normal tests. Tests change one thing at a time with `vary`.
BASE_CASE: dict[str, Any] = {
    "format": "osteofys.case/1",
    "assessment_date": "2026-11-26",
    "patient": {
        "birth_date": "1958-04-02",
        "sex": "female",
        "height_cm": 165,
        "weight_kg": 65,
        "osteoporosis_diagnosed": False,
    },
    "risk_factors": {
        "glucocorticoid_mg_per_day": 0,
        "glucocorticoid_months": 0,
        "menopause_age": 51,
        "family_history": False,
        "parent_hip_fracture": False,
        "height_loss_cm": 0,
        "kyphosis": False,
        "smoking": "never",
        "alcohol_units_per_week": 2,
        "immobilisation_months": 0,
        "falls_last_12_months": 0,
        "low_calcium_or_vitamin_d": False,
        "aromatase_inhibitor": False,
        "antiandrogen_therapy": False,
        "conditions": [],
        "unexplained_back_pain": False,
    },
    "dxa": {
        "date": "2026-03-10",
        "lumbar_spine": -1.8,
        "femoral_neck": -1.5,
        "total_hip": -1.2,
        "forearm": None,
    },
    "fractures": [],
    "function": {
        "walking_aid": "none",
        "needs_help_daily_activities": False,
        "training_days_per_week": 0,
        "training_months": 0,
        "everyday_activity": "active",
        "sedentary_due_to_disease": False,
        "new_sudden_back_pain": False,
        "neurological_symptoms": False,
        "pain_rest": 1,
        "pain_activity": 2,
    },
    "tests": {
        "tug_s": 8.5,
        "sit_to_stand_5x_s": 10.5,
        "tandem_stance_s": 30,
        "chair_stand_30s": 14,
        "one_leg_stance_s": 20,
        "gait_speed_m_s": 1.2,
        "grip_kg": 25,
    },
}


def vary(base: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A copy of the base case with `section__field=value` changes (`fractures=[...]` whole)."""
    case = copy.deepcopy(base or BASE_CASE)
    for key, value in changes.items():
        if "__" in key:
            section, field = key.split("__", 1)
            if case.get(section) is None:
                case[section] = {}
            case[section][field] = value
        else:
            case[key] = value
    return case


@pytest.fixture(scope="session")
def base() -> KnowledgeBase:
    return kb.load()


@pytest.fixture(scope="session")
def run(base: KnowledgeBase) -> Callable[..., Assessment]:
    """Parse and assess a case dict: run(case) -> Assessment."""
    k = base.knowledge

    def _run(case: dict[str, Any], **options: Any) -> Assessment:
        return assess(parse_case(case, k.input_ranges, k.conditions), k, **options)

    return _run


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """tests/cases collects case files as tests, the shared vignettes included."""
    if path == ROOT / "tests" / "cases":
        from tests.cases.collect import CaseDirectory

        return CaseDirectory.from_parent(parent, path=path)
    return None

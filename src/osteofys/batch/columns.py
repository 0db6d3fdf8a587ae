"""The registry input formats: files, their columns, and how questionnaire columns map to a case.

Standard library only, so that the per-record reference path (`osteofys.batch.cases`) and the
command line can use it without loading polars.
"""

from __future__ import annotations

from typing import Final

CITIZENS: Final = "citizens"
DIAGNOSES: Final = "diagnoses"
PRESCRIPTIONS: Final = "prescriptions"
SOURCES: Final = (CITIZENS, DIAGNOSES, PRESCRIPTIONS)

REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    CITIZENS: ("citizen_id", "birth_date", "sex"),
    DIAGNOSES: ("citizen_id", "code", "date"),
    PRESCRIPTIONS: ("citizen_id", "atc", "date", "ddd"),
}

# Optional citizen columns (questionnaire answers) -> the case field they fill. Their kind (number,
# whole number, yes/no, choice) and allowed range come from the case format and the knowledge base.
QUESTIONNAIRE: Final[dict[str, str]] = {
    "height_cm": "patient.height_cm",
    "weight_kg": "patient.weight_kg",
    "menopause_age": "risk_factors.menopause_age",
    "smoking": "risk_factors.smoking",
    "alcohol_units_per_week": "risk_factors.alcohol_units_per_week",
    "parent_hip_fracture": "risk_factors.parent_hip_fracture",
    "falls_last_12_months": "risk_factors.falls_last_12_months",
    "height_loss_cm": "risk_factors.height_loss_cm",
}

TRUE_WORDS: Final = ("true", "1", "yes", "ja")
FALSE_WORDS: Final = ("false", "0", "no", "nej")

# The output columns of the referral list, in order (docs/screening.md).
OUTPUT: Final = (
    "citizen_id",
    "refer",
    "basis",
    "already_known",
    "strong",
    "risk_factors",
    "n_risk_factors",
    "priority",
)

"""Derive the flat findings record that the rule language reads from a case.

Each finding is a case value or something derived from it (age, BMI, lowest T-score, fracture
counts). A finding is None when its inputs are missing; `FindingsRecord.missing` then names the
case fields that would decide it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from osteofys.rules.case import (
    UNABLE,
    AcuteAction,
    Case,
    FieldKind,
    FieldSpec,
    Fracture,
    FractureSite,
    case_fields,
)
from osteofys.rules.dates import age_on, completed_months, completed_weeks
from osteofys.rules.knowledge import RiskFactor
from osteofys.rules.model import Step, Tri

DIAGNOSTIC_SITES = frozenset({FractureSite.VERTEBRA.value, FractureSite.HIP.value})

# Findings copied straight from the case, under the field's own name: name -> "section.field".
# Which fields they are is declared with the field (`FieldSpec.finding`, rules.case).
DIRECT: dict[str, str] = {
    path.split(".", 1)[1]: path for path, spec in case_fields().items() if spec.finding
}


def direct_spec(name: str) -> FieldSpec:
    """The case field declaration behind a finding copied straight from the case."""
    return case_fields()[DIRECT[name]]


# The values a finding of a choice field can take, for the loader's check of rule literals.
CHOICES: dict[str, frozenset[str]] = {
    name: frozenset(direct_spec(name).values)
    for name in DIRECT
    if direct_spec(name).kind is FieldKind.CHOICE
}

_FRACTURE_FINDINGS = (
    "has_any_fracture",
    "has_vertebral_fracture",
    "has_diagnostic_fracture",
    "has_diagnostic_hip_fracture",
    "low_energy_fracture_count",
    "low_energy_vertebral_fracture_count",
    "single_peripheral_fracture_only",
    "adult_low_energy_fracture",
    "has_acute_site_fracture",
    "months_since_last_acute_site_fracture",
    "months_since_last_vertebral_fracture",
    "months_since_last_low_energy_fracture",
)

# The clinician's acute-phase decision (case `acute_phase_decision`; SPEC R-ACU-2, R-ACU-EXIT-2).
DECISION_FINDINGS = (
    "acute_phase_end_requested",
    "acute_phase_start_requested",
    # Completed weeks since the latest vertebral or hip fracture (`earliest_end` counts from it).
    "acute_phase_weeks",
    # Months since the latest fracture at the site the clinician starts the acute phase for.
    "acute_phase_start_site_months",
)

# Every finding name a rule may read (rules may also read names set by earlier rules).
FINDINGS: frozenset[str] = frozenset(
    {
        *DIRECT,
        "age_years",
        "bmi",
        "has_dxa",
        "min_t",
        "sts5_s",
        "sts5_unable",
        "hirit_enabled_by_clinician",
        *_FRACTURE_FINDINGS,
        *DECISION_FINDINGS,
    }
)
# Set by the core after the tables, readable by overlays.
LATE_FINDINGS: frozenset[str] = frozenset({"bone_status", "category"})


class FactorFinding(StrEnum):
    """Findings aggregated from the risk-factor outcomes (`factor_findings`).

    The batch engine makes the same columns. Every rule after the risk factors can read them: the
    referral table (SPEC P10).
    """

    ANY = "risk_factor_any"
    """True when a factor is present; null when none is and one is unknown."""
    STRONG = "risk_factor_strong"
    """True when a present factor is strong (graded strong, or its `strong_when` holds); null
    when none is and an unknown factor could be strong; a present factor whose `strong_when` is
    unknown counts as ordinary."""
    DIAGNOSTIC = "risk_factor_diagnostic"
    """True when a diagnostic factor is present (RF1a: osteoporosis by definition); null when
    none is and one is unknown."""


FACTOR_FINDINGS: frozenset[str] = frozenset(FactorFinding)


@dataclass(frozen=True, slots=True)
class FindingsRecord:
    values: dict[str, Any]
    missing: Mapping[str, tuple[str, ...]]
    """For each finding that is None: the case fields that would decide it."""
    soft: frozenset[str] = frozenset()
    """Findings decided by absence (no DXA recorded), which a later record may change."""


def derive(case: Case, adult_age_years: float, hirit_enabled: bool = False) -> FindingsRecord:
    """Build the findings record for one case."""
    values: dict[str, Any] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for name, path in DIRECT.items():
        section, field = path.split(".", 1)
        value = getattr(getattr(case, section), field)
        values[name] = value
        if value is None:
            missing[name] = (path,)

    values["age_years"] = age_on(case.patient.birth_date, case.assessment_date)
    values["bmi"] = _bmi(case.patient.height_cm, case.patient.weight_kg)
    if values["bmi"] is None:
        missing["bmi"] = tuple(
            f"patient.{f}" for f in ("height_cm", "weight_kg") if getattr(case.patient, f) is None
        )
    values["has_dxa"] = case.dxa is not None
    values["min_t"] = _min_t(case)
    if values["min_t"] is None:
        missing["min_t"] = ("dxa",)
    sts = case.tests.sit_to_stand_5x_s
    values["sts5_unable"] = None if sts is None else sts == UNABLE
    values["sts5_s"] = None if sts is None or sts == UNABLE else sts
    if sts is None:
        missing["sts5_s"] = missing["sts5_unable"] = ("tests.sit_to_stand_5x_s",)
    values["hirit_enabled_by_clinician"] = hirit_enabled
    _fracture_findings(case, adult_age_years, values, missing)
    _decision_findings(case, values, missing)
    soft = frozenset() if case.dxa else frozenset({"has_dxa"})
    return FindingsRecord(values, missing, soft)


def _bmi(height_cm: float | None, weight_kg: float | None) -> float | None:
    if height_cm is None or weight_kg is None:
        return None
    return weight_kg / (height_cm / 100) ** 2


def _min_t(case: Case) -> float | None:
    """SPEC §10.2: lowest of spine and hip T-scores; the forearm only when those are absent."""
    if case.dxa is None:
        return None
    central = [
        t
        for t in (case.dxa.lumbar_spine, case.dxa.femoral_neck, case.dxa.total_hip)
        if t is not None
    ]
    if central:
        return min(central)
    return case.dxa.forearm


def _fracture_findings(
    case: Case, adult_age: float, values: dict[str, Any], missing: dict[str, tuple[str, ...]]
) -> None:
    fractures = case.fractures
    if fractures is None:
        for name in _FRACTURE_FINDINGS:
            values[name] = None
            missing[name] = ("fractures",)
        return
    # Unknown energy counts as low energy: the cautious reading of SPEC §10.2 (low_energy ≠ no).
    fragile = [f for f in fractures if f.low_energy is not False]
    vertebral = [f for f in fractures if f.site == FractureSite.VERTEBRA]
    acute_site = [f for f in fractures if f.site in DIAGNOSTIC_SITES]
    values["has_any_fracture"] = bool(fractures)
    values["has_vertebral_fracture"] = bool(vertebral)
    values["has_diagnostic_fracture"] = any(f.site in DIAGNOSTIC_SITES for f in fragile)
    values["has_diagnostic_hip_fracture"] = any(f.site == FractureSite.HIP for f in fragile)
    values["low_energy_fracture_count"] = len(fragile)
    values["low_energy_vertebral_fracture_count"] = sum(
        f.site == FractureSite.VERTEBRA for f in fragile
    )
    values["single_peripheral_fracture_only"] = (
        len(fragile) == 1 and fragile[0].site not in DIAGNOSTIC_SITES
    )
    values["adult_low_energy_fracture"], paths = _adult_low_energy(case, fractures, adult_age)
    if paths:
        missing["adult_low_energy_fracture"] = paths
    values["has_acute_site_fracture"] = bool(acute_site)
    for name, group in (
        ("months_since_last_acute_site_fracture", acute_site),
        ("months_since_last_vertebral_fracture", vertebral),
        # A new low-energy fracture in a diagnosed patient (referral.toml P10_new_fracture).
        ("months_since_last_low_energy_fracture", fragile),
    ):
        values[name], paths = _months_since_latest(case, fractures, group)
        if paths:
            missing[name] = paths


def _decision_findings(
    case: Case, values: dict[str, Any], missing: dict[str, tuple[str, ...]]
) -> None:
    """What the acute-phase rules read of the clinician's decision (rules.toml R-ACU-*)."""
    decision = case.acute_phase_decision
    action = decision.action if decision else None
    values["acute_phase_end_requested"] = action == AcuteAction.END
    values["acute_phase_start_requested"] = action == AcuteAction.START
    fractures = case.fractures
    if fractures is None:
        for name in ("acute_phase_weeks", "acute_phase_start_site_months"):
            values[name] = None
            missing[name] = ("fractures",)
        return
    acute_site = [f for f in fractures if f.site in DIAGNOSTIC_SITES]
    undated = tuple(
        f"fractures[{i}].date" for i, f in enumerate(fractures) if f in acute_site and not f.date
    )
    values["acute_phase_weeks"] = None
    if acute_site and not undated:
        latest = max(f.date for f in acute_site if f.date is not None)
        values["acute_phase_weeks"] = completed_weeks(latest, case.assessment_date)
    elif undated:
        missing["acute_phase_weeks"] = undated
    site = decision.site if decision and action == AcuteAction.START else None
    at_site = [f for f in fractures if site is not None and f.site == site]
    values["acute_phase_start_site_months"], paths = _months_since_latest(case, fractures, at_site)
    if paths:
        missing["acute_phase_start_site_months"] = paths


def _adult_low_energy(
    case: Case, fractures: tuple[Fracture, ...], adult_age: float
) -> tuple[bool | None, tuple[str, ...]]:
    """RF1 (SPEC P11): a low-energy fracture at age 18 or older. Unknown when energy or date is."""
    undecided: list[str] = []
    for i, f in enumerate(fractures):
        if f.low_energy is False:
            continue
        if f.date is not None and age_on(case.patient.birth_date, f.date) < adult_age:
            continue
        if f.low_energy is True and f.date is not None:
            return True, ()
        undecided += [
            f"fractures[{i}].{k}" for k in ("low_energy", "date") if getattr(f, k) is None
        ]
    return (None, tuple(undecided)) if undecided else (False, ())


def _months_since_latest(
    case: Case, fractures: tuple[Fracture, ...], group: list[Fracture]
) -> tuple[int | None, tuple[str, ...]]:
    undated = tuple(
        f"fractures[{i}].date" for i, f in enumerate(fractures) if f in group and f.date is None
    )
    if not group or undated:
        return None, undated
    latest = max(f.date for f in group if f.date is not None)
    return completed_months(latest, case.assessment_date), ()


_ANY, _STRONG, _DIAGNOSTIC = (
    FactorFinding.ANY.value,
    FactorFinding.STRONG.value,
    FactorFinding.DIAGNOSTIC.value,
)


def factor_findings(
    factors: Sequence[RiskFactor], steps: Sequence[Step], strong: Mapping[str, Tri | str]
) -> tuple[dict[str, Tri], dict[str, tuple[str, ...]]]:
    """The `FactorFinding` values from each factor's step and its `strong_when` outcome.

    The outcomes come by factor id. The values are three-valued, and each null one comes with the
    case fields of the unknown factors behind it, in knowledge-base order.
    """
    present = diagnostic = strong_present = False
    unknown: list[tuple[RiskFactor, Step]] = []
    for rf, step in zip(factors, steps, strict=True):
        outcome = step.outcome
        if outcome is True:
            present = True
            diagnostic = diagnostic or rf.diagnostic
            # A present factor whose `strong_when` is unknown counts as ordinary.
            strong_present = strong_present or rf.strong or strong.get(rf.id) is True
        elif outcome is None:
            unknown.append((rf, step))
    values: dict[str, Tri] = {_ANY: present, _STRONG: strong_present, _DIAGNOSTIC: diagnostic}
    if not unknown:
        return values, {}
    missing: dict[str, tuple[str, ...]] = {}
    could_be_strong = [s for rf, s in unknown if rf.strong or rf.strong_rule is not None]
    for name, decided, behind in (
        (_ANY, present, [s for _, s in unknown]),
        (_STRONG, strong_present, could_be_strong),
        (_DIAGNOSTIC, diagnostic, [s for rf, s in unknown if rf.diagnostic]),
    ):
        if not decided and behind:
            values[name] = None
            missing[name] = tuple(dict.fromkeys(f for step in behind for f in step.missing))
    return values, missing

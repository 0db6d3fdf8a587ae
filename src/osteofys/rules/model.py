"""Value types shared by the clinical core: enums, trace steps and the assessment result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

Tri = bool | None
"""Three-valued outcome: True, False, or None for "unknown because an input is missing"."""

Scalar = str | int | float | bool | tuple[str, ...] | None


class Category(StrEnum):
    TRAENINGSAKTIV = "traeningsaktiv"
    TRAENINGSAKTIV_MED_HENSYN = "traeningsaktiv_med_hensyn"
    HVERDAGSAKTIV = "hverdagsaktiv"
    HVERDAGSAKTIV_MED_HENSYN = "hverdagsaktiv_med_hensyn"
    FUNKTIONSBEGRAENSET = "funktionsbegraenset"


class BoneStatus(StrEnum):
    NORMAL = "normal"
    OSTEOPENIA = "osteopenia"
    OSTEOPOROSIS = "osteoporosis"
    SEVERE = "severe"
    UNKNOWN = "unknown"
    SPECIALIST = "specialist"


class Domain(StrEnum):
    STAERK = "staerk"
    STABIL = "stabil"
    STRAKT = "strakt"


class Component(StrEnum):
    RESISTANCE = "resistance"
    IMPACT = "impact"
    BALANCE = "balance"
    AEROBIC = "aerobic"
    BACK_EXTENSION = "back_extension"
    POSTURE = "posture"
    SAFE_MOVEMENT = "safe_movement"


class Evidence(StrEnum):
    SRC = "SRC"
    SRC_2 = "SRC-2"
    DERIVED = "DERIVED"
    CONFLICT = "CONFLICT"
    SILENT = "SILENT"


# Ordered tag scales: a cap allows every level up to and including itself.
IMPACT_LEVELS = ("none", "walking", "moderate", "high")
FLEXION_LEVELS = ("none", "low", "loaded", "end_range")
FALL_RISK_LEVELS = ("low", "moderate", "high")
CAP_SCALES: dict[str, tuple[str, ...]] = {
    "impact": IMPACT_LEVELS,
    "spinal_flexion": FLEXION_LEVELS,
    "fall_risk": FALL_RISK_LEVELS,
}


class Step(NamedTuple):
    """One rule evaluation in the trace: what was read, against which cut-offs, and the outcome.

    A NamedTuple rather than a frozen dataclass: about fifty are made per assessment, and tuple
    construction is several times cheaper while just as immutable.
    """

    rule: str
    outcome: Tri | str
    fields: tuple[str, ...]
    values: tuple[Scalar, ...]
    cutoffs: tuple[tuple[str, float], ...]
    sources: tuple[str, ...]
    provisional: bool = False
    missing: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[tuple[str, Scalar], ...]:
        """The findings read, as (name, value) pairs."""
        return tuple(zip(self.fields, self.values, strict=True))


@dataclass(frozen=True, slots=True)
class Alternative:
    category: Category
    rule: str


@dataclass(frozen=True, slots=True)
class AcutePhase:
    active: Tri
    fracture_date: date | None = None
    until: date | None = None
    earliest_end: date | None = None
    precautionary: bool = False


class Group(StrEnum):
    """What a rule is about.

    The web page, the CLI report and the PDFs show reasons by group, in this order; every rule in
    the knowledge base names its group (checked by the loader).
    """

    CATEGORY = "category"
    RED_FLAG = "red_flag"
    ACUTE_PHASE = "acute_phase"
    BONE_STATUS = "bone_status"
    FALL_RISK = "fall_risk"
    REFERRAL = "referral"
    TRAINING = "training"
    SAFETY = "safety"


class Outcome(StrEnum):
    """The rule outcomes the core reads by name.

    A rule declares the one it sets (`sets`); the loader checks that each of these is set by exactly
    one rule, so a renamed rule id cannot break an assessment, and a knowledge-base edit that drops
    one is named by `kb check`.
    """

    RED_FLAG = "red_flag"
    """SPEC P4: suspends the category, makes the referral urgent."""
    ACUTE_PHASE = "acute_phase"
    """SPEC P3."""
    FALL_RISK = "fall_risk"
    """SPEC P8."""
    LOW_PERFORMANCE = "low_performance"
    """SPEC P7."""
    HIRIT_OFFERED = "hirit_offered"
    """SPEC P13: the plan may hold the supervised high-intensity lifts."""


class ReferralBasis(StrEnum):
    """Why the referral came out as it did (SPEC P4, P10); selects the sentence shown."""

    RED_FLAG = "red_flag"
    DIAGNOSED = "diagnosed"
    BY_DEFINITION = "by_definition"
    RISK_FACTORS = "risk_factors"
    UNDER_AGE = "under_age"
    UNDECIDED = "undecided"
    NONE = "none"

    @property
    def recommended(self) -> Tri:
        """Whether a GP visit is advised: null (undecided) while unanswered items could decide."""
        return _RECOMMENDED[self]

    @property
    def urgent(self) -> bool:
        """P4: a red flag makes the referral urgent."""
        return self is ReferralBasis.RED_FLAG


_RECOMMENDED: dict[ReferralBasis, Tri] = {
    ReferralBasis.RED_FLAG: True,
    ReferralBasis.DIAGNOSED: False,
    ReferralBasis.BY_DEFINITION: True,
    ReferralBasis.RISK_FACTORS: True,
    ReferralBasis.UNDER_AGE: False,
    ReferralBasis.UNDECIDED: None,
    ReferralBasis.NONE: False,
}


@dataclass(frozen=True, slots=True)
class Referral:
    recommended: Tri
    urgent: bool
    reasons: tuple[str, ...]
    basis: ReferralBasis
    by_definition: bool = False
    modifiable: tuple[str, ...] = ()


DOSE_FIELDS = ("sets", "reps", "hold_s", "minutes", "impacts", "days_per_week")


@dataclass(frozen=True, slots=True)
class Dose:
    sets: int | None = None
    reps: tuple[int, int] | None = None
    hold_s: tuple[int, int] | None = None
    minutes: tuple[int, int] | None = None
    impacts: int | None = None
    days_per_week: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, int | list[int]]:
        """The dose as stored with a plan item: ranges as [min, max], unset parts left out."""
        out: dict[str, int | list[int]] = {}
        for name in DOSE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Dose:
        """A stored dose ({"sets": 2, "reps": [8, 12], ...}) back as a Dose."""

        def span(key: str) -> tuple[int, int] | None:
            value = stored.get(key)
            return (int(value[0]), int(value[1])) if value else None

        return cls(
            sets=stored.get("sets"),
            reps=span("reps"),
            hold_s=span("hold_s"),
            minutes=span("minutes"),
            impacts=stored.get("impacts"),
            days_per_week=span("days_per_week"),
        )


@dataclass(frozen=True, slots=True)
class PlanItem:
    exercise: str
    component: Component
    dose: Dose


@dataclass(frozen=True, slots=True)
class DomainPlan:
    domain: Domain
    goal: str
    dose_lines: tuple[str, ...]
    items: tuple[PlanItem, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    exercise_set: Category
    domains: tuple[DomainPlan, ...]
    caps: tuple[tuple[str, str], ...]
    cap_rules: tuple[str, ...]
    acute_advice: bool
    supervised: tuple[PlanItem, ...] = ()
    activity_levels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the core concludes about one case. Structure only; texts come from the KB."""

    category: Category | None
    provisional: bool
    alternatives: tuple[Alternative, ...]
    acute_phase: AcutePhase
    bone_status: BoneStatus
    fall_risk: Tri
    low_performance: Tri
    red_flags: tuple[str, ...]
    referral: Referral
    overlays: tuple[str, ...]
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    plan: Plan | None
    trace: tuple[Step, ...] = field(repr=False)
    knowledge_version: str = ""
    knowledge_hash: str = ""

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


class Pattern(StrEnum):
    """The movement patterns a plan's slots are filled with (issue 15; SPEC §8.2)."""

    SQUAT = "squat"
    HINGE = "hinge"
    PULL = "pull"
    PUSH = "push"
    IMPACT = "impact"
    STATIC_BALANCE = "static_balance"
    DYNAMIC_BALANCE = "dynamic_balance"
    FLOOR_RECOVERY = "floor_recovery"
    AEROBIC = "aerobic"
    BACK_EXTENSORS = "back_extensors"
    POSTURE = "posture"
    MOVEMENT_TECHNIQUE = "movement_technique"
    PAIN_RELIEF = "pain_relief"


# Each pattern belongs to one domain and one dose-line component (doses.toml); the exercise's
# domain and component follow from its family's pattern, so they are never written twice.
PATTERN_PLACE: dict[Pattern, tuple[Domain, Component]] = {
    Pattern.SQUAT: (Domain.STAERK, Component.RESISTANCE),
    Pattern.HINGE: (Domain.STAERK, Component.RESISTANCE),
    Pattern.PULL: (Domain.STAERK, Component.RESISTANCE),
    Pattern.PUSH: (Domain.STAERK, Component.RESISTANCE),
    Pattern.IMPACT: (Domain.STAERK, Component.IMPACT),
    Pattern.STATIC_BALANCE: (Domain.STABIL, Component.BALANCE),
    Pattern.DYNAMIC_BALANCE: (Domain.STABIL, Component.BALANCE),
    Pattern.FLOOR_RECOVERY: (Domain.STABIL, Component.BALANCE),
    Pattern.AEROBIC: (Domain.STABIL, Component.AEROBIC),
    Pattern.BACK_EXTENSORS: (Domain.STRAKT, Component.BACK_EXTENSION),
    Pattern.POSTURE: (Domain.STRAKT, Component.POSTURE),
    Pattern.MOVEMENT_TECHNIQUE: (Domain.STRAKT, Component.SAFE_MOVEMENT),
    Pattern.PAIN_RELIEF: (Domain.STRAKT, Component.POSTURE),
}


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
LOAD_LEVELS = ("bodyweight", "light", "moderate", "heavy")
CAP_SCALES: dict[str, tuple[str, ...]] = {
    "impact": IMPACT_LEVELS,
    "spinal_flexion": FLEXION_LEVELS,
    "fall_risk": FALL_RISK_LEVELS,
    "load": LOAD_LEVELS,
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


class AcuteSite(StrEnum):
    """Which acute phase: it picks the plan's layout (`acute_<site>`, plan.toml) and advice."""

    VERTEBRA = "vertebra"
    HIP = "hip"
    OTHER = "other"
    """Another recent fracture (pelvis, proximal humerus, ...): started by the clinician."""


class AcuteSource(StrEnum):
    """What set the acute phase."""

    FRACTURE = "fracture"
    """SPEC P3: a vertebral or hip fracture less than 6 months ago."""
    CLINICIAN = "clinician"
    """SPEC R-ACU-2: the clinician started it for another recent fracture, with a reason."""
    RED_FLAG = "red_flag"
    """SPEC P4: a precaution until the red flag is clarified."""


class AcuteRefusal(StrEnum):
    """Why the clinician's acute-phase decision did not take effect (texts.toml `[errors]`)."""

    BEFORE_EARLIEST_END = "before_earliest_end"
    """R-ACU-EXIT-2: the phase may be ended from fracture + 12 weeks, not before."""
    NOT_ACTIVE = "not_active"
    """There is no acute phase to end."""
    RED_FLAG_ACTIVE = "red_flag_active"
    """P4: the precautionary phase ends when the red flag is clarified, not by this decision."""
    ALREADY_ACTIVE = "already_active"
    """The acute phase is already active after a vertebral or hip fracture."""
    NOT_RECENT = "not_recent"
    """R-ACU-2: the fracture at the site is not recent (6 months or more before the assessment)."""
    UNDECIDED = "undecided"
    """A date the check needs is missing (`missing` names it)."""


@dataclass(frozen=True, slots=True)
class AcuteDecision:
    """The clinician's acute-phase decision (case `acute_phase_decision`) and what came of it."""

    action: str
    """"end" or "start" (rules.case.AcuteAction)."""
    reason: str
    site: str | None
    """`start`: the fracture site (rules.case.FractureSite)."""
    rule: str
    """The rule that checked it (R-ACU-EXIT-2, R-ACU-2); its step is in the trace."""
    applied: Tri
    """True: it took effect; False: refused (`refused` says why); None: undecided."""
    refused: AcuteRefusal | None = None


@dataclass(frozen=True, slots=True)
class AcutePhase:
    active: Tri
    fracture_date: date | None = None
    until: date | None = None
    earliest_end: date | None = None
    precautionary: bool = False
    site: AcuteSite | None = None
    """Set whenever `active` is True."""
    source: AcuteSource | None = None
    """What set the phase (True `active`), or what the ended phase came from."""
    ended_by_clinician: bool = False
    """R-ACU-EXIT-2: the clinician ended it (`active` is then False; the dates are the ended
    phase's)."""
    reason: str = ""
    """The clinician's reason, when their decision took effect."""
    decision: AcuteDecision | None = None


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
    NEUROLOGICAL_FLAG = "neurological_flag"
    """P4_neuro: the plan withholds every exercise until the clinician has clarified it."""
    PAIN_CAUTION = "pain_caution"
    """SPEC R-ACU-EXIT-2: pain at activity above the knowledge base's threshold: start lower
    and review."""
    ACUTE_PHASE_ENDED = "acute_phase_ended"
    """R-ACU-EXIT-2: the clinician's end of the acute phase is allowed (from earliest_end)."""
    ACUTE_PHASE_STARTED = "acute_phase_started"
    """R-ACU-2: the clinician's start of the acute phase for another recent fracture holds."""


class ReferralBasis(StrEnum):
    """Why the referral came out as it did (SPEC P4, P10); selects the sentence shown."""

    NEUROLOGICAL = "neurological"
    """P4, SPEC §5.5: neurological symptoms (possible cord or cauda equina compression): the GP
    today, 1813 or 112 at once on the signs that cannot wait."""
    RED_FLAG = "red_flag"
    """P4: new sudden back pain, a suspected new vertebral fracture."""
    NEW_FRACTURE = "new_fracture"
    """Diagnosed, with a new low-energy fracture: ask the GP to review the treatment."""
    DIAGNOSED = "diagnosed"
    BY_DEFINITION = "by_definition"
    DXA_OSTEOPOROSIS = "dxa_osteoporosis"
    """Not diagnosed, but the DXA already shows osteoporosis (R-DX-1b): ask for treatment."""
    SPINE_XRAY = "spine_xray"
    """R-OPS-3: height loss or kyphosis with back pain: suggest a spine X-ray."""
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
        return self in (ReferralBasis.RED_FLAG, ReferralBasis.NEUROLOGICAL)


_RECOMMENDED: dict[ReferralBasis, Tri] = {
    ReferralBasis.NEUROLOGICAL: True,
    ReferralBasis.RED_FLAG: True,
    ReferralBasis.NEW_FRACTURE: True,
    ReferralBasis.DIAGNOSED: False,
    ReferralBasis.BY_DEFINITION: True,
    ReferralBasis.DXA_OSTEOPOROSIS: True,
    ReferralBasis.SPINE_XRAY: True,
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


# The parts of a dose, in the order they are shown: numbers and ranges, then the knowledge base's
# intensity and progression texts (plan.toml), by key.
DOSE_FIELDS = (
    "sets",
    "reps",
    "hold_s",
    "minutes",
    "impacts",
    "days_per_week",
    "effort",
    "rest_s",
    "intensity",
    "progression",
)
DOSE_SPANS = ("reps", "hold_s", "minutes", "days_per_week", "effort", "rest_s")


@dataclass(frozen=True, slots=True)
class Dose:
    sets: int | None = None
    reps: tuple[int, int] | None = None
    hold_s: tuple[int, int] | None = None
    minutes: tuple[int, int] | None = None
    impacts: int | None = None
    days_per_week: tuple[int, int] | None = None
    effort: tuple[int, int] | None = None
    """Effort on a 0-10 scale."""
    rest_s: tuple[int, int] | None = None
    intensity: str | None = None
    """Key of the load in words (plan.toml [intensity.*])."""
    progression: str | None = None
    """Key of the progression criterion (plan.toml [progression.*])."""

    def as_dict(self) -> dict[str, int | str | list[int]]:
        """The dose as stored with a plan item: ranges as [min, max], unset parts left out."""
        out: dict[str, int | str | list[int]] = {}
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

        spans = {key: span(key) for key in DOSE_SPANS}
        return cls(
            sets=stored.get("sets"),
            impacts=stored.get("impacts"),
            intensity=stored.get("intensity"),
            progression=stored.get("progression"),
            **spans,
        )


@dataclass(frozen=True, slots=True)
class PlanItem:
    exercise: str
    component: Component
    dose: Dose
    pattern: Pattern | None = None
    family: str | None = None
    level: int | None = None
    tags: tuple[tuple[str, str], ...] = ()
    """The safety tags (CAP_SCALES order): what any reader checks the plan's caps against."""


class SlotStatus(StrEnum):
    """What became of one slot of a plan's layout."""

    FILLED = "filled"
    CAPPED = "capped"
    """Filled, but a higher level or family was left out by a cap."""
    NOT_ALLOWED = "not_allowed"
    """No exercise of the pattern is within the caps."""
    WITHHELD = "withheld"
    """No exercises until the clinician has clarified a finding (the neurological red flag)."""
    OVER_SIZE = "over_size"
    """The plan already holds the layout's `max_items`."""
    UNAVAILABLE = "unavailable"
    """The exercise set has no exercise of this pattern."""
    ENTRY_NOT_MET = "entry_not_met"
    """The recorded tests do not (or do not yet: `refine`) meet even the first level's entry."""


@dataclass(frozen=True, slots=True)
class CapHit:
    tag: str
    level: str
    """The cap's highest allowed level."""
    rules: tuple[str, ...]
    """The rules that set the cap at that level."""


@dataclass(frozen=True, slots=True)
class SlotReport:
    pattern: Pattern
    status: SlotStatus
    exercise: str | None = None
    family: str | None = None
    level: int | None = None
    capped: tuple[CapHit, ...] = ()
    refine: tuple[str, ...] = ()
    """Case fields whose recording could start the slot at a higher level."""
    rules: tuple[str, ...] = ()
    """The rules behind a withheld slot."""


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
    layout: str = ""
    """The plan.toml layout the slots came from (a category or acute_<site>)."""
    acute_site: AcuteSite | None = None
    """In the acute phase: the site whose layout and advice the plan follows."""
    slots: tuple[SlotReport, ...] = ()
    withheld: tuple[str, ...] = ()
    """Rules that hold back every exercise until the clinician has clarified them."""
    notes: tuple[str, ...] = ()
    """plan.toml notes on the whole plan that hold for the case (fall-risk balance, HiRIT)."""


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

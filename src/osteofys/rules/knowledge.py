"""The knowledge the core reasons with, as typed values. `osteofys.kb` builds it from TOML."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osteofys.rules import lang
from osteofys.rules.model import CAP_SCALES, Component, Domain, Dose, Group, Pattern


@dataclass(frozen=True, slots=True)
class Threshold:
    id: str
    value: float
    unit: str
    evidence: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named criterion. `sets` names its outcome in the findings record for later rules."""

    id: str
    expr: lang.Expr
    sources: tuple[str, ...]
    evidence: str
    group: Group = Group.CATEGORY
    sets: str | None = None
    false_when: lang.Expr | None = None
    provisional_if_missing: frozenset[str] = frozenset()
    report_missing: bool = False
    fields: tuple[str, ...] = ()
    cutoffs: tuple[tuple[str, float], ...] = ()
    run: lang.Compiled = field(default=lambda r: None, repr=False, compare=False)
    read: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(
        default=lambda r: (), repr=False, compare=False
    )
    run_false_when: lang.Compiled | None = field(default=None, repr=False, compare=False)
    run_assumed: lang.Compiled | None = field(default=None, repr=False, compare=False)


def make_rule(
    rule_id: str,
    when: str,
    thresholds: Mapping[str, Threshold],
    sources: tuple[str, ...],
    evidence: str,
    *,
    group: Group = Group.CATEGORY,
    sets: str | None = None,
    false_when: str | None = None,
    provisional_if_missing: tuple[str, ...] = (),
    report_missing: bool = False,
) -> Rule:
    """Parse and compile a rule. Raises lang.RuleSyntaxError or KeyError (unknown threshold)."""
    expr = lang.parse(when)
    fw = lang.parse(false_when) if false_when else None
    used = lang.thresholds(expr) + (lang.thresholds(fw) if fw else ())
    values = {t: thresholds[t].value for t in used}
    assume = frozenset(provisional_if_missing)
    return Rule(
        id=rule_id,
        expr=expr,
        sources=sources,
        evidence=evidence,
        group=group,
        sets=sets,
        false_when=fw,
        provisional_if_missing=assume,
        report_missing=report_missing,
        fields=lang.fields(expr),
        cutoffs=tuple(values.items()),
        run=lang.compile_expr(expr, values),
        read=_reader(lang.fields(expr)),
        run_false_when=lang.compile_expr(fw, values) if fw else None,
        run_assumed=lang.compile_expr(expr, values, assume) if assume else None,
    )


def _reader(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Fetch the values of `names` from a record as one tuple (C-level itemgetter)."""
    if len(names) == 1:
        name = names[0]
        return lambda record: (record[name],)
    return operator.itemgetter(*names)


@dataclass(frozen=True, slots=True)
class TableRow:
    rule: Rule
    outcome: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """First-match table.

    `stop_on_unknown`: an unknown row before the match makes the result `on_unknown` (the category:
    null; the referral: undecided); otherwise the first true row wins and unknown rows are only
    noted (bone status, where a later DXA can only refine).
    """

    id: str
    rows: tuple[TableRow, ...]
    default: str | None
    stop_on_unknown: bool
    on_unknown: str | None = None


@dataclass(frozen=True, slots=True)
class AlternativeRule:
    rule: Rule
    suggest: Mapping[str, str]
    """Current suggestion -> alternative to show."""


@dataclass(frozen=True, slots=True)
class RiskFactor:
    id: str
    rule: Rule
    strong: bool
    diagnostic: bool
    modifiable: bool
    strong_rule: Rule | None = None
    """Makes an ordinary factor strong when true (RF6 above 7 cm, SPEC P11)."""


@dataclass(frozen=True, slots=True)
class Precaution:
    """Caps on exercise tags that apply when the rule is true or unknown (cautious)."""

    rule: Rule
    caps: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: str
    order: int
    caps: Mapping[str, str]
    activity_levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    domain: Domain
    component: Component
    categories: frozenset[str]
    impact: str
    spinal_flexion: str
    fall_risk: str
    equipment: tuple[str, ...]
    supervised_only: bool
    hirit: bool
    priority: int
    doses: Mapping[str, Dose]
    sources: tuple[str, ...]
    load: str = "bodyweight"
    pattern: Pattern = Pattern.SQUAT
    family: str = ""
    level: int = 1
    """Its place on the family's ladder, 1 = easiest (families.toml owns it)."""
    entry: Rule | None = None
    """What the recorded tests must show before a plan starts at this level."""
    exclude: Rule | None = None
    """A finding that keeps the exercise out of a plan; unknown keeps it out too."""
    capacity: str | None = None
    """The recorded test that bounds the hold or the repetitions of the dose."""
    ranks: tuple[int, ...] = ()
    """Each safety tag's index on its scale, in CAP_SCALES order (set by the loader)."""

    def dose_for(self, category: str) -> Dose:
        return self.doses.get(category) or self.doses["default"]

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        """The safety tags, in CAP_SCALES order."""
        return tuple((tag, getattr(self, tag)) for tag in CAP_SCALES)


@dataclass(frozen=True, slots=True)
class Family:
    """A progression ladder: the exercises of one pattern from easiest to hardest."""

    id: str
    pattern: Pattern
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    pattern: Pattern
    family: str | None = None
    """The family the slot prefers; otherwise the pattern's families in order."""
    when: Rule | None = None
    """The slot is part of the plan only when this holds (e.g. fall risk)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Which slots a plan fills, in priority order, and how many exercises it holds at most."""

    id: str
    max_items: int
    slots: tuple[Slot, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Setting:
    """One number of following the training (progression.toml, retests.toml `[follow_up.*]`)."""

    id: str
    value: tuple[int, ...]
    """One whole number, or a range [low, high] (retest_weeks)."""
    unit: str
    evidence: str
    sources: tuple[str, ...]
    threshold: str | None = None
    """The threshold (thresholds.toml) that owns the number, when it is one of the rules' too."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The numbers the progression rules, the re-test interval and the adherence flags read.

    Each is a `Setting` in `settings` with its unit, evidence and sources (issue 16, items 2, 4, 5).
    """

    retest_weeks: tuple[int, int]
    """A re-test is due this many weeks after the last one (from the low to the high end)."""
    pain_flag_above: int
    """Pain (0-10) during a session above this: go down a level and review; a flag on the patient
    page. Owned by thresholds.toml `pain_activity_caution_max`."""
    inactive_days: int
    """No session logged for this many days: a flag on the patient page."""
    sessions_to_progress: int
    """Consecutive logged sessions at the top of the range before a move up is suggested."""
    effort_max_to_progress: int
    """Effort (0-10) at most this in each of those sessions."""
    effort_too_hard_above: int
    """Effort (0-10) above this: the session was too hard."""
    sessions_too_hard_to_step_down: int
    """Consecutive too-hard sessions before a step down is suggested (otherwise stay)."""
    easier_dose_percent: int
    """A step down at the bottom of a family: the range of one-set doses scaled to this percent."""
    settings: Mapping[str, Setting] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mdc:
    """A test's minimal detectable change (MDC95) as a source reports it (retests.toml)."""

    test: str
    value: float | None
    """None: no MDC was found for the test (`note` says so)."""
    unit: str
    better: str
    """"lower" (a timed test) or "higher"."""
    population: Mapping[str, str]
    """Whom the source measured, by language ("hjemmeboende voksne ≥ 50 år")."""
    evidence: str
    sources: tuple[str, ...]
    note: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProgressionRule:
    """One progression rule (progression.toml `[rule.*]`): the step it suggests and its reason."""

    id: str
    step: str
    """A `rules.progress.Step` value."""
    evidence: str
    sources: tuple[str, ...]
    text: Mapping[str, str]
    """The reason by language, with {placeholders} from the suggestion's facts (kb.texts)."""


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything `assess` needs. Built and checked by `osteofys.kb`."""

    version: str
    content_hash: str
    thresholds: Mapping[str, Threshold]
    input_ranges: Mapping[str, tuple[float, float]]
    conditions: frozenset[str]
    criteria: tuple[Rule, ...]
    risk_factors: tuple[RiskFactor, ...]
    bone_status: Table
    category_table: Table
    referral_table: Table
    """SPEC P10, P4: the referral basis (`model.ReferralBasis`) over the risk-factor findings."""
    alternatives: tuple[AlternativeRule, ...]
    overlays: tuple[Rule, ...]
    precautions: tuple[Precaution, ...]
    categories: Mapping[str, CategoryInfo]
    exercises: tuple[Exercise, ...]
    plan_components: Mapping[tuple[str, str], tuple[str, ...]]
    """(category, domain) -> dose-line components in order (doses.toml)."""
    follow_up: FollowUp
    """Issue 16: the numbers of following the training (progression.toml, retests.toml)."""
    mdc: Mapping[str, Mdc]
    """Issue 16 item 4: each function test's MDC95 by test id (`tug_s`, ...; retests.toml)."""
    progression_rules: Mapping[str, ProgressionRule]
    """Issue 16 item 2: the progression rules by id (progression.toml; rules.progress.RULES)."""
    families: tuple[Family, ...] = ()
    layouts: Mapping[str, Layout] = field(default_factory=dict)
    plan_notes: tuple[Rule, ...] = ()
    """plan.toml [note.*]: a note on the whole plan when its rule holds (rule id = note id)."""
    acute_activity_levels: tuple[str, ...] = ()
    category_requires: tuple[str, ...] = ()
    """Findings the category needs (SPEC P14); if one is missing the category is null."""
    cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def value(self, threshold_id: str) -> float:
        return self.thresholds[threshold_id].value

    def ladders(self) -> Mapping[Pattern, tuple[tuple[str, tuple[Exercise, ...]], ...]]:
        """Per pattern, its families in preference order, each with its home exercises by level."""
        ladders = self.cache.get("ladders")
        if not isinstance(ladders, dict):
            by_id = {e.id: e for e in self.exercises}
            found: dict[Pattern, list[tuple[str, tuple[Exercise, ...]]]] = {p: [] for p in Pattern}
            for family in self.families:
                rungs = tuple(
                    by_id[eid]
                    for eid in family.levels
                    if eid in by_id and not by_id[eid].supervised_only
                )
                found[family.pattern].append((family.id, rungs))
            ladders = {k: tuple(v) for k, v in found.items()}
            self.cache["ladders"] = ladders
        return ladders

    def exercise(self, exercise_id: str) -> Exercise | None:
        """The exercise with this id; None for one this knowledge base does not have."""
        by_id = self.cache.get("exercises")
        if not isinstance(by_id, dict):
            by_id = {e.id: e for e in self.exercises}
            self.cache["exercises"] = by_id
        return by_id.get(exercise_id)

    def rules(self) -> tuple[Rule, ...]:
        """Every rule of the knowledge base, in the order the core runs them."""
        factors = [r for f in self.risk_factors for r in (f.rule, f.strong_rule) if r is not None]
        return (
            *self.criteria,
            *factors,
            *(row.rule for row in self.bone_status.rows),
            *(row.rule for row in self.category_table.rows),
            *(a.rule for a in self.alternatives),
            *self.overlays,
            *(p.rule for p in self.precautions),
            *(row.rule for row in self.referral_table.rows),
        )

    def group_of(self, rule_id: str) -> Group | None:
        """The group a rule belongs to.

        None for an id this knowledge base does not have (a result stored under an older one).
        """
        groups = self.cache.get("groups")
        if not isinstance(groups, dict):
            groups = {r.id: r.group for r in self.rules()}
            self.cache["groups"] = groups
        group = groups.get(rule_id)
        return group if isinstance(group, Group) else None

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

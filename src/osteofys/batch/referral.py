"""The risk-factor rules and the GP-referral decision (SPEC P10, P4) as polars columns.

`rules.assess._referral` decides one case in Python; `columns` decides every row the same way:
- refer is true on a red flag, false when osteoporosis is already known; otherwise true with a
  strong factor at any age or any factor from `referral_min_age_years`; null (undecided) when
  nothing recorded triggers but an unknown factor could; false otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import polars as pl

from osteofys.batch.compile import compile_rule
from osteofys.rules import lang
from osteofys.rules.knowledge import Knowledge, RiskFactor, Rule
from osteofys.rules.model import Outcome


@dataclass(frozen=True, slots=True)
class ReferralRules:
    criteria: tuple[Rule, ...]
    """The criteria the risk factors and the red flag read, in knowledge-base order."""
    factors: tuple[RiskFactor, ...]
    reads: frozenset[str]
    """Every finding the referral reads."""


def _fields(rule: Rule) -> set[str]:
    return set(rule.fields) | (set(lang.fields(rule.false_when)) if rule.false_when else set())


def referral_rules(k: Knowledge) -> ReferralRules:
    wanted: set[str] = {"age_years", "osteoporosis_diagnosed"}
    for rf in k.risk_factors:
        for rule in (rf.rule, rf.strong_rule):
            if rule is not None:
                wanted |= _fields(rule)
    chosen: list[Rule] = []
    for rule in reversed(k.criteria):
        if rule.sets == Outcome.RED_FLAG or (rule.sets is not None and rule.sets in wanted):
            chosen.append(rule)
            wanted |= _fields(rule)
    chosen.reverse()
    made = {r.sets for r in chosen if r.sets}
    return ReferralRules(tuple(chosen), k.risk_factors, frozenset(wanted - made))


def outcome(rule: Rule) -> str:
    return f"_rule:{rule.id}"


def evaluate(frame: pl.LazyFrame, rules: ReferralRules) -> pl.LazyFrame:
    """Add each criterion's outcome (under its `sets` name) and each risk factor's outcome."""
    for rule in rules.criteria:
        # Later criteria read earlier ones by name: one step each, in order.
        frame = frame.with_columns(compile_rule(rule).alias(rule.sets or outcome(rule)))
    factor_rules = [r for rf in rules.factors for r in (rf.rule, rf.strong_rule) if r is not None]
    return frame.with_columns([compile_rule(r).alias(outcome(r)) for r in factor_rules])


MASK = "_factors"
"""Bit i set: the i-th risk factor of the knowledge base is present."""


def columns(k: Knowledge, rules: ReferralRules) -> dict[str, pl.Expr]:
    """The output columns `refer`, `already_known`, `strong` and `n_risk_factors`, and the
    present factors as the bit mask `MASK` (`factor_names` spells it out), read from the
    outcomes that `evaluate` added."""
    if len(rules.factors) > MAX_FACTORS:
        raise ValueError(f"more than {MAX_FACTORS} risk factors do not fit the bit mask")
    fired = {rf.id: pl.col(outcome(rf.rule)).fill_null(False) for rf in rules.factors}
    unknown = {rf.id: pl.col(outcome(rf.rule)).is_null() for rf in rules.factors}

    def strong(rf: RiskFactor) -> pl.Expr:
        if rf.strong:
            return fired[rf.id]
        if rf.strong_rule is not None:
            return fired[rf.id] & pl.col(outcome(rf.strong_rule)).fill_null(False)
        return pl.lit(False)

    def any_of(items: list[pl.Expr]) -> pl.Expr:
        return reduce(lambda a, b: a | b, items, pl.lit(False))

    adult = pl.col("age_years") >= k.value("referral_min_age_years")
    any_strong = any_of([strong(rf) for rf in rules.factors])
    any_fired = any_of(list(fired.values()))
    could_trigger = any_of(
        [
            unknown[rf.id] & (adult | (rf.strong or rf.strong_rule is not None))
            for rf in rules.factors
        ]
    )
    known = pl.col("osteoporosis_diagnosed") == True  # noqa: E712 (null is not known)
    refer = (
        pl.when(pl.col(Outcome.RED_FLAG).fill_null(False))
        .then(pl.lit(True))
        .when(known.fill_null(False))
        .then(pl.lit(False))
        .when(any_strong | (any_fired & adult))
        .then(pl.lit(True))
        .when(could_trigger)
        .then(pl.lit(None, dtype=pl.Boolean))
        .otherwise(pl.lit(False))
    )
    mask = pl.sum_horizontal(
        [v.cast(pl.UInt64) * (1 << i) for i, v in enumerate(fired.values())]
    ).cast(pl.UInt64)
    return {
        "refer": refer,
        "already_known": known.fill_null(False),
        "strong": any_strong,
        MASK: mask,
        "n_risk_factors": mask.bitwise_count_ones().cast(pl.Int64),
    }


MAX_FACTORS = 64


def factor_names(masks: pl.Series, rules: ReferralRules) -> pl.Series:
    """Each mask as RF ids joined by `;`, in knowledge-base order.

    There are few distinct combinations in a population, so they are spelt out once each in
    Python: joining strings per row costs more than the whole rule evaluation.
    """
    ids = [rf.id for rf in rules.factors]
    spelt = {
        m: ";".join(rf for i, rf in enumerate(ids) if m >> i & 1)
        for m in masks.unique().drop_nulls().to_list()
    }
    return masks.replace_strict(spelt, return_dtype=pl.String).rename("risk_factors")

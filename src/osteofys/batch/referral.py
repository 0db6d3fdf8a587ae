"""The risk-factor rules and the GP-referral decision (SPEC P10, P4) as polars columns.

The decision is the knowledge base's referral table (kb/data/referral.toml), compiled as the core
runs it (`rules.assess`): `evaluate` adds the criteria and risk-factor outcomes, the risk-factor
findings it reads (`rules.findings.FactorFinding`, as `rules.findings.factor_findings` makes them)
and the basis; `columns` reads the output columns from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import polars as pl

from osteofys.batch.compile import compile_rule, compile_table
from osteofys.rules import lang
from osteofys.rules.findings import FACTOR_FINDINGS, FactorFinding
from osteofys.rules.knowledge import Knowledge, RiskFactor, Rule, Table
from osteofys.rules.model import ReferralBasis


@dataclass(frozen=True, slots=True)
class ReferralRules:
    criteria: tuple[Rule, ...]
    """The criteria the risk factors and the referral table read, in knowledge-base order."""
    factors: tuple[RiskFactor, ...]
    table: Table
    reads: frozenset[str]
    """Every finding the referral reads."""


def _fields(rule: Rule) -> set[str]:
    return set(rule.fields) | (set(lang.fields(rule.false_when)) if rule.false_when else set())


def referral_rules(k: Knowledge) -> ReferralRules:
    wanted: set[str] = set()
    factor_rules = [r for rf in k.risk_factors for r in (rf.rule, rf.strong_rule) if r is not None]
    for rule in (*factor_rules, *(row.rule for row in k.referral_table.rows)):
        wanted |= _fields(rule)
    wanted -= FACTOR_FINDINGS
    chosen: list[Rule] = []
    for rule in reversed(k.criteria):
        if rule.sets is not None and rule.sets in wanted:
            chosen.append(rule)
            wanted |= _fields(rule)
    chosen.reverse()
    made = {r.sets for r in chosen if r.sets}
    return ReferralRules(tuple(chosen), k.risk_factors, k.referral_table, frozenset(wanted - made))


def outcome(rule: Rule) -> str:
    return f"_rule:{rule.id}"


BASIS = "_basis"
"""The referral table's outcome, a `ReferralBasis` value."""


def evaluate(frame: pl.LazyFrame, rules: ReferralRules) -> pl.LazyFrame:
    """Add each criterion's and each risk factor's outcome, the risk-factor findings and the basis.

    A criterion's outcome goes under its `sets` name, the referral basis under `BASIS`.
    """
    for rule in rules.criteria:
        # Later criteria read earlier ones by name: one step each, in order.
        frame = frame.with_columns(compile_rule(rule).alias(rule.sets or outcome(rule)))
    factor_rules = [r for rf in rules.factors for r in (rf.rule, rf.strong_rule) if r is not None]
    frame = frame.with_columns([compile_rule(r).alias(outcome(r)) for r in factor_rules])
    frame = frame.with_columns(**factor_findings(rules.factors))
    return frame.with_columns(compile_table(rules.table).alias(BASIS))


def _any(items: list[pl.Expr]) -> pl.Expr:
    """Three-valued or: true if one is, null if none is and one is null (polars' `|`)."""
    return reduce(lambda a, b: a | b, items, pl.lit(False))


def factor_findings(factors: tuple[RiskFactor, ...]) -> dict[str, pl.Expr]:
    """The `FactorFinding` columns from the factors' outcome columns.

    Decided as `rules.findings.factor_findings` decides them.
    """

    def strong(rf: RiskFactor) -> pl.Expr:
        present = pl.col(outcome(rf.rule))
        if rf.strong:
            return present
        if rf.strong_rule is None:
            return pl.lit(False)
        # Present with an unknown `strong_when`: ordinary. Unknown: could be strong.
        strong_when = pl.col(outcome(rf.strong_rule)).fill_null(False)
        return pl.when(present.is_null()).then(pl.lit(None)).otherwise(present & strong_when)

    return {
        FactorFinding.ANY: _any([pl.col(outcome(rf.rule)) for rf in factors]),
        FactorFinding.STRONG: _any([strong(rf) for rf in factors]),
        FactorFinding.DIAGNOSTIC: _any(
            [pl.col(outcome(rf.rule)) for rf in factors if rf.diagnostic]
        ),
    }


MASK = "_factors"
"""Bit i set: the i-th risk factor of the knowledge base is present."""

RECOMMENDED = {basis.value: basis.recommended for basis in ReferralBasis}


def columns(rules: ReferralRules) -> dict[str, pl.Expr]:
    """The output columns, read from the columns that `evaluate` added.

    `refer`, `basis` (why: the `ReferralBasis`, as `osteofys assess` gives it), `already_known`,
    `strong` and `n_risk_factors`, and the present factors as the bit mask `MASK` (`factor_names`
    spells it out).
    """
    if len(rules.factors) > MAX_FACTORS:
        raise ValueError(f"more than {MAX_FACTORS} risk factors do not fit the bit mask")
    fired = [pl.col(outcome(rf.rule)).fill_null(False) for rf in rules.factors]
    mask = pl.sum_horizontal([v.cast(pl.UInt64) * (1 << i) for i, v in enumerate(fired)]).cast(
        pl.UInt64
    )
    known = pl.col("osteoporosis_diagnosed") == True  # noqa: E712 (null is not known)
    return {
        "refer": pl.col(BASIS).replace_strict(RECOMMENDED, return_dtype=pl.Boolean),
        "basis": pl.col(BASIS).fill_null(ReferralBasis.UNDECIDED.value),
        "already_known": known.fill_null(False),
        "strong": pl.col(FactorFinding.STRONG).fill_null(False),
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

"""The polars compiler of the rule language gives the interpreter's outcome on every record.

Every rule of the knowledge base (criteria, risk factors, tables, overlays, precautions) runs on
random findings records, missing values included, through `osteofys.batch.compile` and through
the per-record engine (`rules.engine.Evaluation.run`, with `false_when` and
`provisional_if_missing`). A few hand-written expressions pin the three-valued logic.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteofys import kb
from osteofys.batch.compile import CompileError, compile_expr, compile_rule, compile_table
from osteofys.batch.derive import finding_types
from osteofys.kb.loader import LITERALS
from osteofys.rules import lang
from osteofys.rules.engine import Evaluation
from osteofys.rules.findings import FACTOR_FINDINGS
from osteofys.rules.knowledge import Rule

BASE = kb.load()
K = BASE.knowledge
RULES: list[Rule] = [
    *K.criteria,
    *(r for rf in K.risk_factors for r in (rf.rule, rf.strong_rule) if r is not None),
    *(row.rule for row in K.bone_status.rows),
    *(row.rule for row in K.category_table.rows),
    *(a.rule for a in K.alternatives),
    *K.overlays,
    *(p.rule for p in K.precautions),
    *(row.rule for row in K.referral_table.rows),
]
TYPES: dict[str, pl.DataType] = {
    **finding_types(),
    **{r.sets: pl.Boolean() for r in RULES if r.sets},
    **dict.fromkeys(sorted(FACTOR_FINDINGS), pl.Boolean()),
    "bone_status": pl.String(),
    "category": pl.String(),
}
CUTS = sorted({t.value for t in K.thresholds.values()})
CONDITIONS = sorted(K.conditions)


def value(dtype: pl.DataType, name: str) -> st.SearchStrategy[Any]:
    """Values at and around every cut-off, or missing."""
    if dtype == pl.Boolean:
        strategy: st.SearchStrategy[Any] = st.booleans()
    elif dtype == pl.String:
        strategy = st.sampled_from([*sorted(LITERALS.get(name, {"x"})), "other"])
    elif dtype == pl.List(pl.String):
        strategy = st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True)
    elif dtype == pl.Int64:
        strategy = (
            st.sampled_from(CUTS).map(int).flatmap(lambda c: st.sampled_from([c - 1, c, c + 1]))
        )
    else:
        strategy = st.sampled_from(CUTS).flatmap(
            lambda c: st.sampled_from([c - 0.5, c - 0.01, c, c + 0.01, c + 0.5])
        )
    return st.one_of(st.none(), strategy)


RECORD = st.fixed_dictionaries({name: value(dtype, name) for name, dtype in TYPES.items()})


def frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(records, schema=TYPES)


def interpreted(rule: Rule, record: dict[str, Any]) -> bool | None:
    outcome = Evaluation(dict(record), {}).run(rule).outcome
    assert outcome is None or isinstance(outcome, bool)
    return outcome


@settings(max_examples=max(50, settings.default.max_examples // 3), deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=25))
def test_every_rule_compiles_to_the_interpreters_outcome(records: list[dict[str, Any]]) -> None:
    table = frame(records).select(
        [compile_rule(rule).alias(f"{i}:{rule.id}") for i, rule in enumerate(RULES)]
    )
    for i, rule in enumerate(RULES):
        column = table[f"{i}:{rule.id}"].to_list()
        expected = [interpreted(rule, r) for r in records]
        assert column == expected, (rule.id, rule.expr)


TABLES = [K.bone_status, K.category_table, K.referral_table]


@settings(max_examples=max(50, settings.default.max_examples // 3), deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=25))
def test_every_table_compiles_to_the_interpreters_outcome(records: list[dict[str, Any]]) -> None:
    """First match, an unknown row stopping a `stop_on_unknown` table (polars' `when` reads null
    as false), the default when no row matches."""
    table = frame(records).select([compile_table(t).alias(t.id) for t in TABLES])
    for t in TABLES:
        expected = [Evaluation(dict(r), {}).table(t).outcome for r in records]
        assert table[t.id].to_list() == expected, t.id


CUT = {"limit": 10.0}


def compiled(source: str, rows: list[dict[str, Any]], schema: dict[str, Any]) -> list[Any]:
    expr = compile_expr(lang.parse(source), CUT)
    return pl.DataFrame(rows, schema=schema).select(expr.alias("out"))["out"].to_list()


@pytest.mark.parametrize(
    ("a", "b", "conj", "disj"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
        (False, False, False, False),
    ],
)
def test_kleene_logic(a: bool | None, b: bool | None, conj: bool | None, disj: bool | None) -> None:
    rows = [{"a": a, "b": b}]
    schema = {"a": pl.Boolean, "b": pl.Boolean}
    assert compiled("a and b", rows, schema) == [conj]
    assert compiled("b and a", rows, schema) == [conj]
    assert compiled("a or b", rows, schema) == [disj]
    assert compiled("not a", rows, schema) == [None if a is None else not a]


def test_comparisons_with_a_missing_value_are_unknown_and_known_never_is() -> None:
    rows = [{"x": None, "s": None, "l": None}, {"x": 10.0, "s": "b", "l": ["q"]}]
    schema = {"x": pl.Float64, "s": pl.String, "l": pl.List(pl.String)}
    assert compiled("x >= limit", rows, schema) == [None, True]
    assert compiled("x > limit", rows, schema) == [None, False]
    assert compiled("s in ['a', 'b']", rows, schema) == [None, True]
    assert compiled("s != 'b'", rows, schema) == [None, False]
    assert compiled("known(x)", rows, schema) == [False, True]
    assert compiled("any_of(l, ['q', 'r'])", rows, schema) == [None, True]
    assert compiled("any_of(l, ['r'])", rows, schema) == [None, False]


def test_assume_false_decides_a_missing_comparison() -> None:
    expr = compile_expr(lang.parse("x <= limit or y"), CUT, frozenset({"x"}))
    out = pl.DataFrame(
        [{"x": None, "y": None}, {"x": None, "y": True}], schema={"x": pl.Float64, "y": pl.Boolean}
    ).select(expr.alias("o"))
    assert out["o"].to_list() == [None, True]


def test_a_substring_test_has_no_polars_counterpart() -> None:
    with pytest.raises(CompileError):
        compile_expr(lang.parse("s in 'abc'"), CUT)

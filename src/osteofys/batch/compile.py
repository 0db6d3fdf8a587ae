"""Compiles the rule language (`osteofys.rules.lang`) to polars expressions over findings columns.

The semantics are those of `lang.compile_expr`: a comparison with a missing value is unknown
(null), `and`/`or`/`not` follow three-valued (Kleene) logic, which polars' `&`, `|` and `~` already
do with nulls, `known(x)` is never unknown, and `any_of` reads a list column. First-match tables
decide as `rules.engine.Evaluation.table` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce

import polars as pl

from osteofys.rules import lang
from osteofys.rules.knowledge import Rule, Table


class CompileError(ValueError):
    """The expression uses a construct that has no polars counterpart with the same meaning."""


def compile_expr(
    expr: lang.Expr, cutoffs: Mapping[str, float], assume_false: frozenset[str] = frozenset()
) -> pl.Expr:
    """The expression as a boolean polars expression, null where the record's outcome is unknown.

    Args:
        expr: a parsed rule expression.
        cutoffs: threshold id -> value.
        assume_false: fields whose comparisons give false instead of unknown when missing (P14).
    """
    if isinstance(expr, lang.Cmp):
        out = _compare(expr, cutoffs)
        # Null only when the field is missing, so filling nulls is the same as assuming false.
        return out.fill_null(False) if expr.field in assume_false else out
    if isinstance(expr, lang.Known):
        return pl.col(expr.field).is_not_null()
    if isinstance(expr, lang.AnyOf):
        wanted = pl.Series(list(expr.values), dtype=pl.String)
        return pl.col(expr.field).list.eval(pl.element().is_in(wanted.implode())).list.any()
    if isinstance(expr, lang.Not):
        return ~compile_expr(expr.item, cutoffs, assume_false)
    parts = [compile_expr(e, cutoffs, assume_false) for e in expr.items]
    if isinstance(expr, lang.And):
        return reduce(lambda a, b: a & b, parts)
    return reduce(lambda a, b: a | b, parts)


def _compare(expr: lang.Cmp, cutoffs: Mapping[str, float]) -> pl.Expr:
    col = pl.col(expr.field)
    if expr.threshold is not None:
        target: float | str | bool = cutoffs[expr.threshold]
    elif isinstance(expr.literal, tuple):
        if expr.op != "in":
            raise CompileError(f"{expr.field} {expr.op} {expr.literal!r}: a list only after 'in'")
        options = pl.Series(list(expr.literal), dtype=pl.String)
        return col.is_in(options.implode())
    elif expr.literal is None:
        raise CompileError(f"{expr.field} {expr.op}: nothing to compare with")
    else:
        target = expr.literal
    if expr.op == "in":
        # Python's `x in 'text'` is a substring test; no shipped rule needs it.
        raise CompileError(f"{expr.field} in {target!r}: 'in' needs a list")
    match expr.op:
        case "lt":
            return col < target
        case "le":
            return col <= target
        case "gt":
            return col > target
        case "ge":
            return col >= target
        case "eq":
            return col == target
        case "ne":
            return col != target
    raise CompileError(f"unknown operator {expr.op!r}")


def compile_rule(rule: Rule) -> pl.Expr:
    """A rule's outcome as `Evaluation.run` decides it (SPEC P7, P8, P14).

    `provisional_if_missing` and `false_when` included.
    """
    cutoffs = dict(rule.cutoffs)
    out = compile_expr(rule.expr, cutoffs)
    if rule.provisional_if_missing:
        out = pl.coalesce(out, compile_expr(rule.expr, cutoffs, rule.provisional_if_missing))
    if rule.false_when is not None:
        decided = compile_expr(rule.false_when, cutoffs).fill_null(False)
        out = pl.when(out.is_null() & decided).then(pl.lit(False)).otherwise(out)
    return out


def compile_table(table: Table) -> pl.Expr:
    """A first-match table's outcome (a string column) as `Evaluation.table` decides it.

    The outcome of the first true row; with `stop_on_unknown`, `on_unknown` at an unknown row before
    it; otherwise the default (null when there is none).
    """
    out = pl.lit(table.default, dtype=pl.String)
    for row in reversed(table.rows):
        test = compile_rule(row.rule)
        if table.stop_on_unknown:
            # `when` reads null as false: an unknown row must stop the table, not fall through.
            out = (
                pl.when(test.is_null())
                .then(pl.lit(table.on_unknown, dtype=pl.String))
                .otherwise(out)
            )
        out = pl.when(test).then(pl.lit(row.outcome, dtype=pl.String)).otherwise(out)
    return out

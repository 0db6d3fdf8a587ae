"""The closed rule language: comparisons, and/or/not, known() and any_of(), in three-valued logic.

Rules are strings in the knowledge base. They are parsed with `ast` into the small node set below,
never evaluated as Python. One interpreter here runs them per record; `osteofys.batch` compiles
the same nodes to polars expressions.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from osteofys.rules.model import Tri

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
    "in": lambda value, options: value in options,
}
_AST_OPS = {
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.In: "in",
}


@dataclass(frozen=True, slots=True)
class Cmp:
    """`field <op> threshold` (a KB threshold id) or `field <op> literal` (string/bool/list)."""

    field: str
    op: str
    threshold: str | None = None
    literal: str | bool | tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


@dataclass(frozen=True, slots=True)
class Known:
    """True when the field is recorded. Never unknown."""

    field: str


@dataclass(frozen=True, slots=True)
class AnyOf:
    """True when the list field holds any of `values`."""

    field: str
    values: tuple[str, ...]


Expr = Cmp | And | Or | Not | Known | AnyOf


class RuleSyntaxError(ValueError):
    pass


def parse(source: str) -> Expr:
    """Parse a rule expression. Raises RuleSyntaxError for anything outside the language."""
    try:
        # Parenthesised so that a rule may span several lines in TOML.
        tree = ast.parse(f"({source.strip()}\n)", mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(f"{source!r}: {exc.msg}") from exc
    return _node(tree.body, source)


def _node(n: ast.expr, src: str) -> Expr:
    if isinstance(n, ast.BoolOp):
        items = tuple(_node(v, src) for v in n.values)
        return And(items) if isinstance(n.op, ast.And) else Or(items)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
        return Not(_node(n.operand, src))
    if isinstance(n, ast.Name):
        return Cmp(n.id, "eq", literal=True)
    if isinstance(n, ast.Compare):
        return _compare(n, src)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
        return _call(n.func.id, n.args, src)
    raise RuleSyntaxError(f"{src!r}: {ast.unparse(n)!r} is not part of the rule language")


def _compare(n: ast.Compare, src: str) -> Cmp:
    if len(n.ops) != 1 or not isinstance(n.left, ast.Name) or type(n.ops[0]) not in _AST_OPS:
        raise RuleSyntaxError(f"{src!r}: write one comparison 'finding <op> threshold' at a time")
    op = _AST_OPS[type(n.ops[0])]
    right = n.comparators[0]
    if isinstance(right, ast.Name):
        return Cmp(n.left.id, op, threshold=right.id)
    return Cmp(n.left.id, op, literal=_literal(right, src))


def _literal(n: ast.expr, src: str) -> str | bool | tuple[str, ...]:
    if isinstance(n, ast.Constant) and isinstance(n.value, str | bool):
        return n.value
    if isinstance(n, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in n.elts
    ):
        return tuple(e.value for e in n.elts)  # type: ignore[attr-defined]
    raise RuleSyntaxError(
        f"{src!r}: {ast.unparse(n)!r}: numbers belong in thresholds.toml, with their source"
    )


def _call(name: str, args: list[ast.expr], src: str) -> Expr:
    if name == "known" and len(args) == 1 and isinstance(args[0], ast.Name):
        return Known(args[0].id)
    if name == "any_of" and len(args) == 2 and isinstance(args[0], ast.Name):
        values = _literal(args[1], src)
        if isinstance(values, tuple):
            return AnyOf(args[0].id, values)
    raise RuleSyntaxError(f"{src!r}: unknown function call {name}(...)")


def fields(expr: Expr) -> tuple[str, ...]:
    """The findings an expression reads, in order of first use."""
    out: dict[str, None] = {}
    _walk(
        expr,
        lambda e: out.setdefault(e.field, None) if not isinstance(e, And | Or | Not) else None,
    )
    return tuple(out)


def thresholds(expr: Expr) -> tuple[str, ...]:
    """The threshold ids an expression compares against."""
    out: dict[str, None] = {}
    _walk(
        expr,
        lambda e: out.setdefault(e.threshold, None) if isinstance(e, Cmp) and e.threshold else None,
    )
    return tuple(out)


def _walk(expr: Expr, visit: Callable[[Expr], object]) -> None:
    visit(expr)
    if isinstance(expr, And | Or):
        for item in expr.items:
            _walk(item, visit)
    elif isinstance(expr, Not):
        _walk(expr.item, visit)


Record = Mapping[str, Any]
Compiled = Callable[[Record], Tri]


def compile_expr(
    expr: Expr, cutoffs: Mapping[str, float], assume_false: frozenset[str] = frozenset()
) -> Compiled:
    """Turn an expression into a closure over a findings record.

    Threshold values are bound now, so evaluation does no look-ups. Comparisons on a field in
    `assume_false` give False instead of unknown when the field is missing (SPEC P14, provisional).
    """
    if isinstance(expr, Cmp):
        return _compile_cmp(expr, cutoffs, expr.field in assume_false)
    if isinstance(expr, Known):
        name = expr.field
        return lambda r: r[name] is not None
    if isinstance(expr, AnyOf):
        return _compile_any_of(expr)
    if isinstance(expr, Not):
        inner = compile_expr(expr.item, cutoffs, assume_false)
        return lambda r: None if (v := inner(r)) is None else not v
    parts = tuple(compile_expr(e, cutoffs, assume_false) for e in expr.items)
    return _compile_all(parts) if isinstance(expr, And) else _compile_any(parts)


def _compile_cmp(expr: Cmp, cutoffs: Mapping[str, float], assume: bool) -> Compiled:
    name = expr.field
    target: Any = cutoffs[expr.threshold] if expr.threshold else expr.literal
    missing: Tri = False if assume else None
    # One closure per operator: the comparison runs inline instead of through operator.* calls.
    if expr.op == "ge":

        def ge(r: Record) -> Tri:
            v = r[name]
            return missing if v is None else v >= target

        return ge
    if expr.op == "gt":

        def gt(r: Record) -> Tri:
            v = r[name]
            return missing if v is None else v > target

        return gt
    if expr.op == "le":

        def le(r: Record) -> Tri:
            v = r[name]
            return missing if v is None else v <= target

        return le
    if expr.op == "lt":

        def lt(r: Record) -> Tri:
            v = r[name]
            return missing if v is None else v < target

        return lt
    op = OPS[expr.op]

    def cmp(r: Record) -> Tri:
        v = r[name]
        return missing if v is None else op(v, target)

    return cmp


def _compile_any_of(expr: AnyOf) -> Compiled:
    name, wanted = expr.field, frozenset(expr.values)

    def any_of(r: Record) -> Tri:
        value = r[name]
        return None if value is None else not wanted.isdisjoint(value)

    return any_of


def _compile_all(parts: tuple[Compiled, ...]) -> Compiled:
    if len(parts) == 2:
        first, second = parts

        def and2(r: Record) -> Tri:
            a = first(r)
            if a is False:
                return False
            b = second(r)
            if b is False:
                return False
            return None if a is None or b is None else True

        return and2

    def all_(r: Record) -> Tri:
        unknown = False
        for part in parts:
            v = part(r)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True

    return all_


def _compile_any(parts: tuple[Compiled, ...]) -> Compiled:
    if len(parts) == 2:
        first, second = parts

        def or2(r: Record) -> Tri:
            a = first(r)
            if a is True:
                return True
            b = second(r)
            if b is True:
                return True
            return None if a is None or b is None else False

        return or2

    def any_(r: Record) -> Tri:
        unknown = False
        for part in parts:
            v = part(r)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False

    return any_

"""The rule language: what it accepts, what it refuses, and its three-valued logic."""

from __future__ import annotations

from typing import Any

import pytest

from osteofys.rules import lang

CUTS = {"limit": 10.0}


def evaluate(source: str, record: dict[str, Any]) -> bool | None:
    return lang.compile_expr(lang.parse(source), CUTS)(record)


@pytest.mark.parametrize(
    "source",
    [
        "tug_s >= 13.5",  # numbers belong in thresholds.toml
        "__import__('os')",
        "a.b >= limit",
        "a + b >= limit",
        "1 < a < limit",
        "lambda: 1",
        "known(1)",
        "any_of(conditions, 'copd')",
        "tug_s >=",
    ],
)
def test_refuses_anything_outside_the_language(source: str) -> None:
    with pytest.raises(lang.RuleSyntaxError):
        lang.parse(source)


def test_reads_names_and_thresholds() -> None:
    expr = lang.parse("a >= limit and (b or not c) and any_of(d, ['x']) and known(e)")
    assert lang.fields(expr) == ("a", "b", "c", "d", "e")
    assert lang.thresholds(expr) == ("limit",)


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
    record = {"a": a, "b": b}
    assert evaluate("a and b", record) is conj
    assert evaluate("b and a", record) is conj
    assert evaluate("a or b", record) is disj
    assert evaluate("not a", record) is (None if a is None else not a)


def test_comparison_with_a_missing_value_is_unknown_never_false() -> None:
    assert evaluate("x >= limit", {"x": None}) is None
    assert evaluate("x >= limit", {"x": 10}) is True
    assert evaluate("x < limit", {"x": 10}) is False
    assert evaluate("x in ['a', 'b']", {"x": "b"}) is True
    assert evaluate("x == 'a'", {"x": None}) is None


def test_known_and_any_of() -> None:
    assert evaluate("known(x)", {"x": None}) is False
    assert evaluate("known(x)", {"x": 0}) is True
    assert evaluate("any_of(c, ['copd', 'cushing'])", {"c": ("copd",)}) is True
    assert evaluate("any_of(c, ['copd'])", {"c": ()}) is False
    assert evaluate("any_of(c, ['copd'])", {"c": None}) is None


def test_assumed_fields_give_false_instead_of_unknown() -> None:
    expr = lang.parse("a or x <= limit")
    compiled = lang.compile_expr(expr, CUTS, frozenset({"x"}))
    assert compiled({"a": False, "x": None}) is False
    assert compiled({"a": None, "x": None}) is None


def test_rules_may_span_lines() -> None:
    assert evaluate("a\n  or b", {"a": False, "b": True}) is True

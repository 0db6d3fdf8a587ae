"""Input-size limits and the accepted date range of the case parser (issue 12, items 4 and 7).

A list over its limit is refused before its items are looked at, the problems reported are
capped, and no date the parser accepts can make the core's calendar arithmetic fail.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys.kb.explain import issue_text
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import CaseError, assess, parse_case
from osteofys.rules.dates import add_months
from osteofys.rules.limits import (
    EARLIEST_DATE,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_FRACTURES,
    MAX_ISSUES,
    json_depth_exceeds,
)
from tests.conftest import BASE_CASE, vary

TODAY = date(2026, 12, 2)
FRACTURE = {"site": "wrist", "date": "2020-05-01", "low_energy": True}


def problems(base: KnowledgeBase, case: Any, today: date = TODAY) -> list[Any]:
    k = base.knowledge
    with pytest.raises(CaseError) as caught:
        parse_case(case, k.input_ranges, k.conditions, today=today)
    return caught.value.issues


# --- list limits -----------------------------------------------------------------------------


def test_fractures_over_the_limit_are_one_problem_not_one_per_item(base: KnowledgeBase) -> None:
    found = problems(base, vary(fractures=[{"site": "nowhere"}] * 200_000))
    assert [(i.field, i.problem, i.value, i.allowed) for i in found] == [
        ("fractures", "too_many", 200_000, str(MAX_FRACTURES))
    ]
    assert "200000" in issue_text(base, found[0], "da")
    assert f"højst {MAX_FRACTURES}" in issue_text(base, found[0], "da")


def test_fractures_up_to_the_limit_are_read(base: KnowledgeBase) -> None:
    k = base.knowledge
    case = parse_case(
        vary(fractures=[FRACTURE] * MAX_FRACTURES), k.input_ranges, k.conditions, today=TODAY
    )
    assert case.fractures is not None
    assert len(case.fractures) == MAX_FRACTURES


def test_conditions_over_the_limit(base: KnowledgeBase) -> None:
    found = problems(base, vary(risk_factors__conditions=["copd"] * (MAX_CONDITIONS + 1)))
    assert [(i.field, i.problem) for i in found] == [("risk_factors.conditions", "too_many")]


def test_the_number_of_reported_problems_is_capped(base: KnowledgeBase) -> None:
    case = copy.deepcopy(BASE_CASE)
    case["tests"].update({f"junk_{n}": n for n in range(10_000)})
    found = problems(base, case)
    assert len(found) == MAX_ISSUES + 1
    last = found[-1]
    assert (last.field, last.problem, last.value) == ("case", "more_issues", 10_000 - MAX_ISSUES)
    assert str(10_000 - MAX_ISSUES) in issue_text(base, last, "da")


def test_a_problem_quotes_a_long_value_shortened(base: KnowledgeBase) -> None:
    (issue,) = problems(base, vary(function__walking_aid="x" * 100_000))
    assert issue.problem == "bad_choice"
    assert len(str(issue.value)) < 100
    deep: Any = []
    for _ in range(600):
        deep = [deep]
    (issue,) = problems(base, vary(risk_factors__conditions=deep))
    assert (issue.field, issue.problem, issue.value) == (
        "risk_factors.conditions",
        "wrong_type",
        "[…]",
    )


def test_json_depth() -> None:
    nested: Any = 1
    for level in range(MAX_DEPTH):  # lists and objects alternating, MAX_DEPTH levels
        nested = {"a": nested} if level % 2 else [nested]
    assert not json_depth_exceeds(nested)
    assert json_depth_exceeds([nested])
    assert not json_depth_exceeds(BASE_CASE)


# --- the date range --------------------------------------------------------------------------


def test_a_future_assessment_date_names_the_field_and_the_range(base: KnowledgeBase) -> None:
    found = problems(base, vary(assessment_date="2026-12-03"))
    assert [(i.field, i.problem, i.allowed) for i in found] == [
        ("assessment_date", "out_of_range", "1900-01-01–2026-12-02")
    ]
    text = issue_text(base, found[0], "da")
    assert "Undersøgelsesdato" in text or "assessment_date" in text
    # The issue keeps ISO dates (structure); the sentence for a person spells them out.
    assert "1. januar 1900 – 2. december 2026" in text
    assert "2026-12" not in text
    assert "1 January 1900 – 2 December 2026" in issue_text(base, found[0], "en")


def test_the_calendars_last_days_are_refused_not_a_crash(base: KnowledgeBase) -> None:
    # Was a ValueError in the acute-phase arithmetic (9999-12-30 + 6 months).
    case = vary(
        assessment_date="9999-12-31",
        fractures=[{"site": "vertebra", "date": "9999-12-30", "low_energy": True}],
    )
    found = problems(base, case)
    assert ("assessment_date", "out_of_range") in [(i.field, i.problem) for i in found]


@pytest.mark.parametrize(
    "change",
    [
        {"patient__birth_date": "0001-01-01"},
        {"dxa__date": "1899-12-31"},
        {"fractures": [{"site": "hip", "date": "0001-01-01"}]},
        {"assessment_date": "1899-12-31"},
    ],
)
def test_dates_before_1900_are_refused(base: KnowledgeBase, change: dict[str, Any]) -> None:
    found = problems(base, vary(**change))
    assert "out_of_range" in [i.problem for i in found]
    assert all(i.allowed.startswith(EARLIEST_DATE.isoformat()) for i in found)


def test_today_is_an_allowed_assessment_date(base: KnowledgeBase) -> None:
    k = base.knowledge
    case = parse_case(vary(assessment_date="2026-12-02"), k.input_ranges, k.conditions, today=TODAY)
    assert case.assessment_date == TODAY


def _day(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda n: first + timedelta(days=n))


DATES = st.one_of(_day(date.min, date.max), st.sampled_from([date.max, date(9999, 12, 30)]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    today=st.one_of(_day(date(1900, 1, 1), date.max), st.just(date.max)),
    dates=st.tuples(DATES, DATES, _day(date.min, date.max)),
    site=st.sampled_from(["vertebra", "hip", "wrist"]),
)
def test_any_date_the_parser_accepts_can_be_assessed(
    base: KnowledgeBase, today: date, dates: tuple[date, date, date], site: str
) -> None:
    """Either a CaseError naming fields, or an assessment: never a ValueError or OverflowError."""
    assessed, fractured, born = dates
    k = base.knowledge
    case = vary(
        assessment_date=assessed.isoformat(),
        patient__birth_date=born.isoformat(),
        dxa__date=None,
        fractures=[{"site": site, "date": fractured.isoformat(), "low_energy": True}],
    )
    try:
        parsed = parse_case(case, k.input_ranges, k.conditions, today=today)
    except CaseError as exc:
        issues = exc.issues
    else:
        issues = []
        assert EARLIEST_DATE <= parsed.assessment_date <= today
        assess(parsed, k)
    assert all(i.field and i.allowed for i in issues)


def test_add_months_at_the_calendars_end_saturates_instead_of_raising() -> None:
    assert add_months(date(9999, 6, 30), 6) == date(9999, 12, 30)
    assert add_months(date(9999, 12, 30), 6) == date.max
    assert add_months(date(1, 1, 31), -1) == date.min

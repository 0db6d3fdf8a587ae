"""Calendar arithmetic used by the time windows (acute phase, recent fracture)."""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, date, timedelta


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months, clamped to the month's end (31 Aug + 6 = 28/29 Feb).

    Past the calendar's ends the answer is its first or last day: a window that would end after
    9999-12-31 has not ended on any date there is, so no comparison changes, and nothing raises.
    """
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    if year > MAXYEAR:
        return date.max
    if year < MINYEAR:
        return date.min
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_weeks(start: date, weeks: float) -> date:
    """`start` plus `weeks`, saturating at the calendar's ends like `add_months`."""
    try:
        return start + timedelta(weeks=weeks)
    except OverflowError:
        return date.max if weeks > 0 else date.min


def completed_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end`: the largest n with add_months(start, n) <= end.

    So "less than N months ago" is `completed_months(d, today) < N`, the same as
    `today < add_months(d, N)`, which is how the acute-phase `until` date is defined (SPEC P3).
    """
    n = (end.year - start.year) * 12 + end.month - start.month
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def completed_weeks(start: date, end: date) -> int:
    """Whole weeks from `start` to `end`: `end >= start + n weeks` for n up to the answer.

    So "at least N weeks after" is `completed_weeks(d, today) >= N`, the same as
    `today >= add_weeks(d, N)` for whole N: the acute phase's `earliest_end` (SPEC P3).
    """
    return (end - start).days // 7


def age_on(birth: date, when: date) -> int:
    """Age in completed years."""
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))

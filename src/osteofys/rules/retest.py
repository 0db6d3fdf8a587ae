"""Re-test interpretation: is a change between two results more than measurement error?

Issue 16 item 4. A change counts as real only when it exceeds the test's minimal detectable change
(MDC95, retests.toml `[mdc.*]`, `Knowledge.mdc`) strictly; its direction then says better or worse
(a lower time is better for TUG and 5xSTS). A test with no MDC found gives NO_MDC with the delta; a
missing result, or one the person was unable to do, gives UNKNOWN (an "unable" after a result is
worse in plain terms, but it has no number to compare with the MDC, so it is not called a change).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from osteofys.rules.case import Tests
from osteofys.rules.knowledge import Knowledge

TESTS = tuple(f.name for f in fields(Tests))
"""The function tests of the case; retests.toml has an MDC entry (or none found) for each."""
BETTER = ("lower", "higher")
"""Which way a test improves (`Mdc.better`)."""

# Results are recorded with at most two decimals; comparing the rounded delta keeps a change of
# exactly the MDC (12.08 - 10.00 in floating point) from counting as more than it.
_DIGITS = 6


class Verdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    WITHIN_ERROR = "within_error"
    NO_MDC = "no_mdc"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Change:
    test: str
    before: float | None
    after: float | None
    delta: float | None
    """after - before, in the test's unit; None when either is missing or unable."""
    mdc: float | None
    verdict: Verdict
    sources: tuple[str, ...]


def change(
    kb: Knowledge,
    test: str,
    before: float | None,
    after: float | None,
    *,
    before_unable: bool = False,
    after_unable: bool = False,
) -> Change:
    """The change of `test` from `before` to `after`.

    ValueError for a test the knowledge base has no MDC entry for (retests.toml has one for every
    test of the case, `TESTS`).
    """
    mdc = kb.mdc.get(test)
    if mdc is None:
        raise ValueError(f"no MDC entry for the test {test!r}")
    if before is None or after is None or before_unable or after_unable:
        return Change(test, before, after, None, mdc.value, Verdict.UNKNOWN, mdc.sources)
    delta = round(after - before, _DIGITS)
    if mdc.value is None:
        verdict = Verdict.NO_MDC
    elif abs(delta) > mdc.value:
        improved = delta < 0 if mdc.better == "lower" else delta > 0
        verdict = Verdict.BETTER if improved else Verdict.WORSE
    else:
        verdict = Verdict.WITHIN_ERROR
    return Change(test, before, after, delta, mdc.value, verdict, mdc.sources)

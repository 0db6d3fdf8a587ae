"""Re-test interpretation (issue 16, item 4): a real change only beyond the test's MDC95."""

from __future__ import annotations

import pytest

from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.knowledge import Knowledge
from osteofys.rules.retest import TESTS, Verdict, change


@pytest.fixture(scope="module")
def k(base: KnowledgeBase) -> Knowledge:
    return base.knowledge


@pytest.mark.parametrize(
    ("test", "before", "after", "verdict"),
    [
        # TUG, MDC95 2.08 s, lower is better: exactly the MDC is still measurement error.
        ("tug_s", 12.08, 10.0, Verdict.WITHIN_ERROR),
        ("tug_s", 12.09, 10.0, Verdict.BETTER),
        ("tug_s", 10.0, 12.08, Verdict.WITHIN_ERROR),
        ("tug_s", 10.0, 12.09, Verdict.WORSE),
        ("tug_s", 10.0, 10.0, Verdict.WITHIN_ERROR),
        # 5xSTS, 2.5 s, lower is better.
        ("sit_to_stand_5x_s", 15.0, 12.4, Verdict.BETTER),
        ("sit_to_stand_5x_s", 15.0, 12.5, Verdict.WITHIN_ERROR),
        ("sit_to_stand_5x_s", 12.4, 15.0, Verdict.WORSE),
        # 30 s chair stand, about 2.5 stands, higher is better.
        ("chair_stand_30s", 10, 13, Verdict.BETTER),
        ("chair_stand_30s", 10, 12, Verdict.WITHIN_ERROR),
        ("chair_stand_30s", 13, 10, Verdict.WORSE),
        # Gait speed, 0.10 m/s: 0.9 - 0.8 is 0.0999... in floating point, and within error.
        ("gait_speed_m_s", 0.8, 0.9, Verdict.WITHIN_ERROR),
        ("gait_speed_m_s", 0.8, 0.91, Verdict.BETTER),
        ("gait_speed_m_s", 0.91, 0.8, Verdict.WORSE),
        # One-leg stance, 24.1 s: a large error.
        ("one_leg_stance_s", 5.0, 29.0, Verdict.WITHIN_ERROR),
        ("one_leg_stance_s", 5.0, 29.2, Verdict.BETTER),
    ],
)
def test_a_change_is_real_only_beyond_the_mdc(
    k: Knowledge, test: str, before: float, after: float, verdict: Verdict
) -> None:
    result = change(k, test, before, after)
    assert result.verdict is verdict
    assert result.delta == pytest.approx(after - before)
    assert result.mdc == k.mdc[test].value
    assert result.sources == k.mdc[test].sources
    assert result.sources


def test_a_test_without_an_mdc_gives_the_change_but_no_verdict(k: Knowledge) -> None:
    for test in ("tandem_stance_s", "grip_kg"):
        result = change(k, test, 10.0, 25.0)
        assert (result.verdict, result.delta, result.mdc) == (Verdict.NO_MDC, 15.0, None)


@pytest.mark.parametrize(
    ("before", "after", "unable"),
    [
        (None, 10.0, {}),
        (10.0, None, {}),
        (10.0, 12.0, {"after_unable": True}),
        (10.0, 12.0, {"before_unable": True}),
    ],
)
def test_a_missing_or_unable_result_is_unknown(
    k: Knowledge, before: float | None, after: float | None, unable: dict[str, bool]
) -> None:
    result = change(k, "sit_to_stand_5x_s", before, after, **unable)
    assert (result.verdict, result.delta) == (Verdict.UNKNOWN, None)
    assert result.mdc == 2.5


def test_an_unknown_test_is_refused(k: Knowledge) -> None:
    with pytest.raises(ValueError, match="six_minute_walk"):
        change(k, "six_minute_walk", 300.0, 350.0)


def test_every_test_of_the_case_has_an_entry_with_its_population(
    k: Knowledge, base: KnowledgeBase
) -> None:
    assert set(k.mdc) == set(TESTS)
    assert {t for t, m in k.mdc.items() if m.better == "lower"} == {"tug_s", "sit_to_stand_5x_s"}
    for test, mdc in k.mdc.items():
        if mdc.value is None:
            assert base.texts.mdc_note(test, "da")
            assert base.texts.mdc_population(test, "da") == "ingen MDC fundet"
        else:
            assert set(mdc.population) == {"da", "en"}


def test_the_words_of_a_change(base: KnowledgeBase) -> None:
    texts = base.texts
    assert texts.mdc_population("tug_s", "da") == "MDC95 2,08 s hos hjemmeboende voksne ≥ 50 år"
    assert texts.mdc_population("tug_s", "en").startswith("MDC95 2.08 s in community-dwelling")
    assert texts.mdc_population("chair_stand_30s", "da").startswith("MDC95 2,5 rejsninger hos")
    # Gait speed's value is a meaningful change, not an MDC95: it is not called one.
    gait = texts.mdc_population("gait_speed_m_s", "da")
    assert gait.startswith("0,10 m/s hos")
    assert not gait.startswith("MDC95")
    assert "tandemstående" in (texts.mdc_note("tandem_stance_s", "da") or "")
    words = {v: texts.verdict(v, "da") for v in Verdict}
    assert words[Verdict.WITHIN_ERROR] == "inden for måleusikkerheden"
    assert words[Verdict.BETTER] == "reel forbedring"
    assert words[Verdict.WORSE] == "reel forværring"
    assert words[Verdict.NO_MDC] == "ingen MDC fundet for testen"

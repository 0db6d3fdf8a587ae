"""Time windows at their edges, the age-50 fracture rule, the 45-DDD line, the already-known
exclusion, the referral age and the priority order, each with the figures written out. Every
scenario also runs through the per-patient core, which must agree."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest

from osteofys import kb
from osteofys.batch.cases import Citizen, Diagnosis, Prescription
from osteofys.batch.screen import screen
from tests.batch import registry

BASE = kb.load()
ON = date(2026, 11, 26)


def outcome(
    citizen: Citizen,
    diagnoses: list[tuple[str, date]] = (),  # type: ignore[assignment]
    prescriptions: list[tuple[str, date, float]] = (),  # type: ignore[assignment]
    on: date = ON,
) -> registry.Outcome:
    """One citizen through both engines, which must agree; the batch outcome."""
    cid = citizen.citizen_id
    dx = [Diagnosis(cid, code, when) for code, when in diagnoses]
    rx = [Prescription(cid, atc, when, ddd) for atc, when, ddd in prescriptions]
    with tempfile.TemporaryDirectory() as folder:
        paths = registry.write(Path(folder), [citizen], dx, rx)
        batch = registry.by_batch(paths, BASE, on)
    assert registry.by_core([citizen], dx, rx, BASE, on) == batch
    return batch[cid]


def woman(born: date = date(1956, 4, 2), **answers: object) -> Citizen:
    return Citizen("W", born, "female", **answers)  # type: ignore[arg-type]


# --- 12 months: glucocorticoids (RF2), aromatase inhibitor (RF14), anti-androgens (RF15) -------


@pytest.mark.parametrize(
    ("dispensed", "counts"),
    [
        (date(2025, 11, 26), False),  # exactly 12 months before: outside
        (date(2025, 11, 27), True),  # one day later: inside
        (date(2026, 11, 25), True),  # the day before the screening date
        (date(2026, 11, 26), False),  # the screening date itself does not count
    ],
)
@pytest.mark.parametrize(
    ("atc", "factor"),
    [("H02AB06", "RF2"), ("L02BG04", "RF14"), ("L02BB03", "RF15"), ("L02AE02", "RF15")],
)
def test_twelve_month_window(dispensed: date, counts: bool, atc: str, factor: str) -> None:
    got = outcome(woman(), prescriptions=[(atc, dispensed, 50.0)])
    assert (factor in got.risk_factors) is counts


@pytest.mark.parametrize(
    ("on", "dispensed", "counts"),
    [
        # 29 Feb + 12 months is 28 Feb: on that day the dispensing has left the window.
        (date(2025, 2, 28), date(2024, 2, 29), False),
        (date(2025, 2, 27), date(2024, 2, 29), True),
        (date(2025, 2, 28), date(2024, 3, 1), True),
        (date(2024, 2, 29), date(2023, 2, 28), False),
        (date(2024, 2, 29), date(2023, 3, 1), True),
    ],
)
def test_twelve_month_window_around_a_leap_day(on: date, dispensed: date, counts: bool) -> None:
    got = outcome(woman(), prescriptions=[("H02AB06", dispensed, 50.0)], on=on)
    assert ("RF2" in got.risk_factors) is counts


@pytest.mark.parametrize(
    ("amounts", "counts"),
    [
        ([(date(2026, 6, 1), 44.5)], False),
        ([(date(2026, 6, 1), 45.0)], True),
        ([(date(2026, 1, 1), 22.5), (date(2026, 6, 1), 22.5)], True),
        # The first course lies outside the 12 months: 22.5 DDD within them is not enough.
        ([(date(2025, 11, 1), 22.5), (date(2026, 6, 1), 22.5)], False),
        ([(date(2026, 6, 1), 30.0), (date(2026, 7, 1), 15.0)], True),
    ],
)
def test_glucocorticoids_need_45_ddd_within_12_months(
    amounts: list[tuple[date, float]], counts: bool
) -> None:
    got = outcome(woman(), prescriptions=[("H02AB06", when, ddd) for when, ddd in amounts])
    assert ("RF2" in got.risk_factors) is counts
    assert got.refer is (True if counts else None)


def test_other_glucocorticoids_do_not_count() -> None:
    # H02AA (mineralocorticoids) is next to H02AB and is not a systemic glucocorticoid.
    got = outcome(woman(), prescriptions=[("H02AA02", date(2026, 6, 1), 100.0)])
    assert "RF2" not in got.risk_factors


# --- 5 years: osteoporosis treatment means already found ----------------------------------------


@pytest.mark.parametrize(
    ("treated", "known"),
    [
        (date(2021, 11, 26), False),  # exactly 5 years (60 months) before: outside
        (date(2021, 11, 27), True),
        (date(2026, 11, 25), True),
        (date(2026, 11, 26), False),
    ],
)
@pytest.mark.parametrize(
    "atc", ["M05BA04", "M05BB03", "M05BX04", "M05BX06", "H05AA02", "H05AA04", "G03XC01"]
)
def test_five_year_treatment_window(treated: date, known: bool, atc: str) -> None:
    got = outcome(
        woman(), diagnoses=[("DS720", date(2020, 3, 1))], prescriptions=[(atc, treated, 28.0)]
    )
    assert got.already_known is known
    # A hip fracture refers for treatment assessment, unless osteoporosis is already known.
    assert got.refer is (not known)
    assert got.risk_factors == {"RF1a", "RF1"}


@pytest.mark.parametrize("code", ["M80.0", "DM810", "M81", "m81.9"])
def test_an_osteoporosis_diagnosis_at_any_time_means_already_known(code: str) -> None:
    got = outcome(
        woman(),
        diagnoses=[(code, date(1999, 1, 1)), ("S72.1", date(2025, 1, 1))],
        prescriptions=[("H02AB06", date(2026, 6, 1), 60.0)],
    )
    assert got.already_known is True
    assert got.refer is False
    # The factors are still listed (the municipality may want to know), but no referral.
    assert got.risk_factors == {"RF1a", "RF1", "RF2"}


def test_an_osteoporosis_diagnosis_after_the_screening_date_does_not_count() -> None:
    got = outcome(woman(), diagnoses=[("M81", ON)])
    assert got.already_known is False


# --- fractures from age 50, before the screening date ------------------------------------------


@pytest.mark.parametrize(
    ("born", "fractured", "counts"),
    [
        (date(1960, 5, 10), date(2010, 5, 9), False),  # the day before the 50th birthday
        (date(1960, 5, 10), date(2010, 5, 10), True),  # the 50th birthday
        (date(1960, 2, 29), date(2010, 2, 28), False),  # born on a leap day: 50 on 1 March
        (date(1960, 2, 29), date(2010, 3, 1), True),
    ],
)
def test_fractures_count_from_the_50th_birthday(born: date, fractured: date, counts: bool) -> None:
    got = outcome(woman(born), diagnoses=[("DS220", fractured)])
    assert got.risk_factors == ({"RF1a", "RF1"} if counts else set())


@pytest.mark.parametrize("when", [ON, date(2026, 12, 1)])
def test_events_on_or_after_the_screening_date_do_not_count(when: date) -> None:
    got = outcome(
        woman(),
        diagnoses=[("S72.0", when), ("J44.9", when)],
        prescriptions=[("H02AB06", when, 90.0), ("M05BA04", when, 28.0)],
    )
    assert got.risk_factors == set()
    assert got.already_known is False


def test_a_peripheral_fracture_is_rf1_but_not_rf1a() -> None:
    got = outcome(woman(), diagnoses=[("DS525", date(2024, 1, 1))])
    assert got.risk_factors == {"RF1"}
    assert got.strong is True
    assert got.refer is True


# --- the referral decision (SPEC P10) ----------------------------------------------------------


def test_an_ordinary_factor_refers_from_45() -> None:
    copd = [("DJ449", date(2020, 1, 1))]
    under = outcome(woman(date(1982, 11, 27), height_loss_cm=0.0), diagnoses=copd)
    at = outcome(woman(date(1981, 11, 26), height_loss_cm=0.0), diagnoses=copd)
    assert under.risk_factors == at.risk_factors == {"RF17"}
    assert (under.refer, at.refer) == (False, True)


def test_a_strong_factor_refers_at_any_adult_age() -> None:
    got = outcome(woman(date(1996, 1, 1)), diagnoses=[("Q78.0", date(2000, 1, 1))])
    assert got.risk_factors == {"RF16"}
    assert (got.refer, got.strong) == (True, True)


def test_registry_data_alone_leave_the_unanswered_items_open() -> None:
    # Nothing in the registry, but smoking, family history and more are not recorded: undecided.
    assert outcome(woman()).refer is None
    # Under 45 only strong factors could refer; with the height loss known (RF6 strong > 7 cm)
    # nothing unknown could, so: no referral.
    assert outcome(woman(date(1990, 1, 1), height_loss_cm=0.0)).refer is False


def test_questionnaire_answers_count_when_present() -> None:
    got = outcome(woman(smoking="current", height_loss_cm=7.5, parent_hip_fracture=True))
    assert {"RF5", "RF6", "RF8"} <= got.risk_factors
    assert got.strong is True  # height loss above 7 cm (SPEC P11)


# --- priority ----------------------------------------------------------------------------------


def test_priority_strong_first_then_more_factors_then_older() -> None:
    fracture = ("DS525", date(2024, 1, 1))
    copd = ("DJ44", date(2020, 1, 1))
    ckd = ("DN18", date(2020, 1, 1))
    people = {
        "a": (Citizen("a", date(1966, 1, 1), "female"), [fracture]),  # strong, 1 factor
        "b": (Citizen("b", date(1940, 1, 1), "male"), [copd, ckd]),  # ordinary: RF17, RF13
        "c": (Citizen("c", date(1956, 1, 1), "female"), [fracture, copd]),  # strong, 2
        "d": (Citizen("d", date(1951, 1, 1), "male"), [fracture, ckd]),  # strong, 2, older
        "e": (Citizen("e", date(1951, 1, 1), "female"), [fracture, copd]),  # as d; id breaks tie
        "f": (Citizen("f", date(1970, 1, 1), "female"), []),  # not referred
    }
    citizens = [c for c, _ in people.values()]
    dx = [Diagnosis(cid, code, when) for cid, (_, codes) in people.items() for code, when in codes]
    with tempfile.TemporaryDirectory() as folder:
        paths = registry.write(Path(folder), citizens, dx, [])
        out = screen(paths, BASE, ON).output()
    ranked = out.filter(out["priority"].is_not_null())
    assert ranked["citizen_id"].to_list() == ["d", "e", "c", "a", "b"]
    assert ranked["priority"].to_list() == [1, 2, 3, 4, 5]
    assert out["citizen_id"].to_list()[-1] == "f"
    # Two conditions are one factor (RF17): more factors, not more codes, rank higher.
    assert out.filter(out["citizen_id"] == "b")["n_risk_factors"].item() == 2

"""Every cut-off at, just below and just above its value (SPEC §0.2, §2, §3, §5, §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from osteofys.rules import Assessment
from tests.conftest import vary

Run = Callable[..., Assessment]


def outcome(result: Assessment, rule: str) -> object:
    return next(s.outcome for s in result.trace if s.rule == rule)


# (rule in the trace, section__field, value, expected outcome)
RULE_BOUNDARIES: list[tuple[str, str, Any, bool]] = [
    # P8 fall risk
    ("P8", "tests__tug_s", 13.4, False),
    ("P8", "tests__tug_s", 13.5, True),
    ("P8", "tests__tug_s", 13.6, True),
    ("P8", "tests__sit_to_stand_5x_s", 14.9, False),
    ("P8", "tests__sit_to_stand_5x_s", 15.0, True),
    ("P8", "tests__sit_to_stand_5x_s", 15.1, True),
    ("P8", "tests__sit_to_stand_5x_s", "unable", True),
    ("P8", "tests__tandem_stance_s", 9.9, True),
    ("P8", "tests__tandem_stance_s", 10.0, False),
    ("P8", "tests__tandem_stance_s", 10.1, False),
    ("P8", "tests__one_leg_stance_s", 4.9, True),
    ("P8", "tests__one_leg_stance_s", 5.0, False),
    ("P8", "tests__one_leg_stance_s", 5.1, False),
    ("P8", "risk_factors__falls_last_12_months", 1, True),
    ("P8", "risk_factors__falls_last_12_months", 0, False),
    # P7 low performance
    ("P7", "tests__tug_s", 19.9, False),
    ("P7", "tests__tug_s", 20.0, True),
    ("P7", "tests__tug_s", 20.1, True),
    ("P7", "tests__gait_speed_m_s", 0.79, True),
    ("P7", "tests__gait_speed_m_s", 0.8, True),
    ("P7", "tests__gait_speed_m_s", 0.81, False),
    ("P7", "tests__chair_stand_30s", 7, True),
    ("P7", "tests__chair_stand_30s", 8, False),
    ("P7", "tests__chair_stand_30s", 9, False),
    ("P7", "tests__sit_to_stand_5x_s", "unable", True),
    # P11 risk factors
    ("RF2", "risk_factors__glucocorticoid_mg_per_day", 4.9, False),
    ("RF2", "risk_factors__glucocorticoid_mg_per_day", 5.0, True),
    ("RF2", "risk_factors__glucocorticoid_mg_per_day", 5.1, True),
    ("RF3", "risk_factors__menopause_age", 44, True),
    ("RF3", "risk_factors__menopause_age", 45, False),
    ("RF3", "risk_factors__menopause_age", 46, False),
    ("RF6", "risk_factors__height_loss_cm", 3.9, False),
    ("RF6", "risk_factors__height_loss_cm", 4.0, True),
    ("RF6", "risk_factors__height_loss_cm", 4.1, True),
    ("RF6_strong", "risk_factors__height_loss_cm", 7.0, False),
    ("RF6_strong", "risk_factors__height_loss_cm", 7.1, True),
    ("RF9", "risk_factors__alcohol_units_per_week", 14, False),
    ("RF9", "risk_factors__alcohol_units_per_week", 14.5, True),
    ("RF10", "risk_factors__immobilisation_months", 3, False),
    ("RF10", "risk_factors__immobilisation_months", 3.5, True),
    # P1 training-active
    ("P1", "function__training_days_per_week", 1, False),
    ("P1", "function__training_days_per_week", 2, True),
    ("P1", "function__training_days_per_week", 3, True),
]


@pytest.mark.parametrize(("rule", "field", "value", "expected"), RULE_BOUNDARIES)
def test_rule_boundary(rule: str, field: str, value: Any, expected: bool, run: Run) -> None:
    changes = {field: value}
    if rule == "P1":
        changes["function__training_months"] = 12
    if rule == "RF2":
        changes["risk_factors__glucocorticoid_months"] = 3
    assert outcome(run(vary(**changes)), rule) is expected


@pytest.mark.parametrize(("months", "expected"), [(2.9, False), (3, True), (4, True)])
def test_training_months_boundary(months: float, expected: bool, run: Run) -> None:
    case = vary(function__training_days_per_week=3, function__training_months=months)
    assert outcome(run(case), "P1") is expected


@pytest.mark.parametrize(("months", "expected"), [(2.9, False), (3, True)])
def test_glucocorticoid_months_boundary(months: float, expected: bool, run: Run) -> None:
    case = vary(
        risk_factors__glucocorticoid_mg_per_day=7.5, risk_factors__glucocorticoid_months=months
    )
    assert outcome(run(case), "RF2") is expected


@pytest.mark.parametrize(("sex", "units", "expected"), [("male", 21, False), ("male", 22, True)])
def test_alcohol_men(sex: str, units: int, expected: bool, run: Run) -> None:
    case = vary(
        patient__sex=sex,
        risk_factors__alcohol_units_per_week=units,
        risk_factors__menopause_age=None,
    )
    assert outcome(run(case), "RF9") is expected


@pytest.mark.parametrize(("weight", "expected"), [(42.7, True), (42.75, False), (42.8, False)])
def test_bmi_boundary(weight: float, expected: bool, run: Run) -> None:
    # At 150 cm, 42.75 kg is BMI 19.0 exactly (2.25 m² is exact in binary).
    assert outcome(run(vary(patient__height_cm=150, patient__weight_kg=weight)), "RF4") is expected


@pytest.mark.parametrize(
    ("birth", "expected"), [("1946-11-26", False), ("1946-11-25", False), ("1945-11-26", True)]
)
def test_age_over_80(birth: str, expected: bool, run: Run) -> None:
    # 80 on the assessment day is not "over 80"; 81 is.
    assert outcome(run(vary(patient__birth_date=birth)), "RF13") is expected


@pytest.mark.parametrize(
    ("t_score", "status"),
    [
        (-0.9, "normal"),
        (-1.0, "osteopenia"),
        (-1.1, "osteopenia"),
        (-2.4, "osteopenia"),
        (-2.5, "osteoporosis"),
        (-2.6, "osteoporosis"),
        (-3.9, "osteoporosis"),
        (-4.0, "severe"),
        (-4.1, "severe"),
    ],
)
def test_bone_status_t_score(t_score: float, status: str, run: Run) -> None:
    case = vary(dxa__lumbar_spine=t_score, dxa__femoral_neck=None, dxa__total_hip=None)
    assert run(case).bone_status == status


@pytest.mark.parametrize(
    ("t_score", "category"),
    [
        (-2.9, "hverdagsaktiv"),
        (-3.0, "hverdagsaktiv_med_hensyn"),
        (-3.1, "hverdagsaktiv_med_hensyn"),
    ],
)
def test_very_low_t_gives_med_hensyn(t_score: float, category: str, run: Run) -> None:
    result = run(vary(dxa__femoral_neck=t_score))
    assert result.category == category


def test_forearm_only_counts_without_spine_and_hip(run: Run) -> None:
    with_central = vary(dxa__forearm=-3.5)
    forearm_only = vary(
        dxa__lumbar_spine=None, dxa__femoral_neck=None, dxa__total_hip=None, dxa__forearm=-2.6
    )
    assert run(with_central).bone_status == "osteopenia"
    assert run(forearm_only).bone_status == "osteoporosis"


def _vertebral(date: str) -> list[dict[str, Any]]:
    return [{"site": "vertebra", "date": date, "low_energy": True}]


@pytest.mark.parametrize(
    ("fracture_date", "active"),
    [("2026-05-26", False), ("2026-05-27", True), ("2026-05-25", False), ("2026-11-26", True)],
)
def test_acute_phase_six_calendar_months(fracture_date: str, active: bool, run: Run) -> None:
    result = run(vary(fractures=_vertebral(fracture_date)))
    assert result.acute_phase.active is active
    if active:
        assert result.plan is not None
        assert result.plan.exercise_set == "funktionsbegraenset"


def test_acute_phase_dates(run: Run) -> None:
    result = run(vary(fractures=[{"site": "hip", "date": "2026-09-20", "low_energy": False}]))
    acute = result.acute_phase
    assert acute.active is True  # P3: whatever its energy
    assert (str(acute.until), str(acute.earliest_end)) == ("2027-03-20", "2026-12-13")


def test_acute_phase_end_of_month_clamps(run: Run) -> None:
    # 31 May + 6 months is 30 Nov (no 31 Nov): still active on 26 Nov 2026.
    result = run(vary(fractures=_vertebral("2026-05-31")))
    assert result.acute_phase.active is True
    assert str(result.acute_phase.until) == "2026-11-30"


def test_wrist_fracture_sets_no_acute_phase(run: Run) -> None:
    result = run(vary(fractures=[{"site": "wrist", "date": "2026-10-01", "low_energy": True}]))
    assert result.acute_phase.active is False


@pytest.mark.parametrize(
    ("fracture_date", "status"), [("2023-11-26", "osteoporosis"), ("2023-11-27", "severe")]
)
def test_recent_vertebral_fracture_with_very_low_t_is_severe(
    fracture_date: str, status: str, run: Run
) -> None:
    case = vary(fractures=_vertebral(fracture_date), dxa__lumbar_spine=-3.0)
    assert run(case).bone_status == status


@pytest.mark.parametrize(("count", "status"), [(1, "osteoporosis"), (2, "severe")])
def test_vertebral_fracture_count_for_severe(count: int, status: str, run: Run) -> None:
    fractures = [
        {"site": "vertebra", "date": f"201{i}-01-01", "low_energy": True} for i in range(count)
    ]
    assert run(vary(fractures=fractures, dxa=None)).bone_status == status


@pytest.mark.parametrize(
    ("birth", "status"), [("1977-11-27", "specialist"), ("1976-11-26", "osteopenia")]
)
def test_under_50_with_dxa_needs_specialist(birth: str, status: str, run: Run) -> None:
    assert run(vary(patient__birth_date=birth)).bone_status == status


@pytest.mark.parametrize(("birth", "recommended"), [("1981-11-27", False), ("1981-11-26", True)])
def test_referral_age_45_with_an_ordinary_factor(birth: str, recommended: bool, run: Run) -> None:
    result = run(vary(patient__birth_date=birth, risk_factors__smoking="current"))
    assert result.referral.recommended is recommended
    assert result.referral.reasons == ("RF8",)


def test_strong_factor_refers_at_any_adult_age(run: Run) -> None:
    case = vary(
        patient__birth_date="1996-01-01",
        risk_factors__glucocorticoid_mg_per_day=10,
        risk_factors__glucocorticoid_months=6,
    )
    assert run(case).referral.recommended is True


@pytest.mark.parametrize(("date", "expected"), [("2011-11-25", False), ("2011-11-26", True)])
def test_rf1_counts_fractures_from_age_18(date: str, expected: bool, run: Run) -> None:
    # Born 1993-11-26: 18 on 2011-11-26.
    case = vary(
        patient__birth_date="1993-11-26",
        fractures=[{"site": "wrist", "date": date, "low_energy": True}],
    )
    assert outcome(run(case), "RF1") is expected


@pytest.mark.parametrize(
    ("sex", "grip", "expected"),
    [("female", 15.9, True), ("female", 16, False), ("male", 26.9, True), ("male", 27, False)],
)
def test_grip_strength_sarcopenia(sex: str, grip: float, expected: bool, run: Run) -> None:
    case = vary(patient__sex=sex, tests__grip_kg=grip, risk_factors__menopause_age=None)
    assert ("probable_sarcopenia" in run(case).overlays) is expected


@pytest.mark.parametrize(
    ("count", "category"),
    [(1, "hverdagsaktiv"), (2, "hverdagsaktiv_med_hensyn"), (3, "hverdagsaktiv_med_hensyn")],
)
def test_multiple_low_energy_fractures_give_med_hensyn(count: int, category: str, run: Run) -> None:
    fractures = [
        {"site": "wrist", "date": f"201{i}-03-01", "low_energy": True} for i in range(count)
    ]
    result = run(vary(fractures=fractures))
    assert result.category == category
    impact_cap = dict(result.plan.caps)["impact"] if result.plan else None
    assert impact_cap == ("moderate" if count == 1 else "walking")


def test_high_energy_fractures_do_not_count_as_multiple(run: Run) -> None:
    fractures = [{"site": "wrist", "date": f"201{i}-03-01", "low_energy": False} for i in range(2)]
    assert run(vary(fractures=fractures)).category == "hverdagsaktiv"

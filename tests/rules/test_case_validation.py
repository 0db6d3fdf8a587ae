"""parse_case: every way a case can be malformed, each named by field path and problem code.

The contract is /work/shared/clinical/case-format.md; the ranges come from input_ranges.toml.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Case, CaseError, parse_case
from tests.conftest import BASE_CASE, vary


def parse(base: KnowledgeBase, case: Any) -> Case:
    k = base.knowledge
    return parse_case(case, k.input_ranges, k.conditions)


def issues(base: KnowledgeBase, case: Any) -> list[tuple[str, str]]:
    """The (field, problem) pairs of the CaseError the case must raise."""
    with pytest.raises(CaseError) as caught:
        parse(base, case)
    assert caught.value.issues, "a CaseError must carry at least one issue"
    return [(i.field, i.problem) for i in caught.value.issues]


def only_issue(base: KnowledgeBase, case: Any) -> Any:
    """The single CaseIssue the case must raise."""
    with pytest.raises(CaseError) as caught:
        parse(base, case)
    assert len(caught.value.issues) == 1, caught.value.issues
    return caught.value.issues[0]


def without(path: str) -> dict[str, Any]:
    """BASE_CASE with `key` or `section.key` removed."""
    case = copy.deepcopy(BASE_CASE)
    if "." in path:
        section, key = path.split(".", 1)
        del case[section][key]
    else:
        del case[path]
    return case


FRACTURE = {"site": "wrist", "date": "2020-05-01", "low_energy": True}


def test_the_base_case_is_valid(base: KnowledgeBase) -> None:
    case = parse(base, BASE_CASE)
    assert case.tests.tug_s == 8.5
    assert case.patient.sex == "female"


# --- unknown fields ---------------------------------------------------------------------------


def test_unknown_top_level_field(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(colour="blue"))
    assert (issue.field, issue.problem, issue.value) == ("colour", "unknown_field", "blue")


def test_unknown_field_inside_a_section(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(tests__tug=7.5))
    assert (issue.field, issue.problem, issue.value) == ("tests.tug", "unknown_field", 7.5)
    assert "tug_s" in issue.allowed


def test_unknown_field_inside_a_fracture_names_its_index(base: KnowledgeBase) -> None:
    second = {**FRACTURE, "side": "left"}
    issue = only_issue(base, vary(fractures=[FRACTURE, second]))
    assert (issue.field, issue.problem, issue.value) == (
        "fractures[1].side",
        "unknown_field",
        "left",
    )


# --- numeric ranges ---------------------------------------------------------------------------

OUT_OF_RANGE = [
    ("tests__tug_s", 2.9, "3–120"),
    ("tests__tug_s", 120.1, "3–120"),
    ("dxa__lumbar_spine", -7.1, "-7–5"),
    ("dxa__femoral_neck", 5.1, "-7–5"),
    ("dxa__total_hip", -7.1, "-7–5"),
    ("dxa__forearm", 5.1, "-7–5"),
    ("patient__height_cm", 99, "100–230"),
    ("patient__height_cm", 231, "100–230"),
    ("patient__weight_kg", 24.9, "25–300"),
    ("function__pain_rest", 10.5, "0–10"),
    ("function__pain_activity", -0.5, "0–10"),
    ("function__training_days_per_week", 8, "0–7"),
    ("tests__gait_speed_m_s", 0.04, "0.05–3"),
    ("tests__sit_to_stand_5x_s", 90.5, "3–90"),
    ("tests__chair_stand_30s", 51, "0–50"),
    ("tests__grip_kg", 0.5, "1–100"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), OUT_OF_RANGE)
def test_just_outside_a_bound_is_out_of_range(
    base: KnowledgeBase, key: str, value: float, allowed: str
) -> None:
    issue = only_issue(base, vary(**{key: value}))
    assert issue.field == key.replace("__", ".")
    assert issue.problem == "out_of_range"
    assert issue.value == value
    assert issue.allowed == allowed


AT_THE_BOUNDS = [
    ("tests__tug_s", 3),
    ("tests__tug_s", 120),
    ("dxa__lumbar_spine", -7.0),
    ("dxa__lumbar_spine", 5.0),
    ("patient__height_cm", 100),
    ("patient__height_cm", 230),
    ("function__pain_rest", 10),
    ("function__training_days_per_week", 7),
    ("function__training_days_per_week", 0),
    ("tests__gait_speed_m_s", 0.05),
    ("tests__gait_speed_m_s", 3.0),
]


@pytest.mark.parametrize(("key", "value"), AT_THE_BOUNDS)
def test_exactly_at_a_bound_is_accepted(base: KnowledgeBase, key: str, value: float) -> None:
    section, field = key.split("__")
    case = parse(base, vary(**{key: value}))
    assert getattr(getattr(case, section), field) == value


# --- dates ------------------------------------------------------------------------------------

MALFORMED_DATES = [
    "2026-13-01",
    "26-11-2026",
    "20261126",
    20261126,
    "2026-02-30",
    "2026-11-26T10:00",
]


@pytest.mark.parametrize("raw", MALFORMED_DATES)
def test_malformed_dxa_date(base: KnowledgeBase, raw: Any) -> None:
    issue = only_issue(base, vary(dxa__date=raw))
    assert (issue.field, issue.problem, issue.value) == ("dxa.date", "bad_date", raw)
    assert issue.allowed == "YYYY-MM-DD"


@pytest.mark.parametrize("raw", MALFORMED_DATES)
def test_malformed_assessment_date(base: KnowledgeBase, raw: Any) -> None:
    issue = only_issue(base, vary(assessment_date=raw))
    assert (issue.field, issue.problem, issue.value) == ("assessment_date", "bad_date", raw)


@pytest.mark.parametrize("raw", ["02-04-1958", "1958-4-2", 19580402])
def test_malformed_birth_date_is_bad_date_not_required(base: KnowledgeBase, raw: Any) -> None:
    assert issues(base, vary(patient__birth_date=raw)) == [("patient.birth_date", "bad_date")]


@pytest.mark.parametrize("raw", ["2026-13-01", "20261126"])
def test_malformed_fracture_date(base: KnowledgeBase, raw: str) -> None:
    issue = only_issue(base, vary(fractures=[FRACTURE, {**FRACTURE, "date": raw}]))
    assert (issue.field, issue.problem, issue.value) == ("fractures[1].date", "bad_date", raw)


def test_dxa_date_after_the_assessment_date(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(dxa__date="2026-11-27"))
    assert (issue.field, issue.problem, issue.value) == (
        "dxa.date",
        "after_assessment",
        "2026-11-27",
    )
    assert "2026-11-26" in issue.allowed


def test_fracture_date_after_the_assessment_date(base: KnowledgeBase) -> None:
    late = {**FRACTURE, "date": "2026-12-24"}
    issue = only_issue(base, vary(fractures=[FRACTURE, late]))
    assert (issue.field, issue.problem, issue.value) == (
        "fractures[1].date",
        "after_assessment",
        "2026-12-24",
    )


def test_birth_date_after_the_assessment_date(base: KnowledgeBase) -> None:
    case = vary(patient__birth_date="2026-11-27", dxa=None)
    assert issues(base, case) == [("patient.birth_date", "after_assessment")]


def test_fracture_date_before_the_birth_date(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(fractures=[{**FRACTURE, "date": "1958-04-01"}]))
    assert (issue.field, issue.problem, issue.value) == (
        "fractures[0].date",
        "before_birth",
        "1958-04-01",
    )
    assert "1958-04-02" in issue.allowed


def test_dxa_date_before_the_birth_date(base: KnowledgeBase) -> None:
    assert issues(base, vary(dxa__date="1950-01-01")) == [("dxa.date", "before_birth")]


def test_dates_on_the_boundary_days_are_accepted(base: KnowledgeBase) -> None:
    case = parse(
        base,
        vary(
            dxa__date="2026-11-26",
            fractures=[{**FRACTURE, "date": "1958-04-02"}, {**FRACTURE, "date": "2026-11-26"}],
        ),
    )
    assert case.dxa is not None
    assert case.dxa.date.isoformat() == "2026-11-26"
    assert case.fractures is not None
    assert [f.date.isoformat() for f in case.fractures if f.date] == ["1958-04-02", "2026-11-26"]


# --- types ------------------------------------------------------------------------------------

WRONG_TYPES = [
    ("tests__tug_s", "8.5", "number"),
    ("patient__height_cm", "165 cm", "number"),
    ("patient__osteoporosis_diagnosed", 1, "true/false"),
    ("risk_factors__kyphosis", 0, "true/false"),
    ("risk_factors__family_history", "yes", "true/false"),
    ("dxa__lumbar_spine", True, "number"),
    ("function__training_days_per_week", True, "integer"),
    ("risk_factors__falls_last_12_months", 1.5, "integer"),
    ("tests__chair_stand_30s", 12.5, "integer"),
    ("risk_factors__conditions", "copd", "list"),
    ("tests__grip_kg", [25], "number"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), WRONG_TYPES)
def test_wrong_type(base: KnowledgeBase, key: str, value: Any, allowed: str) -> None:
    issue = only_issue(base, vary(**{key: value}))
    assert (issue.field, issue.problem, issue.value) == (
        key.replace("__", "."),
        "wrong_type",
        value,
    )
    assert issue.allowed == allowed


def test_a_whole_number_float_is_accepted_for_an_integer_count(base: KnowledgeBase) -> None:
    case = parse(base, vary(risk_factors__falls_last_12_months=2.0))
    assert case.risk_factors.falls_last_12_months == 2
    assert isinstance(case.risk_factors.falls_last_12_months, int)


def test_a_dict_for_the_fractures_list(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(fractures=FRACTURE))
    assert (issue.field, issue.problem) == ("fractures", "wrong_type")
    assert issue.value == FRACTURE


def test_a_non_object_fracture_entry(base: KnowledgeBase) -> None:
    assert issues(base, vary(fractures=[FRACTURE, "hip"])) == [("fractures[1]", "wrong_type")]


def test_a_section_that_is_not_an_object(base: KnowledgeBase) -> None:
    assert issues(base, vary(tests=[8.5])) == [("tests", "wrong_type")]


def test_a_case_that_is_not_an_object(base: KnowledgeBase) -> None:
    assert issues(base, [BASE_CASE]) == [("case", "wrong_type")]


# --- choices ----------------------------------------------------------------------------------

BAD_CHOICES = [
    ("patient__sex", "f"),
    ("patient__sex", "Female"),
    ("risk_factors__smoking", "yes"),
    ("function__walking_aid", "crutches"),
    ("function__everyday_activity", "high"),
]


@pytest.mark.parametrize(("key", "value"), BAD_CHOICES)
def test_bad_choice(base: KnowledgeBase, key: str, value: str) -> None:
    issue = only_issue(base, vary(**{key: value}))
    assert (issue.field, issue.problem, issue.value) == (
        key.replace("__", "."),
        "bad_choice",
        value,
    )


def test_bad_choice_lists_the_allowed_values(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(risk_factors__smoking="yes"))
    assert issue.allowed == "never, former, current"


def test_unknown_condition(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(risk_factors__conditions=["copd", "diabetes"]))
    assert (issue.field, issue.problem, issue.value) == (
        "risk_factors.conditions",
        "bad_choice",
        "diabetes",
    )
    assert "type1_diabetes" in issue.allowed


def test_known_conditions_are_accepted_once_each(base: KnowledgeBase) -> None:
    case = parse(base, vary(risk_factors__conditions=["copd", "type1_diabetes", "copd"]))
    assert case.risk_factors.conditions == ("copd", "type1_diabetes")


def test_unknown_fracture_site(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(fractures=[{**FRACTURE, "site": "knee"}]))
    assert (issue.field, issue.problem, issue.value) == ("fractures[0].site", "bad_choice", "knee")


def test_a_fracture_without_a_site(base: KnowledgeBase) -> None:
    assert issues(base, vary(fractures=[{"date": "2020-05-01"}])) == [
        ("fractures[0].site", "required")
    ]


# --- required fields --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["assessment_date", "patient.birth_date", "patient.sex"])
def test_missing_required_field(base: KnowledgeBase, path: str) -> None:
    issue = only_issue(base, without(path))
    assert (issue.field, issue.problem) == (path, "required")


@pytest.mark.parametrize(
    "changes",
    [{"assessment_date": None}, {"patient__birth_date": None}, {"patient__sex": None}],
)
def test_null_required_field(base: KnowledgeBase, changes: dict[str, Any]) -> None:
    (key,) = changes
    assert issues(base, vary(**changes)) == [(key.replace("__", "."), "required")]


@pytest.mark.parametrize("patient", [None, {}])
def test_missing_patient_requires_birth_date_and_sex(base: KnowledgeBase, patient: Any) -> None:
    assert issues(base, vary(patient=patient)) == [
        ("patient.birth_date", "required"),
        ("patient.sex", "required"),
    ]


# --- "unable" ---------------------------------------------------------------------------------


def test_unable_is_accepted_for_sit_to_stand(base: KnowledgeBase) -> None:
    case = parse(base, vary(tests__sit_to_stand_5x_s="unable"))
    assert case.tests.sit_to_stand_5x_s == "unable"


@pytest.mark.parametrize("value", ["Unable", "kan ikke"])
def test_other_words_are_not_unable(base: KnowledgeBase, value: str) -> None:
    issue = only_issue(base, vary(tests__sit_to_stand_5x_s=value))
    assert (issue.field, issue.problem) == ("tests.sit_to_stand_5x_s", "wrong_type")


def test_unable_is_rejected_for_tug(base: KnowledgeBase) -> None:
    issue = only_issue(base, vary(tests__tug_s="unable"))
    assert (issue.field, issue.problem, issue.value) == ("tests.tug_s", "wrong_type", "unable")


# --- several problems at once -----------------------------------------------------------------


def test_several_problems_are_reported_together(base: KnowledgeBase) -> None:
    case = vary(
        colour="blue",
        patient__sex="f",
        tests__tug_s=2.9,
        tests__tug=7.5,
        dxa__date="26-11-2026",
        risk_factors__falls_last_12_months=1.5,
        fractures=[{**FRACTURE, "site": "knee"}],
    )
    found = issues(base, case)
    assert sorted(found) == sorted(
        [
            ("colour", "unknown_field"),
            ("patient.sex", "bad_choice"),
            ("tests.tug_s", "out_of_range"),
            ("tests.tug", "unknown_field"),
            ("dxa.date", "bad_date"),
            ("risk_factors.falls_last_12_months", "wrong_type"),
            ("fractures[0].site", "bad_choice"),
        ]
    )


def test_several_date_problems_are_reported_together(base: KnowledgeBase) -> None:
    case = vary(
        dxa__date="2027-01-01",
        fractures=[{**FRACTURE, "date": "1900-01-01"}, {**FRACTURE, "date": "2027-02-01"}],
    )
    assert sorted(issues(base, case)) == [
        ("dxa.date", "after_assessment"),
        ("fractures[0].date", "before_birth"),
        ("fractures[1].date", "after_assessment"),
    ]


def test_the_error_message_names_every_field(base: KnowledgeBase) -> None:
    with pytest.raises(CaseError) as caught:
        parse(base, vary(tests__tug_s=2.9, patient__sex="f"))
    message = str(caught.value)
    assert "tests.tug_s" in message
    assert "patient.sex" in message


# --- null and missing sections ----------------------------------------------------------------

OPTIONAL_SECTIONS = ["risk_factors", "dxa", "fractures", "function", "tests"]


def _assert_section_empty(case: Case, section: str) -> None:
    value = getattr(case, section)
    if section in ("dxa", "fractures"):
        assert value is None
    else:
        fields = type(value).__slots__
        assert fields
        assert all(getattr(value, f) is None for f in fields), value


@pytest.mark.parametrize("section", OPTIONAL_SECTIONS)
def test_null_section_is_accepted_as_unknown(base: KnowledgeBase, section: str) -> None:
    _assert_section_empty(parse(base, vary(**{section: None})), section)


@pytest.mark.parametrize("section", OPTIONAL_SECTIONS)
def test_missing_section_is_accepted_as_unknown(base: KnowledgeBase, section: str) -> None:
    _assert_section_empty(parse(base, without(section)), section)


def test_a_case_with_only_the_required_fields(base: KnowledgeBase) -> None:
    case = parse(
        base,
        {"assessment_date": "2026-11-26", "patient": {"birth_date": "1958-04-02", "sex": "male"}},
    )
    assert case.patient.sex == "male"
    assert case.patient.height_cm is None
    assert case.dxa is None
    assert case.fractures is None
    assert case.tests.tug_s is None
    assert case.function.training_days_per_week is None
    assert case.risk_factors.conditions is None


def test_null_fields_are_accepted_as_unknown(base: KnowledgeBase) -> None:
    case = parse(
        base,
        vary(
            patient__height_cm=None,
            patient__osteoporosis_diagnosed=None,
            risk_factors__smoking=None,
            risk_factors__conditions=None,
            tests__sit_to_stand_5x_s=None,
            function__training_days_per_week=None,
        ),
    )
    assert case.patient.height_cm is None
    assert case.patient.osteoporosis_diagnosed is None
    assert case.risk_factors.smoking is None
    assert case.risk_factors.conditions is None
    assert case.tests.sit_to_stand_5x_s is None
    assert case.function.training_days_per_week is None


def test_a_dxa_with_every_t_score_null_counts_as_no_dxa(base: KnowledgeBase) -> None:
    dxa = {"date": None, "lumbar_spine": None, "femoral_neck": None, "total_hip": None}
    assert parse(base, vary(dxa=dxa)).dxa is None


# --- format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["osteofys.case/2", "osteofys.result/1", "", 1])
def test_wrong_format_is_rejected(base: KnowledgeBase, value: Any) -> None:
    issue = only_issue(base, vary(format=value))
    assert (issue.field, issue.problem, issue.value) == ("format", "bad_choice", value)
    assert issue.allowed == "osteofys.case/1"


def test_a_missing_format_is_accepted(base: KnowledgeBase) -> None:
    assert parse(base, without("format")).patient.birth_date.isoformat() == "1958-04-02"

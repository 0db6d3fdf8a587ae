"""A case field is declared once, in `rules.case`: the parser's sections, the required fields and
the findings copied from the case all derive from that declaration (issue 14, item 5)."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import StrEnum
from typing import Any

import pytest

from osteofys.rules import case
from osteofys.rules.case import (
    FRACTURE_FIELDS,
    FRACTURE_REQUIRED,
    REQUIRED,
    Case,
    CaseError,
    FieldKind,
    FieldSpec,
    Fracture,
    case_fields,
    parse_case,
)
from osteofys.rules.findings import CHOICES, DIRECT, FINDINGS, derive

SECTION_CLASSES = {
    "patient": case.Patient,
    "risk_factors": case.RiskFactors,
    "dxa": case.Dxa,
    "function": case.Function,
    "tests": case.Tests,
}


@pytest.mark.parametrize("cls", [*SECTION_CLASSES.values(), Fracture], ids=lambda c: c.__name__)
def test_every_field_of_a_case_part_carries_its_declaration(cls: type) -> None:
    for f in dataclasses.fields(cls):
        spec = f.metadata.get("osteofys.case")
        assert isinstance(spec, FieldSpec), f"{cls.__name__}.{f.name} has no FieldSpec"
        assert isinstance(spec.kind, FieldKind)
        # A choice field, and only a choice field, names its value list (a StrEnum).
        assert (spec.kind is FieldKind.CHOICE) == (spec.choices is not None)
        if spec.choices is not None:
            assert issubclass(spec.choices, StrEnum)
            assert spec.values == tuple(c.value for c in spec.choices)


def test_the_sections_are_the_dataclasses_of_the_case() -> None:
    paths = [f"{s}.{f.name}" for s, cls in SECTION_CLASSES.items() for f in dataclasses.fields(cls)]
    assert list(case_fields()) == paths
    assert [f.name for f in dataclasses.fields(Fracture)] == list(FRACTURE_FIELDS)


def test_the_required_fields_are_those_declared_without_a_default() -> None:
    assert REQUIRED == ("assessment_date", "patient.birth_date", "patient.sex")
    assert FRACTURE_REQUIRED == ("site",)


def test_the_findings_copied_from_the_case_are_the_fields_declared_as_findings() -> None:
    declared = {p.split(".", 1)[1]: p for p, s in case_fields().items() if s.finding}
    assert declared == DIRECT
    assert set(DIRECT) <= FINDINGS
    # No two sections declare a finding of the same name (one would hide the other).
    names = [p.split(".", 1)[1] for p, s in case_fields().items() if s.finding]
    assert len(names) == len(set(names))
    choices = {
        name: frozenset(case_fields()[path].values)
        for name, path in DIRECT.items()
        if case_fields()[path].kind is FieldKind.CHOICE
    }
    assert choices == CHOICES


def test_a_range_is_asked_of_the_numeric_kinds_only() -> None:
    numeric = {FieldKind.NUMBER, FieldKind.INTEGER, FieldKind.NUMBER_OR_UNABLE}
    for kind in FieldKind:
        assert FieldSpec(kind, case.Sex if kind is FieldKind.CHOICE else None).ranged == (
            kind in numeric
        )


def _parse_with(path: str, value: object) -> Case:
    """A minimal case with one more field set."""
    section, name = path.split(".", 1)
    data: dict[str, Any] = {
        "assessment_date": "2026-01-01",
        "patient": {"birth_date": "1950-01-01", "sex": "female"},
    }
    data.setdefault(section, {})[name] = value
    ranges = {p: (0.0, 1000.0) for p, s in case_fields().items() if s.ranged}
    return parse_case(data, ranges, frozenset(), today=date(2026, 1, 2))


@pytest.mark.parametrize(
    "path", [p for p, s in case_fields().items() if s.kind is FieldKind.CHOICE], ids=str
)
def test_the_parser_takes_exactly_the_declared_values_of_a_choice_field(path: str) -> None:
    spec = case_fields()[path]
    section, name = path.split(".", 1)
    for value in spec.values:
        assert getattr(getattr(_parse_with(path, value), section), name) == value
    with pytest.raises(CaseError) as caught:
        _parse_with(path, "not-a-value")
    (issue,) = caught.value.issues
    assert (issue.field, issue.problem) == (path, "bad_choice")
    assert issue.allowed == ", ".join(spec.values)


def test_a_bare_case_derives_a_finding_for_every_declared_finding() -> None:
    bare = Case(assessment_date=date(2026, 1, 1), patient=case.Patient(date(1950, 1, 1), "female"))
    found = derive(bare, 18)
    assert set(DIRECT) <= found.values.keys()
    for name, path in DIRECT.items():
        if found.values[name] is None:
            assert found.missing[name] == (path,)

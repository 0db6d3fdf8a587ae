"""The batch's columns derive from the case fields declared in `rules.case` (issue 14, item 5)."""

from __future__ import annotations

import polars as pl

from osteofys.batch.columns import QUESTIONNAIRE
from osteofys.batch.derive import column_type, finding_types
from osteofys.rules.case import FieldKind, case_fields
from osteofys.rules.findings import DIRECT, FINDINGS


def test_every_finding_has_a_column_and_a_copied_one_the_type_of_its_kind() -> None:
    types = finding_types()
    assert set(types) == FINDINGS
    for name, path in DIRECT.items():
        assert types[name] == column_type(case_fields()[path].kind), name


def test_every_kind_has_a_column_type_or_none() -> None:
    for kind in FieldKind:
        found = column_type(kind)
        assert found is None or isinstance(found, pl.DataType)


def test_the_questionnaire_columns_are_case_fields_of_one_value() -> None:
    one_value = {FieldKind.NUMBER, FieldKind.INTEGER, FieldKind.BOOLEAN, FieldKind.CHOICE}
    for path in QUESTIONNAIRE.values():
        assert case_fields()[path].kind in one_value, path

"""Case-reading commands at the calendar's edges, with huge lists and deep nesting: each exits 2
with a Danish message naming the field and what is allowed, never 1 with a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import osteofys
from tests.conftest import vary

EDGE = vary(
    assessment_date="9999-12-31",
    fractures=[{"site": "vertebra", "date": "9999-12-30", "low_energy": True}],
)
# Every command that reads a case file: the words before the file and the options after it.
COMMANDS = [
    (("assess",), ()),
    (("assess",), ("--json",)),
    (("handout",), ("-o", "-")),
    (("gp-letter",), ("-o", "-")),
    (("fhir", "export"), ()),
]


def _write(tmp_path: Path, case: Any) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), "utf-8")
    return str(path)


@pytest.mark.parametrize(("before", "after"), COMMANDS, ids=" ".join)
def test_a_case_at_the_calendars_end_exits_2_naming_the_field_and_range(
    tmp_path: Path, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    done = osteofys(*before, _write(tmp_path, EDGE), *after)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "assessment_date" in done.stderr
    assert "1. januar 1900 – " in done.stderr  # dates in a sentence are spelled out


def test_a_future_assessment_date_exits_2(tmp_path: Path) -> None:
    done = osteofys("assess", _write(tmp_path, vary(assessment_date="2999-01-01")))
    assert done.returncode == 2
    assert "uden for det tilladte interval 1. januar 1900 – " in done.stderr


def test_many_fractures_are_one_message(tmp_path: Path) -> None:
    done = osteofys("assess", _write(tmp_path, vary(fractures=[{"site": "x"}] * 200_000)))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr[:500]
    assert "200000" in done.stderr


@pytest.mark.parametrize("depth", [600, 100_000])
def test_deep_nesting_exits_2(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "case.json"
    case = json.dumps(vary(risk_factors__conditions=[])).replace(
        '"conditions": []', '"conditions": ' + "[" * depth + "]" * depth
    )
    path.write_text(case, "utf-8")
    done = osteofys("assess", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr

"""Bad input: every problem is reported with its rows and count, from CSV and from Parquet, and
with `--skip-invalid` semantics the rejected rows are kept for the side file, never dropped."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteofys import kb
from osteofys.batch.inputs import Problem, events, open_table
from osteofys.batch.screen import Paths, UnusableFilesError, screen

BASE = kb.load()
ON = date(2026, 11, 26)

CITIZENS = {
    "citizen_id": ["A", "B", "C", "D", "E", "E", None, "F", "G", "H", "I"],
    "birth_date": [
        "1950-01-01",
        "1950-13-01",  # 2: not a date
        "1955-05-05",
        "2027-01-01",  # 4: after the screening date
        "1960-01-01",
        "1961-01-01",  # 5, 6: the same id twice
        "1962-01-01",  # 7: no id
        "1963-01-01",
        None,  # 9: no birth date
        "1970-01-01",
        "1971-01-01",
    ],
    "sex": [
        "female",
        "male",
        "unknown",
        "male",
        "female",
        "female",
        "male",
        "Female",
        "male",
        "male",
        None,
    ],
    "height_cm": ["170", "170", "170", "170", "170", "170", "170", "tall", "170", "300", "170"],
    "smoking": [
        "never",
        None,
        "never",
        "never",
        "never",
        "never",
        "never",
        "sometimes",
        None,
        None,
        None,
    ],
    "falls_last_12_months": ["0", "1", "0", "0", "0", "0", "0", "1.5", "0", "0", "0"],
    "parent_hip_fracture": [
        "true",
        "false",
        "ja",
        "nej",
        "1",
        "0",
        None,
        "maybe",
        None,
        None,
        None,
    ],
}
DIAGNOSES = {
    "citizen_id": ["A", "Z", "B", "A", "A", None],
    "code": ["DS720", "DS720", "DM81", None, "DJ44", "DJ44"],
    "date": ["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01", "01-01-2020", "2020-01-01"],
}
PRESCRIPTIONS = {
    "citizen_id": ["A", "A", "A", "A", "Y", "A"],
    "atc": ["H02AB06", "H02AB06", "H02AB06", "H02AB06", "H02AB06", "H02AB06"],
    "date": ["2026-06-01", "2026-06-01", "2026-06-01", "2026-13-01", "2026-06-01", "2026-07-01"],
    "ddd": ["-5", "many", None, "10", "10", "NaN"],
}

# (file, problem, column) -> rows (1 = first row below the header)
EXPECTED = {
    ("citizens", "bad_date", "birth_date"): [2],
    ("citizens", "after_screening_date", "birth_date"): [4],
    ("citizens", "duplicate_id", "citizen_id"): [5, 6],
    ("citizens", "missing_value", "citizen_id"): [7],
    ("citizens", "missing_value", "birth_date"): [9],
    ("citizens", "bad_sex", "sex"): [3],
    ("citizens", "missing_value", "sex"): [11],
    ("citizens", "bad_number", "height_cm"): [8],
    ("citizens", "out_of_range", "height_cm"): [10],
    ("citizens", "bad_choice", "smoking"): [8],
    ("citizens", "bad_number", "falls_last_12_months"): [8],
    ("citizens", "bad_bool", "parent_hip_fracture"): [8],
    ("diagnoses", "unknown_citizen", "citizen_id"): [2],
    ("diagnoses", "citizen_rejected", "citizen_id"): [3],
    ("diagnoses", "missing_value", "code"): [4],
    ("diagnoses", "bad_date", "date"): [5],
    ("diagnoses", "missing_value", "citizen_id"): [6],
    ("prescriptions", "negative_ddd", "ddd"): [1],
    ("prescriptions", "bad_number", "ddd"): [2, 6],
    ("prescriptions", "missing_value", "ddd"): [3],
    ("prescriptions", "bad_date", "date"): [4],
    ("prescriptions", "unknown_citizen", "citizen_id"): [5],
}


def write(folder: Path, fmt: str, tables: dict[str, dict[str, list[Any]]]) -> Paths:
    paths = {}
    for name, columns in tables.items():
        frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        paths[name] = path
    return Paths(**paths)


def bad_files(folder: Path, fmt: str) -> Paths:
    return write(
        folder,
        fmt,
        {"citizens": CITIZENS, "diagnoses": DIAGNOSES, "prescriptions": PRESCRIPTIONS},
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_problem_is_reported_with_rows_and_counts(tmp_path: Path, fmt: str) -> None:
    result = screen(bad_files(tmp_path, fmt), BASE, ON)
    found = {(p.source, p.problem, p.column): list(p.rows) for p in result.problems}
    assert found == EXPECTED
    for problem in result.problems:
        assert problem.count == len(EXPECTED[(problem.source, problem.problem, problem.column)])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reports_show_the_values_as_written(tmp_path: Path, fmt: str) -> None:
    result = screen(bad_files(tmp_path, fmt), BASE, ON)
    by_key = {(p.source, p.problem, p.column): p for p in result.problems}
    assert by_key[("citizens", "bad_date", "birth_date")].values == ("1950-13-01",)
    assert by_key[("citizens", "bad_sex", "sex")].values == ("unknown",)
    assert by_key[("prescriptions", "negative_ddd", "ddd")].values == ("-5",)
    assert by_key[("diagnoses", "unknown_citizen", "citizen_id")].values == ("Z",)
    assert by_key[("diagnoses", "bad_date", "date")].values == ("01-01-2020",)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_rejected_rows_are_kept_whole_and_the_rest_is_screened(tmp_path: Path, fmt: str) -> None:
    result = screen(bad_files(tmp_path, fmt), BASE, ON)
    rejected = result.rejected
    citizens = rejected["citizens"]
    assert citizens.columns == ["row", "problems", *CITIZENS]
    assert citizens["row"].to_list() == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert set(citizens.filter(pl.col("row") == 8)["problems"].item().split(";")) == {
        "bad_number:height_cm",
        "bad_choice:smoking",
        "bad_number:falls_last_12_months",
        "bad_bool:parent_hip_fracture",
    }
    assert rejected["diagnoses"]["row"].to_list() == [2, 3, 4, 5, 6]
    assert rejected["prescriptions"]["row"].to_list() == [1, 2, 3, 4, 5, 6]
    # Only A is valid. Its hip fracture (row 1) counts; its COPD row (5) is rejected, and so
    # are all four of its glucocorticoid rows, so no RF17 and no RF2. The parent's hip fracture
    # is its questionnaire answer (RF5).
    out = result.output()
    assert out["citizen_id"].to_list() == ["A"]
    assert out["risk_factors"].item() == "RF1a;RF1;RF5"
    # Nothing disappears: every row read is screened, rejected, or a valid row of a citizen.
    assert result.rows_read == {"citizens": 11, "diagnoses": 6, "prescriptions": 6}


def test_typed_parquet_columns_are_checked_too(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "citizen_id": [1, 2],
            "birth_date": [date(1950, 1, 1), date(1951, 1, 1)],
            "sex": ["female", "male"],
        }
    ).write_parquet(tmp_path / "citizens.parquet")
    pl.DataFrame(
        {"citizen_id": [1, 3], "code": ["S72.0", "S72.0"], "date": [date(2020, 1, 1)] * 2}
    ).write_parquet(tmp_path / "diagnoses.parquet")
    pl.DataFrame(
        {
            "citizen_id": [2, 2],
            "atc": ["H02AB06"] * 2,
            "date": [date(2026, 6, 1)] * 2,
            "ddd": [-1.0, float("inf")],
        }
    ).write_parquet(tmp_path / "prescriptions.parquet")
    paths = Paths(*(tmp_path / f"{n}.parquet" for n in ("citizens", "diagnoses", "prescriptions")))
    result = screen(paths, BASE, ON)
    assert {(p.source, p.problem, p.rows) for p in result.problems} == {
        ("diagnoses", "unknown_citizen", (2,)),
        ("prescriptions", "negative_ddd", (1,)),
        ("prescriptions", "bad_number", (2,)),
    }
    assert result.output().filter(pl.col("citizen_id") == "1")["risk_factors"].item() == "RF1a;RF1"


def test_missing_columns_in_every_file_are_reported_together(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        "csv",
        {
            "citizens": {"citizen_id": ["A"], "born": ["1950-01-01"]},
            "diagnoses": {"citizen_id": ["A"], "code": ["S720"], "date": ["2020-01-01"]},
            "prescriptions": {"citizen_id": ["A"], "date": ["2020-01-01"]},
        },
    )
    with pytest.raises(UnusableFilesError) as caught:
        screen(paths, BASE, ON)
    errors = {(e.source, e.problem, e.detail) for e in caught.value.errors}
    assert errors == {
        ("citizens", "missing_column", "birth_date, sex"),
        ("prescriptions", "missing_column", "atc, ddd"),
    }


def test_missing_files_and_unknown_formats(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("x")
    paths = Paths(tmp_path / "nope.csv", tmp_path / "d.txt", tmp_path / "nope.parquet")
    with pytest.raises(UnusableFilesError) as caught:
        screen(paths, BASE, ON)
    assert [e.problem for e in caught.value.errors] == ["not_found", "unknown_format", "not_found"]


@pytest.mark.parametrize(
    ("content", "problem", "row"),
    [
        (b"citizen_id,code,date\nA,S720,2020-01-01\nA,S720,2020-01-01,extra\n", "ragged_row", 2),
        (b"citizen_id,code,date\nA,S720,2020-01-01\nA,S7\xff20,2020-01-01\n", "not_utf8", 2),
    ],
)
def test_a_broken_csv_row_is_located(
    tmp_path: Path, content: bytes, problem: str, row: int
) -> None:
    paths = write(
        tmp_path,
        "csv",
        {
            "citizens": {"citizen_id": ["A"], "birth_date": ["1950-01-01"], "sex": ["male"]},
            "diagnoses": {"citizen_id": [], "code": [], "date": []},
            "prescriptions": {"citizen_id": [], "atc": [], "date": [], "ddd": []},
        },
    )
    paths.diagnoses.write_bytes(content)
    with pytest.raises(UnusableFilesError) as caught:
        screen(paths, BASE, ON)
    (error,) = caught.value.errors
    assert (error.source, error.problem, error.row) == ("diagnoses", problem, row)


def test_problem_is_a_plain_record() -> None:
    p = Problem("citizens", "bad_sex", "sex", 1, (3,), ("x",))
    assert (p.source, p.count, p.rows) == ("citizens", 1, (3,))


TEXT = st.one_of(st.none(), st.sampled_from(["", " ", "x", "-1", "NaN", "inf", "0", "12.5"]))
DAY = st.one_of(st.none(), st.sampled_from(["", "2020-01-01", "2020-13-01", "1/1/2020"]))
IDS = st.one_of(st.none(), st.sampled_from(["", "A", "B", "Z"]))


@settings(deadline=None)
@given(
    st.lists(st.tuples(IDS, TEXT, DAY, TEXT), min_size=1, max_size=30),
    st.sampled_from(["csv", "parquet"]),
)
def test_the_short_validity_test_agrees_with_every_check(
    rows: list[tuple[str | None, ...]], fmt: str
) -> None:
    """The streaming pass filters on `Checked.valid`; no row with a failed check may pass it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"prescriptions.{fmt}"
        frame = pl.DataFrame(rows, schema=["citizen_id", "atc", "date", "ddd"], orient="row").cast(
            pl.String
        )
        frame.write_csv(path) if fmt == "csv" else frame.write_parquet(path)
        table = open_table("prescriptions", path)
        people = pl.LazyFrame(
            {"_id": ["A", "B"], "_birth_date": [date(1950, 1, 1)] * 2, "_ok": [True, False]}
        )
        checked = events(table, people)
        got = checked.frame.select(
            short=checked.problem(),
            every=pl.any_horizontal([c.fill_null(False) for c in checked.checks.values()]),
        ).collect()
    assert got["short"].to_list() == got["every"].to_list()

"""Reading registry files (CSV or Parquet) lazily, parsing their columns and checking every row.

Each check is a boolean expression named `!<problem>:<column>`. A streaming pass filters on
their disjunction only; the flags themselves are computed on the few rows that pass (`flagged`).
Rows are numbered from 1, the first row below a CSV header, so that a report can point at them.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import assert_never

import polars as pl

from osteofys.batch.columns import (
    FALSE_WORDS,
    PRESCRIPTIONS,
    QUESTIONNAIRE,
    REQUIRED,
    TRUE_WORDS,
)
from osteofys.batch.derive import column_type
from osteofys.rules.case import FieldKind, case_fields

ROW = "row"
DATE_FORMAT = "%Y-%m-%d"
FLAG = "!"
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
EXAMPLES = 5
"""Row numbers and values shown per problem in a report."""


class InputError(Exception):
    """A file that cannot be screened at all.

    Missing, unreadable, unknown format, lacking a required column, or a CSV row that cannot be
    split into fields.

    `problem` is a stable code, `detail` the file or the columns; `row` and `values` locate a
    broken CSV row (its number and what was wrong: field counts, or the bad bytes).
    """

    def __init__(
        self,
        source: str,
        problem: str,
        detail: str,
        *,
        row: int | None = None,
        values: tuple[str, ...] = (),
    ) -> None:
        self.source, self.problem, self.detail = source, problem, detail
        self.row, self.values = row, values
        super().__init__(f"{source}: {problem}: {detail}" + (f" (row {row})" if row else ""))


@dataclass(frozen=True, slots=True)
class Problem:
    """Rows of one file with one problem in one column: how many, and the first few."""

    source: str
    problem: str
    column: str
    count: int
    rows: tuple[int, ...]
    values: tuple[str | None, ...]


@dataclass(frozen=True)
class Table:
    """One input file, opened lazily, with its columns checked."""

    source: str
    path: Path
    frame: pl.LazyFrame
    schema: pl.Schema
    empty_is_null: bool
    """CSV fields that are empty are already null; Parquet text may hold empty strings."""

    @property
    def columns(self) -> list[str]:
        """The file's own columns, in order."""
        return [c for c in self.schema if c != ROW]


@dataclass(frozen=True)
class Checked:
    """A table with its parsed columns (`_<name>`) and the checks of every row."""

    frame: pl.LazyFrame
    checks: dict[str, pl.Expr]
    valid: pl.Expr | None = None
    """A shorter test, true exactly when no check fails (the tests hold it to that)."""

    def problem(self) -> pl.Expr:
        """True on a row with any problem."""
        if self.valid is not None:
            return ~self.valid
        return pl.any_horizontal([c.fill_null(False) for c in self.checks.values()])

    def flagged(self, rows: pl.DataFrame) -> pl.DataFrame:
        """`rows` (taken from `frame`) with one boolean column per check."""
        return rows.with_columns(**{n: c.fill_null(False) for n, c in self.checks.items()})


def open_table(source: str, path: Path) -> Table:
    """Open a file lazily by its extension and check that the required columns are there.

    CSV columns are all read as text: one bad value becomes a reported row, not a failed read.

    Raises:
        InputError: missing file, unknown extension, unreadable file or missing columns.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(source, "not_found", str(path))
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        raise InputError(source, "unknown_format", str(path))
    csv = suffix in CSV_SUFFIXES
    try:
        if csv:
            frame = pl.scan_csv(
                path,
                infer_schema=False,
                row_index_name=ROW,
                row_index_offset=1,
                raise_if_empty=False,
            )
        else:
            frame = pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)
        found = frame.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(source, "unreadable", f"{path}: {_first_line(exc)}") from exc
    missing = [c for c in REQUIRED[source] if c not in found]
    if missing:
        present = tuple(c for c in found if c != ROW)
        raise InputError(source, "missing_column", ", ".join(missing), values=present)
    return Table(source, path, frame, found, empty_is_null=csv)


def broken(table: Table, exc: Exception) -> InputError:
    """The error for a file that failed while being read.

    For CSV it names the first row that is not UTF-8 or cannot be split into the header's fields,
    found with the standard library.
    """
    path, source = table.path, table.source
    if table.empty_is_null:
        with path.open("rb") as f:
            for number, line in enumerate(f):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return InputError(source, "not_utf8", str(path), row=number)
        fields = len(table.columns)
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            try:
                for number, record in enumerate(reader):
                    if number and len(record) != fields:
                        counts = (str(len(record)), str(fields))
                        return InputError(
                            source, "ragged_row", str(path), row=number, values=counts
                        )
            except csv.Error as err:
                return InputError(source, "unreadable", f"{path}: {err}", row=reader.line_num)
    return InputError(source, "unreadable", f"{path}: {_first_line(exc)}")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def flag(problem: str, column: str) -> str:
    return f"{FLAG}{problem}:{column}"


def flags_of(columns: list[str]) -> list[str]:
    return [c for c in columns if c.startswith(FLAG)]


# --- parsing by the type the file gives -------------------------------------------------------


def text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    return col if dtype == pl.String else col.cast(pl.String)


def as_date(name: str, dtype: pl.DataType) -> pl.Expr:
    """ISO dates only (YYYY-MM-DD): a day-first or slashed date is reported, never guessed."""
    col = pl.col(name)
    if dtype == pl.Date:
        return col
    if isinstance(dtype, pl.Datetime):
        return col.dt.date()
    return text(name, dtype).str.to_date(DATE_FORMAT, strict=False)


def as_number(name: str, dtype: pl.DataType) -> pl.Expr:
    number = pl.col(name).cast(pl.Float64, strict=False)
    if not dtype.is_numeric():
        number = text(name, dtype).cast(pl.Float64, strict=False)
    # NaN and infinity compare differently in polars and in Python: they are not numbers here.
    return pl.when(number.is_finite()).then(number)


def as_bool(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col(name)
    word = text(name, dtype).str.strip_chars().str.to_lowercase()
    return (
        pl.when(word.is_in(list(TRUE_WORDS)))
        .then(pl.lit(True))
        .when(word.is_in(list(FALSE_WORDS)))
        .then(pl.lit(False))
    )


def unparsed(raw: str, parsed: str) -> pl.Expr:
    return pl.col(raw).is_not_null() & pl.col(parsed).is_null()


def absent(table: Table, name: str) -> pl.Expr:
    col = pl.col(name)
    if table.empty_is_null or table.schema[name] != pl.String:
        return col.is_null()
    return col.is_null() | (col.str.len_bytes() == 0)


# --- the three files --------------------------------------------------------------------------


def citizens(table: Table, on: date, ranges: Mapping[str, tuple[float, float]]) -> Checked:
    """Parsed citizens: `_id`, `_birth_date`, `_sex` and `_<column>` for each questionnaire column.

    A column the file lacks is null.
    """
    found = table.schema
    fields = case_fields()
    parsed: dict[str, pl.Expr] = {
        "_id": text("citizen_id", found["citizen_id"]),
        "_birth_date": as_date("birth_date", found["birth_date"]),
        "_sex": text("sex", found["sex"]).str.strip_chars().str.to_lowercase(),
    }
    checks: dict[str, pl.Expr] = {
        flag("missing_value", "citizen_id"): absent(table, "citizen_id"),
        flag("duplicate_id", "citizen_id"): pl.col("_id").is_duplicated()
        & ~absent(table, "citizen_id"),
        flag("missing_value", "birth_date"): absent(table, "birth_date"),
        flag("bad_date", "birth_date"): unparsed("birth_date", "_birth_date"),
        flag("after_screening_date", "birth_date"): pl.col("_birth_date") >= on,
        flag("missing_value", "sex"): absent(table, "sex"),
        flag("bad_sex", "sex"): ~absent(table, "sex")
        & ~pl.col("_sex").is_in(list(fields["patient.sex"].values)),
    }
    for column, path in QUESTIONNAIRE.items():
        spec = fields[path]
        target = column_type(spec.kind)
        if target is None:
            raise ValueError(f"{path}: a {spec.kind} field is not a questionnaire column")
        if column not in found:
            parsed[f"_{column}"] = pl.lit(None, dtype=target)
            continue
        dtype = found[column]
        value = pl.col(f"_{column}")
        match spec.kind:
            case FieldKind.BOOLEAN:
                parsed[f"_{column}"] = as_bool(column, dtype)
                checks[flag("bad_bool", column)] = unparsed(column, f"_{column}")
            case FieldKind.CHOICE:
                parsed[f"_{column}"] = text(column, dtype).str.strip_chars().str.to_lowercase()
                checks[flag("bad_choice", column)] = ~value.is_in(list(spec.values))
            case FieldKind.NUMBER | FieldKind.INTEGER:
                number = as_number(column, dtype)
                if spec.kind is FieldKind.INTEGER:
                    number = pl.when(number == number.floor()).then(number)
                parsed[f"_{column}"] = number.cast(target)
                checks[flag("bad_number", column)] = unparsed(column, f"_{column}")
                low, high = ranges[path]
                checks[flag("out_of_range", column)] = (value < low) | (value > high)
            case (
                FieldKind.CONDITIONS | FieldKind.DATE | FieldKind.NUMBER_OR_UNABLE | FieldKind.TEXT
            ):
                raise ValueError(f"{path}: a {spec.kind} field is not a questionnaire column")
            case _:
                assert_never(spec.kind)
    return Checked(table.frame.with_columns(**parsed), checks)


def events(table: Table, people: pl.LazyFrame) -> Checked:
    """Parsed diagnoses or prescriptions joined with the citizen each row names.

    `people` holds one row per citizen id: `_id`, `_birth_date` and `_ok` (false when that
    citizen's own row is rejected).
    """
    found = table.schema
    code = "atc" if table.source == PRESCRIPTIONS else "code"
    parsed = {
        "_id": text("citizen_id", found["citizen_id"]),
        "_code": text(code, found[code]),
        "_date": as_date("date", found["date"]),
    }
    checks = {
        flag("missing_value", "citizen_id"): absent(table, "citizen_id"),
        flag("missing_value", code): absent(table, code),
        flag("missing_value", "date"): absent(table, "date"),
        flag("bad_date", "date"): unparsed("date", "_date"),
        flag("unknown_citizen", "citizen_id"): pl.col("_ok").is_null()
        & ~absent(table, "citizen_id"),
        flag("citizen_rejected", "citizen_id"): ~pl.col("_ok"),
    }
    # The streaming pass runs over every row: four tests instead of nine. A missing or unknown
    # id, or a rejected citizen, leaves `_ok` null or false; a missing or bad date leaves
    # `_date` null; a missing, bad or negative amount fails `_ddd >= 0`.
    valid = pl.col("_ok").fill_null(False) & pl.col("_date").is_not_null() & ~absent(table, code)
    if table.source == PRESCRIPTIONS:
        parsed["_ddd"] = as_number("ddd", found["ddd"])
        checks[flag("missing_value", "ddd")] = absent(table, "ddd")
        checks[flag("bad_number", "ddd")] = unparsed("ddd", "_ddd")
        checks[flag("negative_ddd", "ddd")] = pl.col("_ddd") < 0
        valid = valid & (pl.col("_ddd") >= 0).fill_null(False)
    joined = table.frame.with_columns(**parsed).join(people, on="_id", how="left")
    return Checked(joined, checks, valid)


# --- reporting --------------------------------------------------------------------------------


def report(source: str, bad: pl.DataFrame) -> list[Problem]:
    """One Problem per check that some row of `bad` (flagged rows) fails."""
    problems = []
    for name in flags_of(bad.columns):
        hit = bad.filter(pl.col(name)).sort(ROW)
        if hit.height == 0:
            continue
        problem, column = name[len(FLAG) :].split(":", 1)
        values = hit.head(EXAMPLES)[column].cast(pl.String).to_list()
        problems.append(
            Problem(
                source,
                problem,
                column,
                hit.height,
                tuple(hit.head(EXAMPLES)[ROW].to_list()),
                tuple(values),
            )
        )
    return problems


def rejected_rows(table: Table, bad: pl.DataFrame) -> pl.DataFrame:
    """The rejected rows as they were read, with their row number and problems (side file)."""
    names = flags_of(bad.columns)
    problems = pl.concat_str(
        [pl.when(pl.col(n)).then(pl.lit(n[len(FLAG) :])) for n in names],
        separator=";",
        ignore_nulls=True,
    )
    return bad.sort(ROW).select(
        pl.col(ROW),
        problems.alias("problems"),
        *[pl.col(c).cast(pl.String) for c in table.columns],
    )

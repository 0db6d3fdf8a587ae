"""Reading registry files (CSV or Parquet) lazily, parsing their columns and flagging bad rows.

Every check is a boolean column named `!<problem>:<column>`, true on a row with that problem.
Rows are numbered from 1 (the first row below a CSV header), so a report can point at them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from osteofys.batch.columns import (
    FALSE_WORDS,
    PRESCRIPTIONS,
    QUESTIONNAIRE,
    REQUIRED,
    TRUE_WORDS,
)
from osteofys.rules.case import SEXES, case_fields

ROW = "row"
DATE_FORMAT = "%Y-%m-%d"
FLAG = "!"
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
EXAMPLES = 5
"""Row numbers and values shown per problem in a report."""


class InputError(Exception):
    """A file that cannot be screened at all: unreadable, unknown format or missing columns."""

    def __init__(self, source: str, problem: str, detail: str) -> None:
        self.source, self.problem, self.detail = source, problem, detail
        super().__init__(f"{source}: {problem}: {detail}")


@dataclass(frozen=True, slots=True)
class Problem:
    """Rows of one file with one problem in one column."""

    source: str
    problem: str
    column: str
    count: int
    rows: tuple[int, ...]
    values: tuple[str | None, ...] = field(default=())


def scan(source: str, path: Path) -> pl.LazyFrame:
    """The file as a lazy frame with a row number, chosen by extension.

    CSV columns are all read as text so that one bad value becomes a reported row rather than a
    failed read. Raises InputError when the file is missing or its format unknown.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(source, "not_found", str(path))
    try:
        if suffix in CSV_SUFFIXES:
            return pl.scan_csv(
                path,
                infer_schema=False,
                row_index_name=ROW,
                row_index_offset=1,
                raise_if_empty=False,
            )
        if suffix in PARQUET_SUFFIXES:
            return pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(source, "unreadable", f"{path}: {exc}") from exc
    raise InputError(source, "unknown_format", str(path))


def schema(source: str, frame: pl.LazyFrame) -> pl.Schema:
    """The columns, checked against the required ones. Raises InputError naming what is missing."""
    try:
        found = frame.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(source, "unreadable", str(exc).splitlines()[0]) from exc
    missing = [c for c in REQUIRED[source] if c not in found]
    if missing:
        present = ", ".join(c for c in found if c != ROW) or "-"
        raise InputError(source, "missing_column", f"{', '.join(missing)} (found: {present})")
    return found


def flag(problem: str, column: str) -> str:
    return f"{FLAG}{problem}:{column}"


def flags_of(frame_columns: list[str]) -> list[str]:
    return [c for c in frame_columns if c.startswith(FLAG)]


# --- parsing by the type the file gives -------------------------------------------------------


def text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    return col if dtype == pl.String else col.cast(pl.String)


def as_date(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        return col
    if isinstance(dtype, pl.Datetime):
        return col.dt.date()
    return text(name, dtype).str.to_date(DATE_FORMAT, strict=False)


def as_number(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    number = col.cast(pl.Float64) if dtype.is_numeric() else text(name, dtype).str.strip_chars()
    number = number.cast(pl.Float64, strict=False)
    # NaN and infinity compare differently in polars and Python: they are not numbers here.
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


def unparsed(raw: str, parsed: pl.Expr) -> pl.Expr:
    return pl.col(raw).is_not_null() & parsed.is_null()


def required(name: str, found: pl.Schema) -> pl.Expr:
    col = pl.col(name)
    # A CSV file's empty fields are already null; Parquet text may hold empty strings.
    return col.is_null() | (col.str.len_bytes() == 0) if found[name] == pl.String else col.is_null()


# --- the three files --------------------------------------------------------------------------

_KIND_TYPES: dict[str, pl.DataType] = {
    "num": pl.Float64(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
    "choice": pl.String(),
}


def citizens(
    frame: pl.LazyFrame, found: pl.Schema, on: date, ranges: Mapping[str, tuple[float, float]]
) -> pl.LazyFrame:
    """Parsed citizens: `_id`, `_birth_date`, `_sex` and `_<column>` for every questionnaire
    column (null when the file lacks it), besides the columns as read and the problem flags."""
    kinds = case_fields()
    parsed: dict[str, pl.Expr] = {
        "_id": text("citizen_id", found["citizen_id"]),
        "_birth_date": as_date("birth_date", found["birth_date"]),
        "_sex": text("sex", found["sex"]).str.strip_chars().str.to_lowercase(),
    }
    checks: dict[str, pl.Expr] = {
        flag("missing_value", "citizen_id"): required("citizen_id", found),
        flag("missing_value", "birth_date"): required("birth_date", found),
        flag("bad_date", "birth_date"): unparsed("birth_date", pl.col("_birth_date")),
        flag("after_screening_date", "birth_date"): pl.col("_birth_date") >= on,
        flag("missing_value", "sex"): required("sex", found),
        flag("bad_sex", "sex"): pl.col("sex").is_not_null() & ~pl.col("_sex").is_in(list(SEXES)),
    }
    for column, path in QUESTIONNAIRE.items():
        kind = kinds[path][0]
        target = _KIND_TYPES[kind]
        if column not in found:
            parsed[f"_{column}"] = pl.lit(None, dtype=target)
            continue
        dtype = found[column]
        value = pl.col(f"_{column}")
        if kind == "bool":
            parsed[f"_{column}"] = as_bool(column, dtype)
            checks[flag("bad_bool", column)] = unparsed(column, value)
        elif kind == "choice":
            parsed[f"_{column}"] = text(column, dtype).str.strip_chars().str.to_lowercase()
            checks[flag("bad_choice", column)] = ~value.is_in(list(kinds[path][1:]))
        else:
            number = as_number(column, dtype)
            if kind == "int":
                number = pl.when(number == number.floor()).then(number)
            parsed[f"_{column}"] = number.cast(target)
            checks[flag("bad_number", column)] = unparsed(column, value)
            low, high = ranges[path]
            checks[flag("out_of_range", column)] = (value < low) | (value > high)
    return frame.with_columns(**parsed).with_columns(
        **{name: check.fill_null(False) for name, check in checks.items()}
    )


def events(
    source: str, frame: pl.LazyFrame, found: pl.Schema, people: pl.LazyFrame
) -> pl.LazyFrame:
    """Parsed diagnoses or prescriptions joined with the citizens they refer to.

    `people` holds one row per citizen id: `citizen_id`, `_birth_date` and `_ok` (false when the
    citizen's own row was rejected).
    """
    code = "atc" if source == PRESCRIPTIONS else "code"
    parsed = {
        "_id": text("citizen_id", found["citizen_id"]),
        "_code": text(code, found[code]),
        "_date": as_date("date", found["date"]),
    }
    checks = {
        flag("missing_value", "citizen_id"): required("citizen_id", found),
        flag("missing_value", code): required(code, found),
        flag("missing_value", "date"): required("date", found),
        flag("bad_date", "date"): unparsed("date", pl.col("_date")),
        flag("unknown_citizen", "citizen_id"): pl.col("_ok").is_null()
        & pl.col("citizen_id").is_not_null(),
        flag("citizen_rejected", "citizen_id"): ~pl.col("_ok"),
    }
    if source == PRESCRIPTIONS:
        parsed["_ddd"] = as_number("ddd", found["ddd"])
        checks[flag("missing_value", "ddd")] = required("ddd", found)
        checks[flag("bad_number", "ddd")] = unparsed("ddd", pl.col("_ddd"))
        checks[flag("negative_ddd", "ddd")] = pl.col("_ddd") < 0
    joined = frame.with_columns(**parsed).join(people, on="_id", how="left")
    return joined.with_columns(**{name: check.fill_null(False) for name, check in checks.items()})


def report(source: str, bad: pl.DataFrame) -> list[Problem]:
    """One Problem per flag that is set on some row of `bad` (rows with at least one flag)."""
    problems = []
    for name in flags_of(bad.columns):
        hit = bad.filter(pl.col(name)).sort(ROW)
        if hit.height == 0:
            continue
        problem, column = name[len(FLAG) :].split(":", 1)
        values = hit[column].head(EXAMPLES).cast(pl.String) if column in hit.columns else None
        problems.append(
            Problem(
                source,
                problem,
                column,
                hit.height,
                tuple(hit[ROW].head(EXAMPLES).to_list()),
                tuple(values.to_list()) if values is not None else (),
            )
        )
    return problems


def describe(source: str, bad: pl.DataFrame, raw_columns: list[str]) -> pl.DataFrame:
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
        *[pl.col(c).cast(pl.String) for c in raw_columns],
    )

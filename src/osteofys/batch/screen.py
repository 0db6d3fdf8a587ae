"""Population screening: registry files in, one referral row per citizen out (SPEC P10, P11).

The event files are read once each, lazily and in streaming batches: every row is parsed,
checked and matched with its citizen, and only the rows that matter (a mapped code, or a problem
to report) are kept. Memory therefore grows with the number of citizens and of relevant events,
not with the size of the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from osteofys.batch import derive, inputs
from osteofys.batch.columns import CITIZENS, DIAGNOSES, OUTPUT, PRESCRIPTIONS, SOURCES
from osteofys.batch.inputs import InputError, Problem
from osteofys.batch.mapping import CodeSet, RegistryMapping, load_mapping
from osteofys.batch.referral import (
    MASK,
    ReferralRules,
    columns,
    evaluate,
    factor_names,
    referral_rules,
)
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.findings import FINDINGS

Progress = Callable[[str, float, float], None]
"""Told the stage that starts, the share of the work done before it and after it (0..1)."""


class UnusableFilesError(Exception):
    """Files that cannot be screened at all; every one is listed."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class Paths:
    citizens: Path
    diagnoses: Path
    prescriptions: Path

    def of(self, source: str) -> Path:
        path: Path = getattr(self, source)
        return path


@dataclass
class Screening:
    """The outcome of a run.

    `table` holds the output columns and, for the summary, `age_years`, `sex` and the present risk
    factors as a bit mask (`referral.MASK`, bit i = `factor_ids[i]`).
    """

    table: pl.DataFrame
    problems: list[Problem]
    rejected: dict[str, pl.DataFrame]
    """Per file, the rejected rows as read, with row number and problems (the side files)."""
    rows_read: dict[str, int]
    on: date
    factor_ids: tuple[str, ...]

    def output(self) -> pl.DataFrame:
        return self.table.select(OUTPUT)


@dataclass
class Registry:
    """The input files read and checked: valid citizens, the valid rows that matter, the rest."""

    on: date
    mapping: RegistryMapping
    tables: dict[str, inputs.Table]
    people: pl.DataFrame
    """Every citizen row, parsed, with its problem flags; `valid` selects the good ones."""
    valid: pl.Expr
    good: dict[str, pl.DataFrame]
    """Valid diagnoses and prescriptions with a mapped code dated before `on`."""
    bad: dict[str, pl.DataFrame]
    """Per file, the rows with a problem, flagged."""
    rows_read: dict[str, int] = field(default_factory=dict)

    def findings(self, names: frozenset[str] = FINDINGS) -> pl.LazyFrame:
        """The findings record of every valid citizen.

        `_key` (row number in the citizens file), `_id`, `_birth_date` and the findings in `names`.
        """
        return derive.findings(
            self.people.lazy().filter(self.valid),
            derive.diagnosis_facts(self.good[DIAGNOSES].lazy(), self.mapping, self.on),
            derive.prescription_facts(self.good[PRESCRIPTIONS].lazy(), self.mapping, self.on),
            self.mapping,
            self.on,
            names=names,
        )


def _weights(paths: Paths) -> dict[str, float]:
    sizes = {s: max(paths.of(s).stat().st_size, 1) for s in SOURCES}
    total = sum(sizes.values())
    # The rules and the ordering cost about as much as reading the citizens once more.
    return {s: n / (total + sizes[CITIZENS]) for s, n in sizes.items()}


def read(
    paths: Paths, base: KnowledgeBase, on: date, *, progress: Progress | None = None
) -> Registry:
    """Read and check the three files; each event file is read once, in streaming batches.

    Raises:
        UnusableFilesError: a file is missing, unreadable, of unknown format or lacks a column.
    """
    tell = progress or (lambda stage, done, ends: None)
    tables: dict[str, inputs.Table] = {}
    errors: list[InputError] = []
    for source in SOURCES:
        try:
            tables[source] = inputs.open_table(source, paths.of(source))
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise UnusableFilesError(errors)
    mapping = load_mapping(base)
    weights = _weights(paths)
    done = 0.0

    tell(CITIZENS, done, done + weights[CITIZENS])
    checked = inputs.citizens(tables[CITIZENS], on, base.knowledge.input_ranges)
    people = checked.flagged(_collect(tables[CITIZENS], checked.frame))
    valid = ~pl.any_horizontal(inputs.flags_of(people.columns))
    # Events find their citizen by id once; after that the citizen's row number is the key
    # (integer joins and group-bys are several times cheaper than on text).
    known = people.filter(pl.col("_id").is_not_null()).select(
        "_id", "_birth_date", _ok=valid, _key=pl.col(inputs.ROW)
    )
    if people[inputs.flag("duplicate_id", "citizen_id")].any():
        # Every row of a repeated id is rejected; the join needs the id once.
        known = known.unique("_id", keep="first", maintain_order=False)
    registry = Registry(on, mapping, tables, people, valid, {}, {CITIZENS: people.filter(~valid)})
    registry.rows_read[CITIZENS] = people.height
    done += weights[CITIZENS]
    for source in (DIAGNOSES, PRESCRIPTIONS):
        tell(source, done, done + weights[source])
        registry.bad[source], registry.good[source], registry.rows_read[source] = _events(
            tables[source], known, mapping, on
        )
        done += weights[source]
    return registry


def screen(
    paths: Paths, base: KnowledgeBase, on: date, *, progress: Progress | None = None
) -> Screening:
    """Screen every citizen of the files on the date `on` (SPEC P10, P11).

    Raises:
        UnusableFilesError: a file is missing, unreadable, of unknown format or lacks a column.
    """
    tell = progress or (lambda stage, done, ends: None)
    registry = read(paths, base, on, progress=progress)
    tell("rules", 1 - _weights(paths)[CITIZENS], 1.0)
    rules = referral_rules(base.knowledge)
    evaluated = evaluate(registry.findings(rules.reads | {"age_years", "sex"}), rules)
    table = _decide(evaluated, rules)
    bad = registry.bad
    tell("done", 1.0, 1.0)
    return Screening(
        table=table,
        problems=[p for s in SOURCES for p in inputs.report(s, bad[s])],
        rejected={
            s: inputs.rejected_rows(registry.tables[s], bad[s]) for s in SOURCES if bad[s].height
        },
        rows_read=registry.rows_read,
        on=on,
        factor_ids=tuple(rf.id for rf in rules.factors),
    )


def _codes(source: str, mapping: RegistryMapping) -> CodeSet:
    if source == DIAGNOSES:
        return mapping.diagnosis_codes()
    prefixes = [p for rule in mapping.drug_rules().values() for p in rule.atc.prefixes]
    return CodeSet(tuple(dict.fromkeys(prefixes)))


def _events(
    table: inputs.Table, registry: pl.DataFrame, mapping: RegistryMapping, on: date
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read one event file once.

    Returns the rows with a problem, flagged; the valid rows with a mapped code dated before `on`,
    code normalised; and the number of rows read.
    """
    checked = inputs.events(table, registry.lazy())
    codes = _codes(table.source, mapping)
    diagnoses = table.source == DIAGNOSES
    maybe = derive.candidates(codes, pl.col("_code"), icd10=diagnoses) & (pl.col("_date") < on)
    kept = _collect(table, checked.frame.filter(checked.problem() | maybe))
    flagged = checked.flagged(kept)
    problem = pl.any_horizontal(inputs.flags_of(flagged.columns))
    normalise = derive.normalised_icd10 if diagnoses else derive.normalised_atc
    good = (
        flagged.filter(~problem)
        .with_columns(_code=normalise(pl.col("_code")))
        .filter(derive.matches(codes, pl.col("_code")))
    )
    rows = _collect(table, table.frame.select(pl.len())).item()
    return flagged.filter(problem), good, int(rows)


def _collect(table: inputs.Table, frame: pl.LazyFrame) -> pl.DataFrame:
    """Run a streaming query over one file.

    A file that breaks while being read is an input error naming the file (and, for CSV, the row),
    not a traceback.
    """
    try:
        return frame.collect(engine="streaming")
    except (OSError, pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise UnusableFilesError([inputs.broken(table, exc)]) from exc


def _decide(evaluated: pl.LazyFrame, rules: ReferralRules) -> pl.DataFrame:
    """The referral columns and the priority, referred citizens first in priority order.

    Priority: a strong factor first, then more risk factors, then older (earlier birth date),
    then citizen id so that a rerun gives the same list. The others follow in file order.
    """
    decided = (
        evaluated.with_columns(**columns(rules))
        .select(
            "refer",
            "basis",
            "already_known",
            "strong",
            "n_risk_factors",
            MASK,
            "_key",
            "_birth_date",
            "age_years",
            "sex",
            citizen_id="_id",
        )
        .collect()
    )
    decided = decided.with_columns(factor_names(decided[MASK], rules))
    invite = pl.col("refer").fill_null(False)
    # Only the referred are ranked: sorting a million rows on five keys costs about a second.
    ranked = (
        decided.filter(invite)
        .sort(
            ["strong", "n_risk_factors", "_birth_date", "citizen_id"],
            descending=[True, True, False, False],
        )
        .with_columns(priority=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    rest = decided.filter(~invite).sort("_key").with_columns(priority=pl.lit(None, dtype=pl.Int64))
    return pl.concat([ranked, rest]).select(*OUTPUT, "age_years", "sex", MASK)

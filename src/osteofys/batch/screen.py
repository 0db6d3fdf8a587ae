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
from osteofys.batch.inputs import ROW, InputError, Problem
from osteofys.batch.mapping import CodeSet, RegistryMapping, load_mapping
from osteofys.batch.referral import columns, evaluate, outcome, referral_rules
from osteofys.kb.loader import KnowledgeBase

Progress = Callable[[str, float], None]
"""Told the stage that starts and the share of the work done before it (0..1)."""


class InputErrors(Exception):
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
    """The outcome of a run. `table` holds the output columns and, for the summary, `age_years`,
    `sex` and one `_rf:<id>` column per risk factor."""

    table: pl.DataFrame
    problems: list[Problem]
    rejected: dict[str, pl.DataFrame]
    rows_read: dict[str, int]
    on: date
    factor_ids: tuple[str, ...]
    knowledge_version: str
    ignored_events: dict[str, int] = field(default_factory=dict)

    def output(self) -> pl.DataFrame:
        return self.table.select(OUTPUT)


def _weights(paths: Paths) -> dict[str, float]:
    sizes = {s: max(paths.of(s).stat().st_size, 1) for s in SOURCES}
    total = sum(sizes.values())
    # The rules and the ordering cost about as much as reading the citizens once more.
    return {s: n / (total + sizes[CITIZENS]) for s, n in sizes.items()}


def screen(
    paths: Paths,
    base: KnowledgeBase,
    on: date,
    *,
    progress: Progress | None = None,
) -> Screening:
    """Screen every citizen of the files on the date `on`.

    Raises:
        InputErrors: a file is missing, unreadable, of unknown format or lacks a column.
    """
    tell = progress or (lambda stage, done: None)
    mapping = load_mapping(base)
    k = base.knowledge
    frames: dict[str, pl.LazyFrame] = {}
    found: dict[str, pl.Schema] = {}
    errors: list[InputError] = []
    for source in SOURCES:
        try:
            frames[source] = inputs.scan(source, paths.of(source))
            found[source] = inputs.schema(source, frames[source])
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)
    weights = _weights(paths)
    done = 0.0

    tell(CITIZENS, done)
    people = _citizens(frames[CITIZENS], found[CITIZENS], on, k.input_ranges)
    done += weights[CITIZENS]
    rows_read = {CITIZENS: people.height}
    ok = ~pl.any_horizontal(inputs.flags_of(people.columns) or [pl.lit(False)])
    registry = (
        people.filter(pl.col("_id").is_not_null())
        .unique("_id", keep="first", maintain_order=False)
        .select("_id", "_birth_date", _ok=ok)
    )

    kept: dict[str, pl.DataFrame] = {}
    for source in (DIAGNOSES, PRESCRIPTIONS):
        tell(source, done)
        kept[source], rows_read[source] = _events(
            source, frames[source], found[source], registry, mapping, on
        )
        done += weights[source]

    tell("rules", done)
    bad = {CITIZENS: people.filter(~ok)}
    good: dict[str, pl.DataFrame] = {}
    for source, frame in kept.items():
        any_flag = pl.any_horizontal(inputs.flags_of(frame.columns))
        bad[source] = frame.filter(any_flag)
        good[source] = frame.filter(~any_flag)
    rules = referral_rules(k)
    facts = derive.findings(
        people.lazy().filter(ok),
        derive.diagnosis_facts(good[DIAGNOSES].lazy(), mapping, on),
        derive.prescription_facts(good[PRESCRIPTIONS].lazy(), mapping, on),
        mapping,
        on,
        rules.reads | {"age_years", "sex"},
    )
    table = _decide(evaluate(facts, rules), base)
    raw = {s: [c for c in found[s] if c != ROW] for s in SOURCES}
    problems = [p for s in SOURCES for p in inputs.report(s, bad[s])]
    rejected = {s: inputs.describe(s, bad[s], raw[s]) for s in SOURCES if bad[s].height}
    tell("done", 1.0)
    return Screening(
        table=table,
        problems=problems,
        rejected=rejected,
        rows_read=rows_read,
        on=on,
        factor_ids=tuple(rf.id for rf in rules.factors),
        knowledge_version=k.version,
    )


def _citizens(
    frame: pl.LazyFrame, found: pl.Schema, on: date, ranges: dict[str, tuple[float, float]]
) -> pl.DataFrame:
    parsed = inputs.citizens(frame, found, on, ranges).collect(engine="streaming")
    # An id given twice cannot be screened reliably: every row with it is rejected.
    twice = pl.col("_id").is_not_null() & pl.col("_id").is_duplicated()
    return parsed.with_columns(twice.alias(inputs.flag("duplicate_id", "citizen_id")))


def _relevant(source: str, mapping: RegistryMapping) -> tuple[pl.Expr, CodeSet]:
    if source == DIAGNOSES:
        return derive.normalised_icd10(pl.col("_code")), mapping.diagnosis_codes()
    prefixes = [p for rule in mapping.drug_rules().values() for p in rule.atc.prefixes]
    return derive.normalised_atc(pl.col("_code")), CodeSet(tuple(dict.fromkeys(prefixes)))


def _events(
    source: str,
    frame: pl.LazyFrame,
    found: pl.Schema,
    registry: pl.DataFrame,
    mapping: RegistryMapping,
    on: date,
) -> tuple[pl.DataFrame, int]:
    """The rows of one event file that have a problem or a mapped code dated before `on`."""
    checked = inputs.events(source, frame, found, registry.lazy())
    code, codes = _relevant(source, mapping)
    names = inputs.flags_of(list(checked.collect_schema()))
    problem = pl.any_horizontal(names)
    relevant = derive.matches(codes, pl.col("_code")) & (pl.col("_date") < on)
    kept = checked.with_columns(_code=code).filter(problem | relevant).collect(engine="streaming")
    rows = frame.select(pl.len()).collect().item()
    return kept, int(rows)


def _decide(evaluated: pl.LazyFrame, base: KnowledgeBase) -> pl.DataFrame:
    """The referral columns and the priority: strong factor first, then more risk factors,
    then older (earlier birth date), then citizen id; only for those to refer."""
    k = base.knowledge
    rules = referral_rules(k)
    decided = evaluated.with_columns(**columns(k, rules))
    fired = [
        pl.col(outcome(rf.rule)).fill_null(False).alias(f"_rf:{rf.id}") for rf in rules.factors
    ]
    ordered = decided.with_columns(*fired, citizen_id=pl.col("_id")).sort(
        [
            pl.col("refer").fill_null(False),
            "strong",
            "n_risk_factors",
            "_birth_date",
            "citizen_id",
        ],
        descending=[True, True, True, False, False],
    )
    table = ordered.with_columns(
        priority=pl.when(pl.col("refer").fill_null(False))
        .then(pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
        .otherwise(None)
    )
    return table.select(
        *OUTPUT, "age_years", "sex", *[f"_rf:{rf.id}" for rf in rules.factors]
    ).collect()

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
    tables: dict[str, inputs.Table] = {}
    errors: list[InputError] = []
    for source in SOURCES:
        try:
            tables[source] = inputs.open_table(source, paths.of(source))
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)
    weights = _weights(paths)
    done = 0.0

    tell(CITIZENS, done)
    checked = inputs.citizens(tables[CITIZENS], on, k.input_ranges)
    people = checked.flagged(checked.frame.collect(engine="streaming"))
    ok = ~pl.any_horizontal(inputs.flags_of(people.columns))
    registry = (
        people.filter(pl.col("_id").is_not_null())
        .unique("_id", keep="first", maintain_order=False)
        .select("_id", "_birth_date", _ok=ok)
    )
    rows_read = {CITIZENS: people.height}
    bad = {CITIZENS: people.filter(~ok)}
    good: dict[str, pl.DataFrame] = {}
    done += weights[CITIZENS]

    for source in (DIAGNOSES, PRESCRIPTIONS):
        tell(source, done)
        bad[source], good[source], rows_read[source] = _events(
            tables[source], registry, mapping, on
        )
        done += weights[source]

    tell("rules", done)
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
    problems = [p for s in SOURCES for p in inputs.report(s, bad[s])]
    rejected = {
        s: inputs.rejected_rows(tables[s], bad[s]) for s in SOURCES if bad[s].height
    }
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


def _codes(source: str, mapping: RegistryMapping) -> CodeSet:
    if source == DIAGNOSES:
        return mapping.diagnosis_codes()
    prefixes = [p for rule in mapping.drug_rules().values() for p in rule.atc.prefixes]
    return CodeSet(tuple(dict.fromkeys(prefixes)))


def _events(
    table: inputs.Table, registry: pl.DataFrame, mapping: RegistryMapping, on: date
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read one event file once: (rows with a problem, flagged; valid rows with a mapped code
    dated before `on`, code normalised; number of rows read)."""
    checked = inputs.events(table, registry.lazy())
    codes = _codes(table.source, mapping)
    diagnoses = table.source == DIAGNOSES
    maybe = derive.candidates(codes, pl.col("_code"), icd10=diagnoses) & (pl.col("_date") < on)
    kept = checked.frame.filter(checked.problem() | maybe).collect(engine="streaming")
    flagged = checked.flagged(kept)
    problem = pl.any_horizontal(inputs.flags_of(flagged.columns))
    normalise = derive.normalised_icd10 if diagnoses else derive.normalised_atc
    good = (
        flagged.filter(~problem)
        .with_columns(_code=normalise(pl.col("_code")))
        .filter(derive.matches(codes, pl.col("_code")))
    )
    rows = table.frame.select(pl.len()).collect().item()
    return flagged.filter(problem), good, int(rows)


def _decide(evaluated: pl.LazyFrame, base: KnowledgeBase) -> pl.DataFrame:
    """The referral columns and the priority, referred citizens first in priority order.

    Priority: a strong factor first, then more risk factors, then older (earlier birth date),
    then citizen id so that a rerun gives the same list. The others keep the input order.
    """
    k = base.knowledge
    rules = referral_rules(k)
    fired = [
        pl.col(outcome(rf.rule)).fill_null(False).alias(f"_rf:{rf.id}") for rf in rules.factors
    ]
    decided = (
        evaluated.with_columns(**columns(k, rules))
        .with_columns(*fired, citizen_id=pl.col("_id"))
        .select(*OUTPUT[:-1], "_birth_date", "age_years", "sex", *[f.meta.output_name() for f in fired])
        .collect()
    )
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
    rest = decided.filter(~invite).with_columns(priority=pl.lit(None, dtype=pl.Int64))
    return pl.concat([ranked, rest]).select(
        *OUTPUT, "age_years", "sex", *[f.meta.output_name() for f in fired]
    )

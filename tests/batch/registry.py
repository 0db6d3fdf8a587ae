"""Helpers for the batch tests: write registry rows as files, and run both engines on them.

`by_batch` runs `osteofys.batch.screen` on the files; `by_core` builds one `Case` per citizen
with `osteofys.batch.cases.registry_case` and runs `osteofys.rules.assess`. Both return, per
citizen id, the referral flag, the risk-factor set, already-known and strong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from osteofys.batch.cases import Citizen, Diagnosis, Prescription, registry_case
from osteofys.batch.columns import QUESTIONNAIRE
from osteofys.batch.mapping import load_mapping
from osteofys.batch.screen import Paths, screen
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import assess
from osteofys.rules.case import Case


@dataclass(frozen=True)
class Outcome:
    refer: bool | None
    risk_factors: frozenset[str]
    already_known: bool
    strong: bool
    basis: str


_TYPES: dict[str, pl.DataType] = {
    "height_cm": pl.Float64(),
    "weight_kg": pl.Float64(),
    "menopause_age": pl.Float64(),
    "smoking": pl.String(),
    "alcohol_units_per_week": pl.Float64(),
    "parent_hip_fracture": pl.Boolean(),
    "falls_last_12_months": pl.Int64(),
    "height_loss_cm": pl.Float64(),
}


def write(
    folder: Path,
    citizens: Sequence[Citizen],
    diagnoses: Sequence[Diagnosis],
    prescriptions: Sequence[Prescription],
    *,
    fmt: str = "csv",
    columns: Iterable[str] = QUESTIONNAIRE,
    sex_as_written: dict[str, str] | None = None,
) -> Paths:
    """Write the rows as `fmt` files; only the questionnaire `columns` given are written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = sex_as_written or {}
    people: dict[str, Any] = {
        "citizen_id": [c.citizen_id for c in citizens],
        "birth_date": [c.birth_date for c in citizens],
        "sex": [written.get(c.citizen_id, c.sex) for c in citizens],
    }
    schema: dict[str, pl.DataType] = {
        "citizen_id": pl.String(),
        "birth_date": pl.Date(),
        "sex": pl.String(),
    }
    for column in columns:
        people[column] = [getattr(c, column) for c in citizens]
        schema[column] = _TYPES[column]
    frames = {
        "citizens": pl.DataFrame(people, schema=schema),
        "diagnoses": pl.DataFrame(
            {
                "citizen_id": [d.citizen_id for d in diagnoses],
                "code": [d.code for d in diagnoses],
                "date": [d.date for d in diagnoses],
            },
            schema={"citizen_id": pl.String, "code": pl.String, "date": pl.Date},
        ),
        "prescriptions": pl.DataFrame(
            {
                "citizen_id": [p.citizen_id for p in prescriptions],
                "atc": [p.atc for p in prescriptions],
                "date": [p.date for p in prescriptions],
                "ddd": [p.ddd for p in prescriptions],
            },
            schema={
                "citizen_id": pl.String,
                "atc": pl.String,
                "date": pl.Date,
                "ddd": pl.Float64,
            },
        ),
    }
    paths = {}
    for name, frame in frames.items():
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        paths[name] = path
    return Paths(**paths)


def by_batch(paths: Paths, base: KnowledgeBase, on: date) -> dict[str, Outcome]:
    result = screen(paths, base, on)
    assert result.problems == [], result.problems
    return {
        row["citizen_id"]: Outcome(
            row["refer"],
            frozenset(row["risk_factors"].split(";")) - {""},
            row["already_known"],
            row["strong"],
            row["basis"],
        )
        for row in result.output().iter_rows(named=True)
    }


def cases(
    citizens: Sequence[Citizen],
    diagnoses: Sequence[Diagnosis],
    prescriptions: Sequence[Prescription],
    base: KnowledgeBase,
    on: date,
) -> dict[str, Case]:
    mapping = load_mapping(base)
    dx: dict[str, list[Diagnosis]] = defaultdict(list)
    rx: dict[str, list[Prescription]] = defaultdict(list)
    for d in diagnoses:
        dx[d.citizen_id].append(d)
    for p in prescriptions:
        rx[p.citizen_id].append(p)
    return {
        c.citizen_id: registry_case(c, dx[c.citizen_id], rx[c.citizen_id], mapping, on)
        for c in citizens
    }


def by_core(
    citizens: Sequence[Citizen],
    diagnoses: Sequence[Diagnosis],
    prescriptions: Sequence[Prescription],
    base: KnowledgeBase,
    on: date,
) -> dict[str, Outcome]:
    k = base.knowledge
    factors = {rf.id: rf for rf in k.risk_factors}
    out = {}
    for cid, case in cases(citizens, diagnoses, prescriptions, base, on).items():
        result = assess(case, k)
        outcomes = {step.rule: step.outcome for step in result.trace}
        fired = result.referral.reasons
        strong = any(
            factors[rf].strong
            or (factors[rf].strong_rule is not None and outcomes.get(f"{rf}_strong") is True)
            for rf in fired
        )
        out[cid] = Outcome(
            result.referral.recommended,
            frozenset(fired),
            case.patient.osteoporosis_diagnosed is True,
            strong,
            result.referral.basis.value,
        )
    return out

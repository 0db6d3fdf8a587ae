"""The per-record reference path: one citizen's registry rows to a `Case` for `rules.assess`.

It applies the registry mapping in plain Python, one citizen at a time. The property tests hold
the polars path to it, and `bench/screen.py` measures it as the per-record engine. No polars here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, assert_never

from osteofys.batch.columns import FALSE_WORDS, QUESTIONNAIRE, TRUE_WORDS
from osteofys.batch.mapping import RegistryMapping, normalise_atc, normalise_icd10
from osteofys.rules.case import Case, FieldKind, Fracture, Patient, RiskFactors, case_fields
from osteofys.rules.dates import add_months, age_on


@dataclass(frozen=True, slots=True)
class Citizen:
    citizen_id: str
    birth_date: date
    sex: str
    height_cm: float | None = None
    weight_kg: float | None = None
    menopause_age: float | None = None
    smoking: str | None = None
    alcohol_units_per_week: float | None = None
    parent_hip_fracture: bool | None = None
    falls_last_12_months: int | None = None
    height_loss_cm: float | None = None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    citizen_id: str
    code: str
    date: date


@dataclass(frozen=True, slots=True)
class Prescription:
    citizen_id: str
    atc: str
    date: date
    ddd: float


def within(event: date, on: date, months: int) -> bool:
    """The event lies in the `months` calendar months before `on` (docs/decisions.md 9)."""
    return event < on < add_months(event, months)


def registry_case(
    citizen: Citizen,
    diagnoses: Iterable[Diagnosis],
    prescriptions: Iterable[Prescription],
    mapping: RegistryMapping,
    on: date,
) -> Case:
    """The case that the registry rows of one citizen describe on the screening date `on`."""
    born = citizen.birth_date
    fractures: set[tuple[str, date]] = set()
    conditions: set[str] = set()
    known = False
    for d in diagnoses:
        if d.date >= on:
            continue
        code = normalise_icd10(d.code)
        site = mapping.fracture_site(code)
        if site is not None and age_on(born, d.date) >= mapping.fracture_min_age:
            fractures.add((site, d.date))
        conditions.update(mapping.condition_ids(code))
        known = known or mapping.known_icd10.matches(code)
    gc_ddd = 0.0
    found = dict.fromkeys(("aromatase_inhibitor", "antiandrogen_therapy", "already_known"), False)
    rules = mapping.drug_rules()
    for p in prescriptions:
        atc = normalise_atc(p.atc)
        gc = rules["glucocorticoids"]
        if gc.atc.matches(atc) and within(p.date, on, gc.window_months):
            gc_ddd += p.ddd
        for name in found:
            rule = rules[name]
            if rule.atc.matches(atc) and within(p.date, on, rule.window_months):
                found[name] = True
    min_ddd = mapping.glucocorticoids.min_ddd or 0.0
    mg_per_day, months = mapping.gc_course if gc_ddd >= min_ddd else (0.0, 0.0)
    return Case(
        assessment_date=on,
        patient=Patient(
            birth_date=born,
            sex=citizen.sex,
            height_cm=citizen.height_cm,
            weight_kg=citizen.weight_kg,
            osteoporosis_diagnosed=known or found["already_known"],
        ),
        risk_factors=RiskFactors(
            glucocorticoid_mg_per_day=mg_per_day,
            glucocorticoid_months=months,
            menopause_age=citizen.menopause_age,
            parent_hip_fracture=citizen.parent_hip_fracture,
            height_loss_cm=citizen.height_loss_cm,
            smoking=citizen.smoking,
            alcohol_units_per_week=citizen.alcohol_units_per_week,
            falls_last_12_months=citizen.falls_last_12_months,
            aromatase_inhibitor=found["aromatase_inhibitor"],
            antiandrogen_therapy=found["antiandrogen_therapy"],
            conditions=tuple(sorted(conditions)),
        ),
        fractures=tuple(Fracture(site, when, True) for site, when in sorted(fractures)),
    )


# --- reading valid CSV files with the standard library (the benchmark's per-record engine) ------


def _value(kind: FieldKind, raw: str) -> Any:
    if raw == "":
        return None
    match kind:
        case FieldKind.BOOLEAN:
            low = raw.lower()
            return True if low in TRUE_WORDS else False if low in FALSE_WORDS else None
        case FieldKind.INTEGER:
            return int(float(raw))
        case FieldKind.NUMBER:
            return float(raw)
        case FieldKind.CHOICE:
            return raw
        case FieldKind.NUMBER_OR_UNABLE | FieldKind.DATE | FieldKind.CONDITIONS | FieldKind.TEXT:
            raise ValueError(f"a {kind} field is not a questionnaire column")
        case _:
            assert_never(kind)


def read_citizens(path: Path) -> Iterator[Citizen]:
    """Citizens from a CSV file that `osteofys screen` accepts without complaint."""
    fields = case_fields()
    kinds = {column: fields[field].kind for column, field in QUESTIONNAIRE.items()}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            extra = {c: _value(kinds[c], row[c]) for c in QUESTIONNAIRE if c in row}
            yield Citizen(
                row["citizen_id"], date.fromisoformat(row["birth_date"]), row["sex"], **extra
            )


def read_diagnoses(path: Path) -> Iterator[Diagnosis]:
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield Diagnosis(row["citizen_id"], row["code"], date.fromisoformat(row["date"]))


def read_prescriptions(path: Path) -> Iterator[Prescription]:
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield Prescription(
                row["citizen_id"], row["atc"], date.fromisoformat(row["date"]), float(row["ddd"])
            )

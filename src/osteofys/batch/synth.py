"""Synthetic registry data (citizens, diagnoses, prescriptions) for tests, demos and benchmarks.

The rates below are synthetic-data assumptions, not clinical knowledge: no rule reads them. They
are rough Danish orders of magnitude by age and sex (docs/screening.md lists them), chosen so that
every risk factor, both windows and the already-known exclusion occur in a sample. The codes come
from the registry mapping, so the data follow the knowledge base when it changes.

Random numbers are hashes of the row number with the seed: the same seed and polars version give
the same files, and millions of rows take seconds without numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from osteofys.batch.columns import CITIZENS, DIAGNOSES, PRESCRIPTIONS
from osteofys.batch.mapping import CodeSet, RegistryMapping

Format = Literal["csv", "parquet"]

# Age bands (lower bounds, years), the share of adults in each, and where the top band ends.
AGE_BANDS = (18, 50, 65, 80)
AGE_SHARES = (0.50, 0.24, 0.19, 0.07)
AGE_END = 100
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Rate:
    """Share of citizens with the event, per age band (AGE_BANDS), for women and for men."""

    women: tuple[float, float, float, float]
    men: tuple[float, float, float, float]


FRACTURE_RATES: dict[str, Rate] = {
    "hip": Rate((0.001, 0.01, 0.04, 0.12), (0.001, 0.005, 0.02, 0.06)),
    "vertebra": Rate((0.002, 0.02, 0.05, 0.10), (0.002, 0.01, 0.025, 0.05)),
    "wrist": Rate((0.01, 0.04, 0.07, 0.09), (0.01, 0.015, 0.02, 0.03)),
    "proximal_humerus": Rate((0.002, 0.01, 0.03, 0.05), (0.001, 0.004, 0.01, 0.02)),
    "pelvis": Rate((0.0005, 0.003, 0.01, 0.03), (0.0005, 0.002, 0.005, 0.015)),
}
CONDITION_RATES: dict[str, Rate] = {
    "anorexia_nervosa": Rate((0.003, 0.001, 0.0005, 0.0005), (0.0003, 0.0001, 0.0, 0.0)),
    "malabsorption": Rate((0.001, 0.002, 0.002, 0.002), (0.001, 0.002, 0.002, 0.002)),
    "coeliac_disease": Rate((0.003,) * 4, (0.002,) * 4),
    "primary_hyperparathyroidism": Rate(
        (0.001, 0.005, 0.007, 0.007), (0.0005, 0.002, 0.003, 0.003)
    ),
    "hyperthyroidism": Rate((0.005, 0.01, 0.012, 0.012), (0.001, 0.002, 0.003, 0.003)),
    "organ_transplant": Rate((0.0005, 0.0008, 0.0005, 0.0002), (0.0006, 0.001, 0.0007, 0.0002)),
    "chronic_kidney_disease": Rate((0.002, 0.01, 0.04, 0.08), (0.002, 0.012, 0.045, 0.09)),
    "cushing": Rate((0.0002, 0.0002, 0.0002, 0.0001), (0.0001,) * 4),
    "mastocytosis": Rate((0.0001, 0.0002, 0.0002, 0.0001), (0.0001, 0.0002, 0.0002, 0.0001)),
    "rheumatoid_arthritis": Rate((0.004, 0.012, 0.015, 0.015), (0.002, 0.006, 0.008, 0.008)),
    "multiple_myeloma": Rate((0.0, 0.0005, 0.001, 0.0015), (0.0, 0.0006, 0.0013, 0.002)),
    "ankylosing_spondylitis": Rate((0.001,) * 4, (0.003, 0.003, 0.003, 0.002)),
    "copd": Rate((0.005, 0.04, 0.08, 0.10), (0.005, 0.05, 0.10, 0.12)),
    "osteogenesis_imperfecta": Rate((0.0001,) * 4, (0.0001,) * 4),
    "type1_diabetes": Rate((0.005,) * 4, (0.006,) * 4),
    "inflammatory_bowel_disease": Rate((0.007,) * 4, (0.007,) * 4),
    "hypogonadism": Rate((0.001, 0.001, 0.0005, 0.0005), (0.002, 0.003, 0.003, 0.003)),
}
OSTEOPOROSIS_DIAGNOSIS = Rate((0.002, 0.05, 0.12, 0.20), (0.001, 0.01, 0.03, 0.05))
NO_ONE = (0.0,) * 4


@dataclass(frozen=True, slots=True)
class Drug:
    """How a drug is dispensed in the synthetic population.

    Users (by `rate`) get up to `dispensings` dispensings, each kept with probability `keep`, spread
    over the `years` before the screening date, of `ddd` (low, step, steps) DDD each.
    """

    rate: Rate
    dispensings: int
    keep: float
    years: float
    ddd: tuple[float, float, int]


DRUGS: dict[str, Drug] = {
    # Spread over two years with about 40 DDD a year on average, so the 45-DDD line is crossed
    # both ways and some courses fall outside the 12-month window.
    "glucocorticoids": Drug(
        Rate((0.01, 0.02, 0.03, 0.04), (0.01, 0.02, 0.03, 0.04)), 6, 0.5, 2, (5, 5, 10)
    ),
    "aromatase_inhibitor": Drug(Rate((0.001, 0.01, 0.012, 0.01), NO_ONE), 3, 0.6, 1.5, (30, 10, 8)),
    "antiandrogen_therapy": Drug(
        Rate(NO_ONE, (0.0, 0.003, 0.015, 0.025)), 3, 0.6, 1.5, (30, 10, 8)
    ),
    # Seven years, so that some treatment lies outside the 5-year window.
    "already_known": Drug(
        Rate((0.001, 0.04, 0.10, 0.15), (0.0005, 0.008, 0.025, 0.04)), 3, 0.6, 7, (28, 28, 4)
    ),
}
HISTORY_YEARS = 20
EVENTS_AFTER = 0.01
"""Share of background events dated after the screening date (they must not count)."""

# Background codes, none of them read by the registry mapping (a test checks this).
BACKGROUND_ICD10 = (
    "I10 E11.9 J45.9 M54.5 K21.0 F32.9 N39.0 I48.9 E78.0 M17.1 H25.9 L40.0 J06.9 R07.4 Z00.0 "
    "I25.1 G43.9 K57.3 N40 M19.9"
).split()
BACKGROUND_ATC = (
    "N02BE01 C09AA05 C10AA01 A02BC01 B01AC06 C07AB02 N06AB04 R03AC02 A10BA02 C08CA01 "
    "H03AA01 J01CE02 M01AE01 N05CF01 C03CA01 A12AX"
).split()
BACKGROUND_DDD = (10.0, 100.0)
# Questionnaire answers, for the share of citizens that --questionnaire asks for.
SMOKERS, FORMER_SMOKERS, PARENT_HIP = 0.15, 0.35, 0.1


@dataclass(frozen=True, slots=True)
class SynthCounts:
    citizens: int
    diagnoses: int
    prescriptions: int


def _u(seed: int, stream: int, index: str = "idx") -> pl.Expr:
    """Uniform numbers in [0, 1), one independent stream per purpose, from the `index` column."""
    salt = (seed * 1_000_003 + stream * 7_919) % 2**63
    return pl.col(index).hash(salt).cast(pl.Float64) / 2.0**64


def _by_band(values: tuple[float, ...]) -> pl.Expr:
    return pl.col("band").replace_strict(dict(enumerate(values)), return_dtype=pl.Float64)


def _rate(rate: Rate) -> pl.Expr:
    """The citizen's probability under `rate` (reads the `band` and `sex` columns)."""
    return (
        pl.when(pl.col("sex") == "female").then(_by_band(rate.women)).otherwise(_by_band(rate.men))
    )


def _written(prefix: str, form: pl.Expr) -> pl.Expr:
    """A normalised ICD-10 code as registries write it: SKS `DS720`, `S72.0` or `S720`."""
    dotted = f"{prefix[:3]}.{prefix[3:]}" if len(prefix) > 3 else prefix
    return (
        pl.when(form < 0.7)
        .then(pl.lit("D" + prefix))
        .when(form < 0.9)
        .then(pl.lit(dotted))
        .otherwise(pl.lit(prefix))
    )


def _atc(codes: CodeSet, u: pl.Expr) -> pl.Expr:
    """A full ATC code under one of the prefixes (a level-4 group gets substance 01)."""
    full = [p + "01" if len(p) == 5 else p for p in codes.prefixes]
    pick = (u * len(full)).floor().cast(pl.Int64)
    return pick.replace_strict(dict(enumerate(full)), return_dtype=pl.String)


def _before(on: date, span_days: pl.Expr, u: pl.Expr) -> pl.Expr:
    """A date between one and `span_days` days before `on`."""
    days = (u * span_days).floor().cast(pl.Int64) + 1
    return pl.lit(on) - pl.duration(days=days)


def citizens_frame(n: int, seed: int, on: date, questionnaire: float) -> pl.DataFrame:
    """Citizens with the helper columns idx, band and age_days (dropped before writing)."""
    band = pl.lit(len(AGE_BANDS) - 1)
    share = 0.0
    bounds = []
    for i in range(len(AGE_BANDS) - 1):
        share += AGE_SHARES[i]
        bounds.append((i, share))
    for i, upto in reversed(bounds):
        band = pl.when(_u(seed, 1) < upto).then(pl.lit(i)).otherwise(band)
    low, high = _by_band(AGE_BANDS), _by_band((*AGE_BANDS[1:], AGE_END))
    frame = (
        pl.select(idx=pl.int_range(n, dtype=pl.UInt64))
        .with_columns(
            band=band,
            sex=pl.when(_u(seed, 2) < 0.5).then(pl.lit("female")).otherwise(pl.lit("male")),
            citizen_id=pl.format("P{}", pl.col("idx").cast(pl.String).str.zfill(9)),
        )
        .with_columns(age_days=(low + _u(seed, 3) * (high - low)) * DAYS_PER_YEAR)
        .with_columns(birth_date=pl.lit(on) - pl.duration(days=pl.col("age_days").cast(pl.Int64)))
    )
    if questionnaire <= 0:
        return frame
    female = pl.col("sex") == "female"

    def answer(value: pl.Expr) -> pl.Expr:
        return pl.when(_u(seed, 4) < questionnaire).then(value).otherwise(None)

    return frame.with_columns(
        height_cm=answer(
            (pl.when(female).then(150.0).otherwise(160.0) + _u(seed, 5) * 30).round(0)
        ),
        weight_kg=answer((40.0 + _u(seed, 6) * 70).round(0)),
        menopause_age=answer(pl.when(female).then((38.0 + _u(seed, 7) * 20).round(0))),
        smoking=answer(
            pl.when(_u(seed, 8) < SMOKERS)
            .then(pl.lit("current"))
            .when(_u(seed, 8) < SMOKERS + FORMER_SMOKERS)
            .then(pl.lit("former"))
            .otherwise(pl.lit("never"))
        ),
        alcohol_units_per_week=answer((_u(seed, 9) ** 3 * 40).round(0)),
        parent_hip_fracture=answer(_u(seed, 10) < PARENT_HIP),
        falls_last_12_months=answer((_u(seed, 11) ** 4 * 4).floor().cast(pl.Int64)),
        height_loss_cm=answer((_u(seed, 12) ** 3 * 10).round(1)),
    )


def _events(
    people: pl.DataFrame,
    seed: int,
    stream: int,
    rate: Rate,
    code: pl.Expr,
    *,
    on: date,
    adult: float,
) -> pl.LazyFrame:
    """One event for each citizen that `rate` picks, at an adult age within the history."""
    span = pl.min_horizontal(
        pl.col("age_days") - adult * DAYS_PER_YEAR, pl.lit(HISTORY_YEARS * DAYS_PER_YEAR)
    ).clip(lower_bound=1)
    return (
        people.lazy()
        .filter(_u(seed, stream) < _rate(rate))
        .select("citizen_id", code=code, date=_before(on, span, _u(seed, stream + 1)))
    )


def diagnoses_frame(
    people: pl.DataFrame, mapping: RegistryMapping, seed: int, on: date, total: int
) -> pl.DataFrame:
    form = _u(seed, 99)
    sites = dict(mapping.fracture_sites)
    conditions = dict(mapping.conditions)
    wanted = [(sites[s].prefixes[0], r) for s, r in FRACTURE_RATES.items()]
    wanted += [(conditions[c].prefixes[0], r) for c, r in CONDITION_RATES.items()]
    wanted.append((mapping.known_icd10.prefixes[-1], OSTEOPOROSIS_DIAGNOSIS))
    parts = [
        _events(
            people, seed, 100 + 2 * i, rate, _written(prefix, form), on=on, adult=mapping.adult_age
        )
        for i, (prefix, rate) in enumerate(wanted)
    ]
    relevant = pl.concat(parts).collect()
    noise = _background(people, seed, 300, total - relevant.height, BACKGROUND_ICD10, on=on)
    return pl.concat([relevant, noise.drop("ddd")])


def prescriptions_frame(
    people: pl.DataFrame, mapping: RegistryMapping, seed: int, on: date, total: int
) -> pl.DataFrame:
    rules = mapping.drug_rules()
    parts = []
    for i, (name, drug) in enumerate(DRUGS.items()):
        stream = 400 + 10 * i
        low, step, steps = drug.ddd
        users = (
            people.lazy().filter(_u(seed, stream) < _rate(drug.rate)).select("citizen_id", "idx")
        )
        rows = (
            users.join(pl.LazyFrame({"k": range(drug.dispensings)}), how="cross")
            .with_columns(key=pl.col("idx") * drug.dispensings + pl.col("k").cast(pl.UInt64))
            .filter(_u(seed, stream + 1, "key") < drug.keep)
            .select(
                "citizen_id",
                code=_atc(rules[name].atc, _u(seed, stream + 2, "key")),
                date=_before(on, pl.lit(drug.years * DAYS_PER_YEAR), _u(seed, stream + 3, "key")),
                ddd=low + step * (_u(seed, stream + 4, "key") * steps).floor(),
            )
        )
        parts.append(rows)
    relevant = pl.concat(parts).collect()
    noise = _background(people, seed, 500, total - relevant.height, BACKGROUND_ATC, on=on)
    return pl.concat([relevant, noise]).rename({"code": "atc"})


def _background(
    people: pl.DataFrame, seed: int, stream: int, rows: int, codes: list[str], *, on: date
) -> pl.DataFrame:
    """Events with codes the mapping does not read, for random citizens, some after the date."""
    low, high = BACKGROUND_DDD
    picks = pl.select(idx=pl.int_range(max(rows, 0), dtype=pl.UInt64)).select(
        person=(_u(seed, stream) * people.height).floor().cast(pl.Int64),
        code=(_u(seed, stream + 1) * len(codes))
        .floor()
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(codes)), return_dtype=pl.String),
        date=pl.when(_u(seed, stream + 2) < EVENTS_AFTER)
        .then(pl.lit(on) + pl.duration(days=(_u(seed, stream + 3) * 365).cast(pl.Int64)))
        .otherwise(_before(on, pl.lit(HISTORY_YEARS * DAYS_PER_YEAR), _u(seed, stream + 3))),
        ddd=(low + _u(seed, stream + 4) * (high - low)).round(1),
    )
    ids = people["citizen_id"].gather(picks["person"])
    return picks.select(citizen_id=ids, code="code", date="date", ddd="ddd")


def write(
    out: Path,
    *,
    citizens: int,
    seed: int,
    on: date,
    mapping: RegistryMapping,
    fmt: Format = "csv",
    questionnaire: float = 0.0,
    diagnoses_per_citizen: float = 5.0,
    prescriptions_per_citizen: float = 10.0,
) -> SynthCounts:
    """Write citizens, diagnoses and prescriptions files (`fmt`) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    people = citizens_frame(citizens, seed, on, questionnaire)
    diagnoses = diagnoses_frame(people, mapping, seed, on, round(citizens * diagnoses_per_citizen))
    prescriptions = prescriptions_frame(
        people, mapping, seed, on, round(citizens * prescriptions_per_citizen)
    )
    frames = {
        CITIZENS: people.drop("idx", "band", "age_days").select(
            "citizen_id", "birth_date", "sex", pl.exclude("citizen_id", "birth_date", "sex")
        ),
        DIAGNOSES: diagnoses,
        PRESCRIPTIONS: prescriptions,
    }
    for name, frame in frames.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
    return SynthCounts(people.height, diagnoses.height, prescriptions.height)

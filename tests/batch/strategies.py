"""Hypothesis strategies for registry data: citizens with diagnoses and prescriptions whose codes,
dates and amounts cluster at the edges the mapping cares about (ranges, windows, age 50, 45 DDD),
written in every accepted form, with questionnaire answers present, absent or missing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import strategies as st

from osteofys import kb
from osteofys.batch.cases import Citizen, Diagnosis, Prescription
from osteofys.batch.columns import QUESTIONNAIRE
from osteofys.batch.derive import window_start
from osteofys.batch.mapping import load_mapping
from osteofys.rules.dates import add_months

MAPPING = load_mapping(kb.load())
SCREENING_DATES = [
    date(2026, 11, 26),
    date(2024, 2, 29),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2027, 1, 31),
    date(2024, 12, 31),
]
ICD10_PREFIXES = sorted(
    {p for _, s in (*MAPPING.fracture_sites, *MAPPING.conditions) for p in s.prefixes}
    | set(MAPPING.known_icd10.prefixes)
)
ATC_PREFIXES = sorted({p for rule in MAPPING.drug_rules().values() for p in rule.atc.prefixes})
NOISE_ICD10 = ["I10", "E11.9", "J45.9", "S82.0", "M54.5", "DZ00.0", "S01"]
NOISE_ATC = ["N02BE01", "C09AA05", "H02BX01", "L01XX", "M01AE01"]


def _next(ch: str, step: int) -> str:
    return chr(ord(ch) + step)


@st.composite
def icd10_code(draw: st.DrawFn) -> str:
    """A mapped code, a neighbour just outside, or noise, in a written form registries use."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(NOISE_ICD10))
    prefix = draw(st.sampled_from(ICD10_PREFIXES))
    change = draw(st.sampled_from(["same", "longer", "before", "after", "shorter"]))
    if change == "longer":
        prefix += draw(st.sampled_from("0189"))
    elif change in ("before", "after") and prefix[-1] not in "0A" + "9Z":
        prefix = prefix[:-1] + _next(prefix[-1], -1 if change == "before" else 1)
    elif change == "shorter" and len(prefix) > 3:
        prefix = prefix[:-1]
    dotted = f"{prefix[:3]}.{prefix[3:]}" if len(prefix) > 3 else prefix
    form = draw(st.sampled_from(["sks", "dotted", "plain", "lower", "spaced", "sks-dotted", "odd"]))
    return {
        "sks": "D" + prefix,
        "dotted": dotted,
        "plain": prefix,
        "lower": ("d" + dotted).lower(),
        "spaced": f" {prefix} ",
        "sks-dotted": "D" + dotted,
        "odd": prefix[:2] + "." + prefix[2:],
    }[form]


@st.composite
def atc_code(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(NOISE_ATC))
    prefix = draw(st.sampled_from(ATC_PREFIXES))
    full = prefix + draw(st.sampled_from(["", "01", "06"])) if len(prefix) == 5 else prefix
    return draw(st.sampled_from([full, full.lower(), f" {full}", full[:-1]]))


def event_date(draw: st.DrawFn, on: date, born: date) -> date:
    """A day at an edge: the 12-month and 5-year windows, the screening date, the 50th
    birthday; or any day in the citizen's life (and a little after the screening date)."""
    edges = [
        window_start(on, 12),
        window_start(on, 60),
        on,
        add_months(born, 12 * 50),
        add_months(on, -12),
        add_months(on, -60),
    ]
    if draw(st.booleans()):
        return draw(st.sampled_from(edges)) + timedelta(days=draw(st.integers(-1, 1)))
    span = (on - born).days + 40
    return born + timedelta(days=draw(st.integers(0, max(span, 1))))


@st.composite
def citizen(draw: st.DrawFn, cid: str, on: date) -> Citizen:
    age = draw(
        st.one_of(st.sampled_from([17, 18, 44, 45, 49, 50, 79, 80, 81]), st.integers(18, 99))
    )
    born = add_months(on, -12 * age) + timedelta(days=draw(st.integers(-2, 2)))
    if born >= on:
        born = on - timedelta(days=1)

    def maybe(values: list[object]) -> object:
        return draw(st.one_of(st.none(), st.sampled_from(values)))

    return Citizen(
        citizen_id=cid,
        birth_date=born,
        sex=draw(st.sampled_from(["female", "male"])),
        height_cm=maybe([150.0, 160.0, 165.5, 170.0, 185.0]),  # type: ignore[arg-type]
        weight_kg=maybe([42.0, 48.6, 50.0, 52.1, 55.0, 70.0]),  # type: ignore[arg-type]
        menopause_age=maybe([40.0, 44.0, 45.0, 46.0, 52.0]),  # type: ignore[arg-type]
        smoking=maybe(["never", "former", "current"]),  # type: ignore[arg-type]
        alcohol_units_per_week=maybe([0.0, 14.0, 14.5, 15.0, 21.0, 22.0]),  # type: ignore[arg-type]
        parent_hip_fracture=maybe([True, False]),  # type: ignore[arg-type]
        falls_last_12_months=maybe([0, 1, 2]),  # type: ignore[arg-type]
        height_loss_cm=maybe([0.0, 3.9, 4.0, 7.0, 7.1]),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Scenario:
    on: date
    citizens: list[Citizen]
    diagnoses: list[Diagnosis]
    prescriptions: list[Prescription]
    fmt: str
    columns: tuple[str, ...]
    """The questionnaire columns the citizens file has (the others are absent: not recorded)."""


@st.composite
def scenario(draw: st.DrawFn, max_citizens: int = 8) -> Scenario:
    on = draw(
        st.one_of(st.sampled_from(SCREENING_DATES), st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    )
    n = draw(st.integers(1, max_citizens))
    columns = tuple(c for c in QUESTIONNAIRE if draw(st.booleans()))
    people = []
    for i in range(n):
        person = draw(citizen(f"C{i}", on))
        # Answers in columns the file lacks are not recorded.
        absent = {c: None for c in QUESTIONNAIRE if c not in columns}
        people.append(replace(person, **absent))
    diagnoses, prescriptions = [], []
    for person in people:
        for _ in range(draw(st.integers(0, 4))):
            when = event_date(draw, on, person.birth_date)
            diagnoses.append(Diagnosis(person.citizen_id, draw(icd10_code()), when))
        for _ in range(draw(st.integers(0, 5))):
            when = event_date(draw, on, person.birth_date)
            ddd = draw(st.sampled_from([0.0, 0.5, 10.0, 22.5, 44.5, 45.0, 50.0]))
            prescriptions.append(Prescription(person.citizen_id, draw(atc_code()), when, ddd))
    return Scenario(
        on, people, diagnoses, prescriptions, draw(st.sampled_from(["csv", "parquet"])), columns
    )

"""From parsed registry rows to the findings record of every citizen, as polars columns.

Column for column this is `rules.findings.derive` applied to the case that
`osteofys.batch.cases.registry_case` builds; the property tests hold the two to that.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import assert_never

import polars as pl

from osteofys.batch.mapping import CodeSet, RegistryMapping
from osteofys.rules.case import Case, FieldKind, FractureSite, Patient
from osteofys.rules.dates import add_months
from osteofys.rules.findings import DIAGNOSTIC_SITES, DIRECT, FINDINGS, derive, direct_spec


def column_type(kind: FieldKind) -> pl.DataType | None:
    """The polars type of a case field's column; None for a kind that is never one column.

    A date, or a number that may be "unable", is not one column: the core reads those through
    derived findings.
    """
    match kind:
        case FieldKind.NUMBER:
            return pl.Float64()
        case FieldKind.INTEGER:
            return pl.Int64()
        case FieldKind.BOOLEAN:
            return pl.Boolean()
        case FieldKind.CHOICE:
            return pl.String()
        case FieldKind.CONDITIONS:
            return pl.List(pl.String())
        case FieldKind.DATE | FieldKind.NUMBER_OR_UNABLE | FieldKind.TEXT:
            return None
        case _:
            assert_never(kind)


_DERIVED_TYPES: dict[str, pl.DataType] = {
    "age_years": pl.Int64(),
    "bmi": pl.Float64(),
    "has_dxa": pl.Boolean(),
    "min_t": pl.Float64(),
    "sts5_s": pl.Float64(),
    "sts5_unable": pl.Boolean(),
    "hirit_enabled_by_clinician": pl.Boolean(),
    "has_any_fracture": pl.Boolean(),
    "has_vertebral_fracture": pl.Boolean(),
    "has_diagnostic_fracture": pl.Boolean(),
    "has_diagnostic_hip_fracture": pl.Boolean(),
    "low_energy_fracture_count": pl.Int64(),
    "low_energy_vertebral_fracture_count": pl.Int64(),
    "single_peripheral_fracture_only": pl.Boolean(),
    "adult_low_energy_fracture": pl.Boolean(),
    "has_acute_site_fracture": pl.Boolean(),
    "months_since_last_acute_site_fracture": pl.Int64(),
    "months_since_last_vertebral_fracture": pl.Int64(),
    # The clinician's acute-phase decision: never in a registry (the bare case's values).
    "acute_phase_end_requested": pl.Boolean(),
    "acute_phase_start_requested": pl.Boolean(),
    "acute_phase_weeks": pl.Int64(),
    "acute_phase_start_site_months": pl.Int64(),
    "months_since_last_low_energy_fracture": pl.Int64(),
}


def finding_types() -> dict[str, pl.DataType]:
    """The polars type of every finding of the core (a new finding must be given one here)."""
    out = {}
    for name in sorted(FINDINGS):
        if name in _DERIVED_TYPES:
            found: pl.DataType | None = _DERIVED_TYPES[name]
        else:
            found = column_type(direct_spec(name).kind) if name in DIRECT else None
        if found is None:
            raise KeyError(f"finding {name!r} has no polars type in osteofys.batch.derive")
        out[name] = found
    return out


# Findings the registry files can give; every other finding is what the core derives for a case
# with only the patient's birth date and sex recorded.
QUESTIONNAIRE_FINDINGS = (
    "menopause_age",
    "smoking",
    "alcohol_units_per_week",
    "parent_hip_fracture",
    "falls_last_12_months",
    "height_loss_cm",
)
"""Findings a citizen file gives as answered, taken over as they are (`_<name>` columns)."""
REGISTRY_FINDINGS = frozenset(
    {
        "age_years",
        "sex",
        "bmi",
        "osteoporosis_diagnosed",
        *QUESTIONNAIRE_FINDINGS,
        "glucocorticoid_mg_per_day",
        "glucocorticoid_months",
        "aromatase_inhibitor",
        "antiandrogen_therapy",
        "conditions",
        *(n for n in _DERIVED_TYPES if "fracture" in n),
        "acute_phase_weeks",
    }
)


def absent_values() -> dict[str, object]:
    """What the core derives for each finding the registry cannot give (mostly None)."""
    bare = Case(assessment_date=date(2000, 1, 1), patient=Patient(date(1950, 1, 1), "female"))
    values = derive(bare, 0).values
    return {name: values[name] for name in FINDINGS - REGISTRY_FINDINGS}


# --- calendar arithmetic as expressions -------------------------------------------------------


def window_start(on: date, months: int) -> date:
    """The first day d with `on < add_months(d, months)`.

    Events from it up to the day before `on` lie within the window (`cases.within`). add_months only
    grows with d, so the days that qualify are exactly those from this one on.
    """
    day = add_months(on, -months) - timedelta(days=3)
    while add_months(day, months) <= on:
        day += timedelta(days=1)
    return day


def age_on(birth: pl.Expr, when: pl.Expr) -> pl.Expr:
    """Completed years, as `rules.dates.age_on`."""

    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    before_birthday = (month_day(when) < month_day(birth)).cast(pl.Int32)
    return (when.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday).cast(
        pl.Int64
    )


def completed_weeks(start: pl.Expr, end: date) -> pl.Expr:
    """Whole weeks from `start` to `end`, as `rules.dates.completed_weeks`."""
    return ((pl.lit(end) - start).dt.total_days() // 7).cast(pl.Int64)


def completed_months(start: pl.Expr, end: date) -> pl.Expr:
    """Whole calendar months from `start` to `end`, as `rules.dates.completed_months`."""
    months = (end.year - start.dt.year().cast(pl.Int64)) * 12 + (
        end.month - start.dt.month().cast(pl.Int64)
    )
    days_in_month = calendar.monthrange(end.year, end.month)[1]
    # add_months(start, n) lands in end's month on min(start.day, days in that month).
    overshoots = pl.min_horizontal(start.dt.day().cast(pl.Int64), pl.lit(days_in_month)) > end.day
    return months - ((months > 0) & overshoots).cast(pl.Int64)


def matches(codes: CodeSet, code: pl.Expr) -> pl.Expr:
    """The normalised code starts with one of the prefixes."""
    parts = [
        code.str.slice(0, n).is_in(pl.Series(ps, dtype=pl.String).implode())
        for n, ps in codes.by_length().items()
    ]
    if not parts:
        return pl.lit(False)
    out = parts[0]
    for part in parts[1:]:
        out = out | part
    return out


def candidates(codes: CodeSet, raw: pl.Expr, *, icd10: bool) -> pl.Expr:
    """A cheap test on codes as written: true for each code `codes` matches once normalised.

    It is true for a few others too; only the rows it passes need the costlier normalisation.

    A code of capitals, digits and dots normalises to itself, or to itself without an SKS `D`,
    minus the dots: unless a dot falls among its first `width` characters (after the `D`), those
    show whether it can match. Anything else (lower case, a space) passes unchecked. One regular
    expression does it all: a single pass over the text, half the cost of slicing it.
    """
    width = min(len(p) for p in codes.prefixes)
    heads = "|".join(re.escape(h) for h in sorted({p[:width] for p in codes.prefixes}))
    unsure = "[^0-9A-Z.]"
    if icd10:
        # The SKS D (or any first character) may come before the head.
        test = f"^.?(?:{heads})"
        unsure += f"|^[0-9A-Z]{{0,{width - 1}}}\\.|^D[A-Z][0-9A-Z]{{0,{max(width - 2, 0)}}}\\."
    else:
        test = f"^(?:{heads})"
    return raw.str.contains(f"{test}|{unsure}")


def normalised_icd10(code: pl.Expr) -> pl.Expr:
    """`mapping.normalise_icd10` as an expression: no dots, upper case, no SKS `D` prefix."""
    bare = code.str.strip_chars().str.to_uppercase().str.replace_all(".", "", literal=True)
    return bare.str.replace(r"^D([A-Z])", "$1")


def normalised_atc(code: pl.Expr) -> pl.Expr:
    return code.str.strip_chars().str.to_uppercase()


# --- per-citizen facts from the relevant rows -------------------------------------------------


def diagnosis_facts(rows: pl.LazyFrame, mapping: RegistryMapping, on: date) -> pl.LazyFrame:
    """One row per citizen with diagnoses that matter: fractures, conditions, already known.

    `rows` are valid diagnoses with `_key` (the citizen), `_code` (normalised), `_date` and
    `_birth_date`.
    """
    code = pl.col("_code")
    site: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, codes in reversed(mapping.fracture_sites):
        site = pl.when(matches(codes, code)).then(pl.lit(name)).otherwise(site)
    names = sorted(cid for cid, _ in mapping.conditions)
    sets = dict(mapping.conditions)
    # Row-wise tests first: expressions inside a group-by run once per group, not vectorised.
    before = rows.filter(pl.col("_date") < on).with_columns(
        _site=site,
        _known=matches(mapping.known_icd10, code),
        **{f"_condition:{c}": matches(sets[c], code) for c in names},
    )
    fractures = (
        before.filter(
            pl.col("_site").is_not_null()
            & (age_on(pl.col("_birth_date"), pl.col("_date")) >= mapping.fracture_min_age)
        )
        .select("_key", "_site", "_date", "_birth_date")
        .unique()
        .with_columns(
            _diagnostic=pl.col("_site").is_in(sorted(DIAGNOSTIC_SITES)),
            _vertebra=pl.col("_site") == FractureSite.VERTEBRA.value,
            _adult=age_on(pl.col("_birth_date"), pl.col("_date")) >= mapping.adult_age,
        )
        .group_by("_key")
        .agg(_fracture_facts())
    )
    # Joined and split again: much faster in polars than building the list from parts.
    joined = pl.concat_str(
        [pl.when(pl.col(f"_condition:{c}")).then(pl.lit(c)) for c in names],
        separator=";",
        ignore_nulls=True,
    )
    listed = (
        pl.when(joined == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(joined.str.split(";"))
    )
    other = (
        before.group_by("_key")
        .agg(pl.col("_known").any(), *[pl.col(f"_condition:{c}").any() for c in names])
        .select("_key", _known_diagnosis="_known", _conditions=listed)
    )
    return other.join(fractures, on="_key", how="full", coalesce=True)


def _fracture_facts() -> list[pl.Expr]:
    when = pl.col("_date")
    diagnostic, vertebra = pl.col("_diagnostic"), pl.col("_vertebra")
    return [
        pl.len().cast(pl.Int64).alias("low_energy_fracture_count"),
        vertebra.sum().cast(pl.Int64).alias("low_energy_vertebral_fracture_count"),
        vertebra.any().alias("has_vertebral_fracture"),
        diagnostic.any().alias("has_diagnostic_fracture"),
        (pl.col("_site") == "hip").any().alias("has_diagnostic_hip_fracture"),
        ((pl.len() == 1) & ~diagnostic.first()).alias("single_peripheral_fracture_only"),
        pl.col("_adult").any().alias("adult_low_energy_fracture"),
        when.filter(diagnostic).max().alias("_last_acute_site_fracture"),
        when.filter(vertebra).max().alias("_last_vertebral_fracture"),
        # Every registry fracture counts as low energy (`cases.registry_case`).
        when.max().alias("_last_low_energy_fracture"),
    ]


def prescription_facts(rows: pl.LazyFrame, mapping: RegistryMapping, on: date) -> pl.LazyFrame:
    """One row per citizen with dispensings that matter, each within its window.

    Those are glucocorticoid DDD, hormone therapy and osteoporosis treatment. `rows` are valid
    prescriptions with `_key` (the citizen), `_code` (normalised ATC), `_date` and `_ddd`.
    """
    code, when = pl.col("_code"), pl.col("_date")
    rules = mapping.drug_rules()
    within = {
        name: matches(rule.atc, code) & (when >= window_start(on, rule.window_months)) & (when < on)
        for name, rule in rules.items()
    }
    return (
        rows.with_columns(**{f"_in:{name}": test for name, test in within.items()})
        .group_by("_key")
        .agg(
            _gc_ddd=pl.col("_ddd").filter(pl.col("_in:glucocorticoids")).sum(),
            aromatase_inhibitor=pl.col("_in:aromatase_inhibitor").any(),
            antiandrogen_therapy=pl.col("_in:antiandrogen_therapy").any(),
            _known_treatment=pl.col("_in:already_known").any(),
        )
    )


def findings(
    people: pl.LazyFrame,
    diagnoses: pl.LazyFrame,
    prescriptions: pl.LazyFrame,
    mapping: RegistryMapping,
    on: date,
    *,
    names: frozenset[str] = FINDINGS,
) -> pl.LazyFrame:
    """Every citizen's findings record: `_key`, `_id`, `_birth_date` and the columns in `names`.

    `people` are the valid citizens as `inputs.citizens` parses them (their row number is the
    key); `diagnoses` and `prescriptions` the per-citizen facts above.
    """
    types = finding_types()
    mg_per_day, months = mapping.gc_course
    min_ddd = mapping.glucocorticoids.min_ddd or 0.0
    qualifies = pl.col("_gc_ddd").fill_null(0.0) >= min_ddd
    height, weight = pl.col("_height_cm"), pl.col("_weight_kg")
    registry: dict[str, pl.Expr] = {
        "age_years": age_on(pl.col("_birth_date"), pl.lit(on)),
        "sex": pl.col("_sex"),
        "bmi": weight / (height / 100).pow(2),
        "osteoporosis_diagnosed": pl.col("_known_diagnosis").fill_null(False)
        | pl.col("_known_treatment").fill_null(False),
        **{name: pl.col(f"_{name}") for name in QUESTIONNAIRE_FINDINGS},
        "glucocorticoid_mg_per_day": pl.when(qualifies).then(mg_per_day).otherwise(0.0),
        "glucocorticoid_months": pl.when(qualifies).then(months).otherwise(0.0),
        "aromatase_inhibitor": pl.col("aromatase_inhibitor").fill_null(False),
        "antiandrogen_therapy": pl.col("antiandrogen_therapy").fill_null(False),
        "conditions": pl.col("_conditions").fill_null(pl.lit([], dtype=types["conditions"])),
        "has_any_fracture": pl.col("low_energy_fracture_count").fill_null(0) > 0,
        **{
            name: pl.col(name).fill_null(False)
            for name in (
                "has_vertebral_fracture",
                "has_diagnostic_fracture",
                "has_diagnostic_hip_fracture",
                "single_peripheral_fracture_only",
                "adult_low_energy_fracture",
            )
        },
        "has_acute_site_fracture": pl.col("has_diagnostic_fracture").fill_null(False),
        "low_energy_fracture_count": pl.col("low_energy_fracture_count").fill_null(0),
        "low_energy_vertebral_fracture_count": pl.col(
            "low_energy_vertebral_fracture_count"
        ).fill_null(0),
        "months_since_last_acute_site_fracture": completed_months(
            pl.col("_last_acute_site_fracture"), on
        ),
        # A registry has no clinician's decision, but the weeks since the fracture are facts.
        "acute_phase_weeks": completed_weeks(pl.col("_last_acute_site_fracture"), on),
        "months_since_last_vertebral_fracture": completed_months(
            pl.col("_last_vertebral_fracture"), on
        ),
        "months_since_last_low_energy_fracture": completed_months(
            pl.col("_last_low_energy_fracture"), on
        ),
    }
    absent = absent_values()
    columns = [
        (registry[n] if n in registry else pl.lit(absent[n])).cast(types[n]).alias(n)
        for n in sorted(names)
    ]
    return (
        people.with_columns(_key=pl.col("row"))
        .join(diagnoses, on="_key", how="left")
        .join(prescriptions, on="_key", how="left")
        .select("_key", "_id", "_birth_date", *columns)
    )

"""Synthetic registry data: reproducible, in the documented formats, and rich enough to
exercise every registry-derived risk factor, both windows and the already-known exclusion."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from osteofys import kb
from osteofys.batch import synth
from osteofys.batch.mapping import load_mapping, normalise_atc, normalise_icd10
from osteofys.batch.screen import Paths, screen

BASE = kb.load()
MAPPING = load_mapping(BASE)
ON = date(2026, 11, 26)


def make(folder: Path, seed: int, fmt: synth.Format = "csv", n: int = 2000) -> Paths:
    synth.write(folder, citizens=n, seed=seed, on=ON, mapping=MAPPING, fmt=fmt)
    return Paths(*(folder / f"{s}.{fmt}" for s in ("citizens", "diagnoses", "prescriptions")))


def test_the_same_seed_gives_the_same_files(tmp_path: Path) -> None:
    first, again, other = (make(tmp_path / d, s) for d, s in (("a", 1), ("b", 1), ("c", 2)))
    for name in ("citizens", "diagnoses", "prescriptions"):
        assert first.of(name).read_bytes() == again.of(name).read_bytes()
        assert first.of(name).read_bytes() != other.of(name).read_bytes()


def test_counts_follow_the_options(tmp_path: Path) -> None:
    counts = synth.write(
        tmp_path, citizens=500, seed=3, on=ON, mapping=MAPPING, fmt="parquet",
        diagnoses_per_citizen=2, prescriptions_per_citizen=4,
    )  # fmt: skip
    assert (counts.citizens, counts.diagnoses, counts.prescriptions) == (500, 1000, 2000)
    assert pl.read_parquet(tmp_path / "prescriptions.parquet").height == 2000


def test_background_codes_are_not_in_the_mapping() -> None:
    for code in synth.BACKGROUND_ICD10:
        icd = normalise_icd10(code)
        assert MAPPING.fracture_site(icd) is None, code
        assert MAPPING.condition_ids(icd) == [], code
        assert not MAPPING.known_icd10.matches(icd), code
    for code in synth.BACKGROUND_ATC:
        assert not any(r.atc.matches(normalise_atc(code)) for r in MAPPING.drug_rules().values())


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_synthetic_data_exercise_the_registry_factors(tmp_path: Path, fmt: synth.Format) -> None:
    result = screen(make(tmp_path, 11, fmt, n=6000), BASE, ON)
    assert result.problems == []
    table = result.output().with_columns(factors=pl.col("risk_factors").str.split(";"))
    for rf in ("RF1a", "RF1", "RF2", "RF13", "RF14", "RF15", "RF17"):
        assert table["factors"].list.contains(rf).sum() > 0, rf
    assert table["already_known"].sum() > 0
    assert table["refer"].sum() > 0
    # Some glucocorticoid users fall short of 45 DDD within the 12 months.
    rx = pl.read_parquet(tmp_path / "prescriptions.parquet") if fmt == "parquet" else None
    if rx is not None:
        users = rx.filter(pl.col("atc").str.starts_with("H02AB"))["citizen_id"].unique()
        with_rf2 = table.filter(pl.col("factors").list.contains("RF2"))["citizen_id"]
        assert 0 < with_rf2.len() < users.len()

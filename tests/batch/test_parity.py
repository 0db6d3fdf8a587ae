"""The batch path and the per-patient core agree on every citizen (ARCHITECTURE.md, issue 5).

Random citizens with events, questionnaire answers missing or absent, go through the polars path
(`osteofys.batch.screen`, from CSV or Parquet files) and through `rules.assess` on the cases that
`osteofys.batch.cases.registry_case` builds from the same rows. Referral flags and risk-factor
sets must be identical, and so must every finding the core derives.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys import kb
from osteofys.batch.derive import candidates, normalised_atc, normalised_icd10
from osteofys.batch.mapping import CodeSet, normalise_atc, normalise_icd10
from osteofys.batch.screen import read
from osteofys.rules.findings import FINDINGS, derive
from tests.batch import registry, strategies
from tests.batch.strategies import Scenario, atc_code, icd10_code, scenario

BASE = kb.load()
# Each example screens several citizens through polars; a quarter of the profile's examples
# (75 by default, more under HYPOTHESIS_PROFILE=thorough) keeps the suite fast.
EXAMPLES = max(50, settings.default.max_examples // 4)


def _files(s: Scenario, folder: Path) -> registry.Paths:
    return registry.write(
        folder, s.citizens, s.diagnoses, s.prescriptions, fmt=s.fmt, columns=s.columns
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_batch_and_core_give_the_same_referrals(s: Scenario) -> None:
    with tempfile.TemporaryDirectory() as folder:
        batch = registry.by_batch(_files(s, Path(folder)), BASE, s.on)
    core = registry.by_core(s.citizens, s.diagnoses, s.prescriptions, BASE, s.on)
    assert batch == core


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(max_citizens=4))
def test_batch_findings_equal_the_core_findings(s: Scenario) -> None:
    with tempfile.TemporaryDirectory() as folder:
        found = read(_files(s, Path(folder)), BASE, s.on).findings(FINDINGS).collect()
    cases = registry.cases(s.citizens, s.diagnoses, s.prescriptions, BASE, s.on)
    adult = BASE.knowledge.value("adult_age_years")
    for row in found.iter_rows(named=True):
        expected = derive(cases[row["_id"]], adult).values
        for name in sorted(FINDINGS):
            got, want = row[name], expected[name]
            if name == "conditions":
                got, want = sorted(got), sorted(want)
            assert got == want, (row["_id"], name, got, want)


CODE_TEXT = st.text(alphabet="DSMK0123456789.abz ", max_size=8)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(icd10_code(), atc_code(), CODE_TEXT), min_size=1, max_size=40))
def test_code_normalisation_and_the_cheap_prefilter(codes: list[str]) -> None:
    """Polars normalises codes as the per-record path does, and the cheap test the streaming
    pass filters with never drops a code that the mapping matches."""
    mapping = strategies.MAPPING
    icd_set = mapping.diagnosis_codes()
    atc_set = CodeSet(tuple(p for r in mapping.drug_rules().values() for p in r.atc.prefixes))
    frame = pl.DataFrame({"raw": codes}).select(
        icd=normalised_icd10(pl.col("raw")),
        atc=normalised_atc(pl.col("raw")),
        icd_maybe=candidates(icd_set, pl.col("raw"), icd10=True),
        atc_maybe=candidates(atc_set, pl.col("raw"), icd10=False),
    )
    for raw, row in zip(codes, frame.iter_rows(named=True), strict=True):
        assert row["icd"] == normalise_icd10(raw)
        assert row["atc"] == normalise_atc(raw)
        if icd_set.matches(normalise_icd10(raw)):
            assert row["icd_maybe"], raw
        if atc_set.matches(normalise_atc(raw)):
            assert row["atc_maybe"], raw

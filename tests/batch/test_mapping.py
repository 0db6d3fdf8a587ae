"""Every row of the registry mapping, with a code just inside and just outside it.

The rows are read from the knowledge base (registry.toml, conditions.toml), so a new row is tested
too. One citizen per probe: a 70-year-old woman with that one diagnosis a year before the screening
date, or that one dispensing (50 DDD) a month before. Both engines run on all probes at once; the
expected finding is checked on each, and the batch findings must equal the core's.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from osteofys import kb
from osteofys.batch.cases import Citizen, Diagnosis, Prescription
from osteofys.batch.mapping import CodeSet, expand, load_mapping
from osteofys.batch.screen import read, screen
from osteofys.kb import Code
from osteofys.rules.dates import add_months
from osteofys.rules.findings import FINDINGS, derive
from tests.batch import registry
from tests.kb.problems import problems_at

BASE = kb.load()
RAW = BASE.raw
MAPPING = load_mapping(BASE)
ON = date(2026, 11, 26)
BORN = add_months(ON, -12 * 70)
DIAGNOSED = add_months(ON, -12)
DISPENSED = add_months(ON, -1)

# The registry mapping the issue specifies (issue 5), as the knowledge base must hold it.
ISSUE_FRACTURES = {
    "hip": ["S72.0-S72.2"],
    "vertebra": ["S22.0", "S22.1", "S32.0", "M48.5"],
    "wrist": ["S52.5-S52.6"],
    "proximal_humerus": ["S42.2"],
    "pelvis": ["S32.1-S32.8"],
}
ISSUE_CONDITIONS = {
    "anorexia_nervosa": ["F50.0", "F50.1"],
    "malabsorption": ["K90"],
    "coeliac_disease": ["K90.0"],
    "primary_hyperparathyroidism": ["E21.0"],
    "hyperthyroidism": ["E05"],
    "organ_transplant": ["Z94"],
    "chronic_kidney_disease": ["N18"],
    "cushing": ["E24"],
    "mastocytosis": ["D47.0", "Q82.2", "C96.2"],
    "rheumatoid_arthritis": ["M05", "M06"],
    "multiple_myeloma": ["C90.0"],
    "ankylosing_spondylitis": ["M45"],
    "copd": ["J44"],
    "osteogenesis_imperfecta": ["Q78.0"],
    "type1_diabetes": ["E10"],
    "inflammatory_bowel_disease": ["K50", "K51"],
    "hypogonadism": ["E23.0", "E28.3", "E29.1"],
}
ISSUE_DRUGS = {
    "glucocorticoids": ["H02AB"],
    "aromatase_inhibitor": ["L02BG"],
    "antiandrogen_therapy": ["L02BB", "L02AE"],
    "already_known": ["M05BA", "M05BB", "M05BX04", "M05BX06", "H05AA02", "H05AA04", "G03XC01"],
}


def test_the_knowledge_base_holds_the_issues_mapping() -> None:
    registry_toml = RAW["registry"]
    sites = {e["site"]: e["icd10"] for e in registry_toml["fracture"]["site"]}
    assert sites == ISSUE_FRACTURES
    assert {c: e["icd10"] for c, e in RAW["conditions"].items()} == ISSUE_CONDITIONS
    assert {d: registry_toml[d]["atc"] for d in ISSUE_DRUGS} == ISSUE_DRUGS
    assert registry_toml["already_known"]["icd10"] == ["M80", "M81"]
    value = BASE.knowledge.value
    assert value(registry_toml["glucocorticoids"]["min_ddd"]) == 45
    assert value(registry_toml["fracture"]["min_age"]) == 50
    assert value(registry_toml["already_known"]["window_months"]) == 60
    for drug in ("glucocorticoids", "aromatase_inhibitor", "antiandrogen_therapy"):
        assert value(registry_toml[drug]["window_months"]) == 12


def _neighbours(entry: str, icd10: bool) -> list[str]:
    """The codes next to an entry's ends: last character one lower and one higher, or the
    shorter parent code when there is none."""
    low, high = (p.strip() for p in (entry.split("-") if "-" in entry else (entry, entry)))
    out = []
    for end, step in ((low, -1), (high, 1)):
        last = end[-1]
        if icd10 and len(end) == 3:
            # A category: the one before or after it (K90 -> K89, K91).
            out.append(f"{end[0]}{int(end[1:]) + step:02d}")
        elif (step < 0 and last in "0A") or (step > 0 and last in "9Z"):
            out.append(end[:-1].rstrip("."))
        else:
            out.append(end[:-1] + chr(ord(last) + step))
    return out


@dataclass(frozen=True)
class Probe:
    id: str
    kind: str  # fracture | condition | known | drug
    target: str
    code: str
    inside: bool


def _probes() -> list[Probe]:
    probes: list[Probe] = []

    def add(kind: str, target: str, entries: list[str], codes: CodeSet, icd10: bool) -> None:
        for entry in entries:
            ends = entry.split("-")
            for code in dict.fromkeys([ends[0], ends[-1]]):
                probes.append(Probe(f"{kind}:{target}:{code}:in", kind, target, code, True))
            for code in _neighbours(entry, icd10):
                normal = code.replace(".", "") if icd10 else code
                if not codes.matches(normal):
                    probes.append(Probe(f"{kind}:{target}:{code}:out", kind, target, code, False))

    for entry in RAW["registry"]["fracture"]["site"]:
        add("fracture", entry["site"], entry["icd10"], expand(entry["icd10"], icd10=True), True)
    for cid, entry in RAW["conditions"].items():
        add("condition", cid, entry["icd10"], expand(entry["icd10"], icd10=True), True)
    known = RAW["registry"]["already_known"]["icd10"]
    add("known", "already_known", known, expand(known, icd10=True), True)
    for name, rule in MAPPING.drug_rules().items():
        add("drug", name, RAW["registry"][name]["atc"], rule.atc, False)
    return list({p.id: p for p in probes}.values())


PROBES = _probes()


@pytest.fixture(scope="module")
def engines() -> dict[str, Any]:
    citizens, diagnoses, prescriptions = [], [], []
    for i, probe in enumerate(PROBES):
        cid = f"P{i:04d}"
        citizens.append(Citizen(cid, BORN, "female"))
        if probe.kind == "drug":
            # A full ATC code under a level-4 group (H02AB -> H02AB06); others as they are.
            atc = probe.code + "06" if len(probe.code) == 5 and probe.inside else probe.code
            prescriptions.append(Prescription(cid, atc, DISPENSED, 50.0))
        else:
            diagnoses.append(Diagnosis(cid, probe.code, DIAGNOSED))
    with tempfile.TemporaryDirectory() as folder:
        paths = registry.write(Path(folder), citizens, diagnoses, prescriptions, columns=())
        found = read(paths, BASE, ON).findings(FINDINGS).collect()
        output = screen(paths, BASE, ON).output()
    cases = registry.cases(citizens, diagnoses, prescriptions, BASE, ON)
    core = registry.by_core(citizens, diagnoses, prescriptions, BASE, ON)
    return {
        "ids": {probe.id: f"P{i:04d}" for i, probe in enumerate(PROBES)},
        "findings": {row["_id"]: row for row in found.iter_rows(named=True)},
        "output": {row["citizen_id"]: row for row in output.iter_rows(named=True)},
        "cases": cases,
        "core": core,
    }


def test_there_are_probes_inside_and_outside_every_row() -> None:
    inside = {(p.kind, p.target) for p in PROBES if p.inside}
    outside = {(p.kind, p.target) for p in PROBES if not p.inside}
    assert len(inside) == len(ISSUE_FRACTURES) + len(ISSUE_CONDITIONS) + 1 + len(ISSUE_DRUGS)
    assert inside == outside


DRUG_FACTOR = {
    "glucocorticoids": "RF2",
    "aromatase_inhibitor": "RF14",
    "antiandrogen_therapy": "RF15",
}


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_mapping_row(probe: Probe, engines: dict[str, Any]) -> None:
    cid = engines["ids"][probe.id]
    found, row = engines["findings"][cid], engines["output"][cid]
    case = engines["cases"][cid]
    factors = set(row["risk_factors"].split(";")) - {""}
    # The batch derives exactly what the core derives from the same rows.
    expected = derive(case, BASE.knowledge.value("adult_age_years")).values
    assert {n: found[n] for n in FINDINGS if n != "conditions"} == {
        n: expected[n] for n in FINDINGS if n != "conditions"
    }
    assert sorted(found["conditions"]) == sorted(expected["conditions"])
    assert engines["core"][cid] == registry.Outcome(
        row["refer"], frozenset(factors), row["already_known"], row["strong"], row["basis"]
    )
    if probe.kind == "fracture":
        sites = {f.site for f in case.fractures or ()}
        assert (probe.target in sites) is probe.inside
        if probe.inside:
            assert "RF1" in factors
            assert ("RF1a" in factors) is (probe.target in ("hip", "vertebra"))
            assert row["refer"] is True
            assert row["strong"] is True
    elif probe.kind == "condition":
        assert (probe.target in found["conditions"]) is probe.inside
        if probe.inside:
            assert ("RF16" if probe.target == "osteogenesis_imperfecta" else "RF17") in factors
    elif probe.kind == "known" or probe.target == "already_known":
        assert row["already_known"] is probe.inside
        if probe.inside:
            assert row["refer"] is False
    else:
        assert (DRUG_FACTOR[probe.target] in factors) is probe.inside


@pytest.mark.parametrize(
    "written", ["S72.0", "S720", "DS720", "ds72.0", " S72.00 ", "DS72.0", "s720"]
)
def test_every_written_form_of_a_code_is_read(written: str) -> None:
    cid = "A"
    people = [Citizen(cid, BORN, "male")]
    dx = [Diagnosis(cid, written, DIAGNOSED)]
    with tempfile.TemporaryDirectory() as folder:
        paths = registry.write(Path(folder), people, dx, [], columns=())
        batch = registry.by_batch(paths, BASE, ON)
    assert batch[cid].risk_factors == {"RF1a", "RF1"}
    assert registry.by_core(people, dx, [], BASE, ON) == batch


def test_codes_are_compared_as_normalised_prefixes() -> None:
    frame = pl.DataFrame({"code": ["S72.0", "S72", "S7", "S72.3"]})
    hip = dict(MAPPING.fracture_sites)["hip"]
    assert [hip.matches(c.replace(".", "")) for c in frame["code"]] == [True, False, False, False]


@pytest.mark.parametrize(
    ("old", "new", "code", "named"),
    [
        ('["S72.0-S72.2"]', '["S72.0-S73.2"]', Code.REGISTRY_CODE, "S72.0-S73.2"),
        ('["L02BG"]', '["L02-BG"]', Code.REGISTRY_CODE, "L02-BG"),
        ('min_ddd = "registry_gc_min_ddd"', 'min_ddd = "nope"', Code.REGISTRY_THRESHOLD, "nope"),
        ('site = "pelvis"', 'site = "knee"', Code.REGISTRY_SITES, "knee"),
        ('sources = ["S20", "SPEC"]', 'sources = ["S99"]', Code.UNKNOWN_SOURCE, "S99"),
    ],
)
def test_the_knowledge_base_check_covers_the_registry_mapping(
    tmp_path: Path, old: str, new: str, code: Code, named: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, data)
    path = data / "registry.toml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    found = problems_at(kb.check(data), code, "registry.", named)
    assert {p.file for p in found} == {"registry.toml"}

"""The FHIR code table of the knowledge base (fhir.toml): shipped values and the loader's check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from osteofys import kb
from osteofys.fhir.codes import codes
from osteofys.kb import Code
from osteofys.kb.loader import DATA_DIR, KnowledgeBase
from tests.kb.problems import edit, problems_at


@pytest.fixture
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def test_the_issue_codes_are_in_the_knowledge_base(base: KnowledgeBase) -> None:
    table = codes(base)
    expected = {
        "dxa_lumbar_spine": ("http://loinc.org", "38267-1"),
        "dxa_femoral_neck": ("http://loinc.org", "38263-0"),
        "dxa_total_hip": ("http://loinc.org", "38264-8"),
        "tug": ("http://snomed.info/sct", "444680009"),
        "osteoporosis": ("http://snomed.info/sct", "64859006"),
        "osteoporosis_with_fracture": ("http://hl7.org/fhir/sid/icd-10", "M80"),
        "osteoporosis_without_fracture": ("http://hl7.org/fhir/sid/icd-10", "M81"),
    }
    for cid, (system, code) in expected.items():
        assert (table[cid].system, table[cid].code) == (system, code), cid
    assert table.systems["cpr"] == "urn:oid:1.2.208.176.1.2"
    for cid in ("sit_to_stand_5x", "tandem_stance", "function_category", "acute_phase"):
        assert table[cid].system.startswith("https://osteofys.dk/fhir/CodeSystem/"), cid


def test_every_case_test_field_has_a_code(base: KnowledgeBase) -> None:
    fields = codes(base).by_field()
    for name in ("lumbar_spine", "femoral_neck", "total_hip", "forearm"):
        assert f"dxa.{name}" in fields
    for name in ("tug_s", "sit_to_stand_5x_s", "tandem_stance_s", "chair_stand_30s"):
        assert f"tests.{name}" in fields
    for name in ("one_leg_stance_s", "gait_speed_m_s", "grip_kg"):
        assert f"tests.{name}" in fields


def test_a_missing_code_is_a_problem(data: Path) -> None:
    edit(data / "fhir.toml", "[code.dxa_total_hip]", "[code.dxa_total_hip_renamed]")
    problems_at(kb.check(data), Code.FHIR_CODE_MISSING, "fhir.code", "dxa_total_hip")


def test_an_unknown_source_is_a_problem(data: Path) -> None:
    edit(data / "fhir.toml", 'sources = ["S53"]', 'sources = ["S99"]')
    problems_at(kb.check(data), Code.UNKNOWN_SOURCE, "fhir.code.tandem_stance", "S99")


def test_a_standard_code_needs_a_reference(data: Path) -> None:
    edit(data / "fhir.toml", 'reference = "https://loinc.org/38264-8/"\n', "")
    problems_at(kb.check(data), Code.FHIR_REFERENCE_MISSING, "fhir.code.dxa_total_hip")


def test_an_unknown_system_is_a_problem(data: Path) -> None:
    edit(data / "fhir.toml", 'system = "local:flag"', 'system = "local:flags"')
    problems_at(kb.check(data), Code.FHIR_SYSTEM_UNKNOWN, "fhir.code.acute_phase", "local:flags")


def test_a_field_must_be_a_case_field(data: Path) -> None:
    edit(data / "fhir.toml", 'field = "tests.grip_kg"', 'field = "tests.grip"')
    problems_at(kb.check(data), Code.FHIR_FIELD, "fhir.code.grip", "tests.grip")


def test_a_text_needs_both_languages(data: Path) -> None:
    edit(data / "fhir.toml", 'en = "Provisional: computed', 'fr = "Provisional: computed')
    problems_at(kb.check(data), Code.TEXT_MISSING, "fhir.text.provisional", "'en'")

"""`osteofys fhir export`, run as a subprocess: the Bundle on stdout or in a file, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from osteofys.fhir import check
from tests.cli.test_cli import EXAMPLE, osteofys
from tests.conftest import vary


def _bundle(stdout: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(stdout)
    Bundle.model_validate(doc)
    assert check(doc) == []
    return doc


def _types(doc: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in doc["entry"]]


def test_export_writes_a_valid_bundle_to_stdout() -> None:
    done = osteofys("fhir", "export", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    doc = _bundle(done.stdout)
    assert doc["type"] == "collection"
    assert {"Patient", "Observation", "Flag", "Condition", "CarePlan"} <= set(_types(doc))
    patient = doc["entry"][0]["resource"]
    assert patient["id"] == "patient"
    assert "identifier" not in patient
    # Danish texts stay intact through the pipe.
    assert "lårbenshals" in done.stdout
    assert "Ã" not in done.stdout


def test_export_is_the_same_twice() -> None:
    assert (
        osteofys("fhir", "export", str(EXAMPLE)).stdout
        == osteofys("fhir", "export", str(EXAMPLE)).stdout
    )


def test_export_to_a_file_with_patient_details_in_english(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    done = osteofys(
        "fhir",
        "export",
        str(EXAMPLE),
        "--output",
        str(out),
        "--lang",
        "en",
        "--patient-id",
        "patient-17",
        "--name",
        "Anne Test",
        "--cpr",
        "020360-1234",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    doc = _bundle(out.read_text("utf-8"))
    patient = doc["entry"][0]["resource"]
    assert patient["id"] == "patient-17"
    assert patient["identifier"] == [{"system": "urn:oid:1.2.208.176.1.2", "value": "0203601234"}]
    flag = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Flag")
    assert flag["code"]["text"].startswith("Acute phase")


def test_export_reads_standard_input() -> None:
    case = vary(dxa=None)
    done = osteofys("fhir", "export", "-", stdin=json.dumps(case).encode("utf-8"))
    assert done.returncode == 0, done.stderr
    doc = _bundle(done.stdout)
    assert "Flag" not in _types(doc)


def test_a_bad_case_exits_2_naming_the_field_and_the_range() -> None:
    case = vary(dxa__lumbar_spine=-9.5)
    done = osteofys("fhir", "export", "-", stdin=json.dumps(case).encode("utf-8"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "dxa.lumbar_spine" in done.stderr
    assert "-9.5" in done.stderr
    assert "-7–5" in done.stderr


def test_a_bad_case_is_explained_in_english_too(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(vary(tests__tug_s=500)), "utf-8")
    done = osteofys("fhir", "export", str(path), "--lang", "en")
    assert done.returncode == 2
    assert "tests.tug_s" in done.stderr
    assert "3–120" in done.stderr


def test_invalid_json_and_a_missing_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text("{not json", "utf-8")
    done = osteofys("fhir", "export", str(path))
    assert done.returncode == 2
    assert "JSON" in done.stderr
    missing = osteofys("fhir", "export", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2
    assert "nowhere.json" in missing.stderr


def test_a_malformed_cpr_or_patient_id_exits_2() -> None:
    bad_cpr = osteofys("fhir", "export", str(EXAMPLE), "--cpr", "321399-1234")
    assert bad_cpr.returncode == 2
    assert "--cpr" in bad_cpr.stderr
    assert "DDMMÅÅ-XXXX" in bad_cpr.stderr
    bad_id = osteofys("fhir", "export", str(EXAMPLE), "--patient-id", "a b")
    assert bad_id.returncode == 2
    assert "--patient-id" in bad_id.stderr
    assert bad_cpr.stdout == bad_id.stdout == ""


def test_an_unwritable_output_is_reported(tmp_path: Path) -> None:
    done = osteofys("fhir", "export", str(EXAMPLE), "--output", str(tmp_path / "no" / "b.json"))
    assert done.returncode == 1
    assert "Kan ikke skrive filen" in done.stderr

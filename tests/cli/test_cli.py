"""The installed `osteofys` command, run as a subprocess the way a clinician or a script runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from osteofys import kb
from tests.conftest import ROOT, SHARED, vary

EXAMPLE = ROOT / "examples" / "case.json"
CASE_FORMAT_DOC = SHARED / "clinical" / "case-format.md"
# The console script that installing the package put next to the interpreter running the tests.
SCRIPT = Path(sys.executable).parent / ("osteofys.exe" if os.name == "nt" else "osteofys")


def osteofys(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command; stdout and stderr decoded strictly as UTF-8 (broken æøå would raise)."""
    env = {**os.environ, "PYTHONUTF8": "1"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file(), f"{SCRIPT} missing: install the package into this environment"


# --- assess: the report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def danish_report() -> subprocess.CompletedProcess[str]:
    return osteofys("assess", str(EXAMPLE))


def test_assess_prints_the_danish_report(danish_report: subprocess.CompletedProcess[str]) -> None:
    assert danish_report.returncode == 0, danish_report.stderr
    assert danish_report.stderr == ""
    out = danish_report.stdout
    for expected in (
        "FUNKTIONSKATEGORI",
        "TRÆNINGSAKTIV MED HENSYN",
        "AKUT FASE",
        "20.03.2027",
        "HENVISNING TIL EGEN LÆGE",
        "TRÆNINGSPLAN",
    ):
        assert expected in out, expected


def test_the_danish_report_keeps_ae_oe_aa_intact(
    danish_report: subprocess.CompletedProcess[str],
) -> None:
    out = danish_report.stdout
    for letter in "æøå":
        assert letter in out, letter
    # Mojibake of UTF-8 read as Latin-1 would show up as 'Ã' followed by another character.
    assert "Ã" not in out
    assert "\ufffd" not in out


def test_the_danish_report_states_the_acute_phase(
    danish_report: subprocess.CompletedProcess[str],
) -> None:
    acute = danish_report.stdout.split("AKUT FASE", 1)[1].split("KNOGLESTATUS", 1)[0]
    assert "20.03.2027" in acute
    assert "20.09.2026" in acute


def test_the_report_ends_with_every_cited_source_and_its_citation(
    danish_report: subprocess.CompletedProcess[str],
) -> None:
    body, sources = danish_report.stdout.rsplit("\nKILDER\n", 1)
    found = re.findall(r"\(kilder: ([^)]*)\)", body)
    cited = {s for ids in found for s in re.split(r",\s+", ids.strip())}
    register = kb.load().texts.sources
    listed = re.findall(r"^  - ([SX]\d\d) ", sources, re.M)
    assert sorted(listed) == sorted(cited)
    flat = " ".join(sources.split())
    for sid in listed:
        assert " ".join(register[sid].citation.split()) in flat, sid
        assert f"\n    {register[sid].url}\n" in sources + "\n", sid


def test_assess_in_english_gives_english_headings() -> None:
    done = osteofys("assess", str(EXAMPLE), "--lang", "en")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in (
        "FUNCTION CATEGORY",
        "TRAINING-ACTIVE WITH PRECAUTIONS",
        "ACUTE PHASE",
        "2027-03-20",
        "REFERRAL TO THE GP",
        "TRAINING PLAN",
    ):
        assert expected in out, expected
    for danish in ("FUNKTIONSKATEGORI", "AKUT FASE", "TRÆNINGSPLAN", "HENVISNING"):
        assert danish not in out, danish


# --- assess --json ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    done = osteofys("assess", str(EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return document


def test_json_result_core_values(result: dict[str, Any]) -> None:
    assert result["format"] == "osteofys.result/1"
    assert result["knowledge_version"] == kb.load().knowledge.version
    assert result["category"] == "traeningsaktiv_med_hensyn"
    assert result["acute_phase"]["active"] is True
    assert result["acute_phase"]["until"] == "2027-03-20"
    assert result["acute_phase"]["fracture_date"] == "2026-09-20"
    assert result["plan"]["exercise_set"] == "funktionsbegraenset"
    assert set(result["plan"]["domains"]) == {"staerk", "stabil", "strakt"}


def _documented_result() -> dict[str, Any]:
    """The example result object of case-format.md, its // comments stripped."""
    doc = CASE_FORMAT_DOC.read_text("utf-8")
    section = doc.split("## Result", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block, "case-format.md has no JSON example in its result section"
    lines = [re.sub(r"\s//.*$", "", line) for line in block.group(1).splitlines()]
    return dict(json.loads("\n".join(lines)))


def _key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items as `[]` (taken from the first item)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= _key_paths(item, path)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        paths |= _key_paths(value[0], f"{prefix}[]")
    return paths


def _present(document: Any, path: str) -> bool:
    """Whether `path` exists in the document (vacuously for items of an empty list)."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = document.get(head[:-2]) if isinstance(document, dict) else None
        if not isinstance(items, list):
            return False
        return all(_present(item, rest) for item in items)
    if not isinstance(document, dict) or head not in document:
        return False
    return not rest or _present(document[head], rest)


def test_json_result_has_every_documented_key(result: dict[str, Any]) -> None:
    documented = _key_paths(_documented_result())
    # The doc example must actually have been read: these are some of its stable keys.
    assert {
        "format",
        "knowledge_version",
        "category",
        "provisional",
        "alternatives",
        "acute_phase.until",
        "bone_status",
        "fall_risk",
        "low_performance",
        "red_flags",
        "referral.recommended",
        "referral.reasons",
        "reasons[].rule",
        "reasons[].sources",
        "missing",
        "plan.exercise_set",
        "plan.domains.staerk",
    } <= documented
    absent = sorted(p for p in documented if not _present(result, p))
    assert absent == []


def test_json_result_with_an_alternative_has_every_documented_key() -> None:
    # Low performance (TUG 25 s) adds funktionsbegraenset as an alternative, so the documented
    # keys of alternatives[] items are checked against a real item, not an empty list.
    case = json.dumps(vary(tests__tug_s=25)).encode()
    done = osteofys("assess", "-", "--json", stdin=case)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {"category": "funktionsbegraenset", "rule": "D3"} in document["alternatives"]
    documented = _key_paths(_documented_result())
    assert "alternatives[].rule" in documented
    assert sorted(p for p in documented if not _present(document, p)) == []


def test_json_result_reasons_name_rules_and_sources(result: dict[str, Any]) -> None:
    assert result["reasons"], "the example case must give reasons"
    for reason in result["reasons"]:
        assert reason["rule"]
        assert reason["text"]
        assert reason["sources"]
        assert all(re.fullmatch(r"S\d\d", s) for s in reason["sources"]), reason


def test_json_keeps_danish_letters_unescaped(result: dict[str, Any]) -> None:
    done = osteofys("assess", str(EXAMPLE), "--json")
    assert "\\u00e6" not in done.stdout
    assert "æ" in done.stdout


def test_assess_reads_the_case_from_stdin() -> None:
    done = osteofys("assess", "-", "--json", stdin=EXAMPLE.read_bytes())
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["category"] == "traeningsaktiv_med_hensyn"
    assert document["acute_phase"]["until"] == "2027-03-20"


def test_assess_reads_the_report_case_from_stdin() -> None:
    done = osteofys("assess", "-", stdin=EXAMPLE.read_bytes())
    assert done.returncode == 0, done.stderr
    assert "TRÆNINGSAKTIV MED HENSYN" in done.stdout


# --- assess: bad input ------------------------------------------------------------------------

# (id, case changes, text that must appear on stderr: the field path, the value, a Danish phrase)
BAD_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "tug-out-of-range",
        {"tests__tug_s": 2.9},
        ("tests.tug_s", "2.9", "3–120", "uden for det tilladte interval"),
    ),
    (
        "unknown-field",
        {"tests__tug": 7.5},
        ("“tests.tug”", "findes ikke i formatet"),
    ),
    (
        "malformed-date",
        {"dxa__date": "26-11-2026"},
        ("dxa.date", "26-11-2026", "YYYY-MM-DD", "ikke en gyldig dato"),
    ),
    (
        "date-after-assessment",
        {"fractures": [{"site": "wrist", "date": "2026-12-24", "low_energy": True}]},
        (
            "fractures[0].date",
            "24. december 2026",
            "26. november 2026",
            "efter undersøgelsesdatoen",
        ),
    ),
    (
        "wrong-type",
        {"tests__tug_s": "hurtig"},
        ("tests.tug_s", "hurtig", "forkert type"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_case_exits_2_naming_field_and_value(
    tmp_path: Path, changes: dict[str, Any], expected: tuple[str, ...]
) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(vary(**changes), ensure_ascii=False), "utf-8")
    done = osteofys("assess", str(path))
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    for text in expected:
        assert text in done.stderr, (text, done.stderr)


def test_bad_case_on_stdin_exits_2(tmp_path: Path) -> None:
    data = json.dumps(vary(tests__tug_s=120.1)).encode()
    done = osteofys("assess", "-", "--json", stdin=data)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "tests.tug_s" in done.stderr
    assert "120.1" in done.stderr
    assert done.stdout == ""


def test_every_problem_is_printed(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(vary(tests__tug_s=2.9, patient__sex="f")), "utf-8")
    done = osteofys("assess", str(path))
    assert done.returncode == 2
    assert "tests.tug_s" in done.stderr
    assert "patient.sex" in done.stderr
    assert "= f " in done.stderr


def test_invalid_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text('{\n  "assessment_date": "2026-11-26",\n}\n', "utf-8")
    done = osteofys("assess", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert "ikke gyldig JSON" in done.stderr
    # Where it went wrong: the decoder's complaint and the line (the trailing comma, line 3).
    assert "linje 3" in done.stderr


def test_missing_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "findes-ikke.json"
    done = osteofys("assess", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert "Kan ikke læse filen" in done.stderr
    assert "findes-ikke.json" in done.stderr, done.stderr


# --- kb check ---------------------------------------------------------------------------------


def test_kb_check_says_the_knowledge_base_is_in_order() -> None:
    done = osteofys("kb", "check")
    assert done.returncode == 0, done.stdout
    assert "er i orden" in done.stdout
    assert kb.load().knowledge.version in done.stdout
    assert "fejl" not in done.stdout


def test_kb_check_on_an_unchanged_copy_is_in_order(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, copy)
    done = osteofys("kb", "check", "--data-dir", str(copy))
    assert done.returncode == 0, done.stdout
    assert "er i orden" in done.stdout


def test_kb_check_finds_a_threshold_with_an_unknown_source(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, copy)
    thresholds = copy / "thresholds.toml"
    text = thresholds.read_text("utf-8")
    pattern = re.compile(r"(\[t_osteopenia\]\n(?:(?!\[).*\n)*?)sources = \[[^\]]*\]")
    broken, count = pattern.subn(r'\1sources = ["S99"]', text, count=1)
    assert count == 1, "the t_osteopenia threshold no longer has a sources line to break"
    thresholds.write_text(broken, "utf-8")

    done = osteofys("kb", "check", "--data-dir", str(copy))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "er i orden" not in done.stdout
    assert "thresholds.t_osteopenia" in done.stdout
    assert "S99" in done.stdout

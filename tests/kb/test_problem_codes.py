"""Knowledge-base problems have stable codes (issue 14, item 10)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from osteofys import kb
from osteofys.kb import Code, Problem
from osteofys.kb.problems import code_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "knowledge-base.md"


def test_codes_are_unique_numbered_and_documented() -> None:
    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"osteofys\.E\d{3}", v) for v in values)
    numbers = sorted(int(v[-3:]) for v in values)
    assert numbers == list(range(1, len(numbers) + 1)), "a code number is skipped or reused"
    assert all(c.meaning for c in Code)
    assert code_table() in DOC.read_text("utf-8")


def test_a_problem_names_its_file() -> None:
    cases = {
        "rules.criterion P8": "rules.toml",
        "risk_factors[3] RF4": "risk_factors.toml",
        "exercises/log_roll.name": "exercises/log_roll.toml",
        "exercises/sit_to_stand.dose.default": "exercises/sit_to_stand.toml",
        "texts.choices.function.walking_aid": "texts.toml",
        "decision.row[0] D1": "decision.toml",
        "meta.toml": "meta.toml",
    }
    for where, file in cases.items():
        assert Problem(Code.UNIT_MISSING, where, "x").file == file, where


def test_a_problem_reads_as_code_file_place_and_detail() -> None:
    problem = Problem(Code.UNKNOWN_FINDING, "rules.criterion P4", "reads unknown finding 'x'")
    assert (
        str(problem) == "osteofys.E018 rules.toml (rules.criterion P4): reads unknown finding 'x'"
    )


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, data)
    (data / "exercises" / "log_roll.toml").write_text("id = \n", "utf-8")
    (problem,) = kb.check(data)
    assert (problem.code, problem.file) == (Code.READ_FAILED, "exercises/log_roll.toml")


def test_a_field_error_without_its_inline_words_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, data)
    texts = data / "texts.toml"
    text = texts.read_text("utf-8")
    assert text.count("\nbad_date = { da =") == 1
    texts.write_text(text.replace("\nbad_date = { da =", "\nbad_dates = { da ="), "utf-8")
    found = [p for p in kb.check(data) if p.code is Code.ERROR_TEXT_MISSING]
    assert [(p.where, p.file) for p in found] == [("texts.errors_inline", "texts.toml")]
    assert "bad_date" in found[0].detail

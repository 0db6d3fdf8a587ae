"""The core's contract with the knowledge base is data (issue 14, item 1).

The core reads outcomes by the names rules declare they set (`rules.model.Outcome`), never by
rule id, and every rule carries a checked group. So renaming every rule id in a copy of the
knowledge base changes nothing but the ids in the result, and breaking the contract (an outcome
nobody sets, a group that does not exist) is named by `kb check`, not met as a `KeyError` later.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from osteofys import kb
from osteofys.kb import Code
from osteofys.kb.explain import words
from osteofys.kb.loader import DATA_DIR, KnowledgeBase, load_from
from osteofys.rules import assess, parse_case
from osteofys.rules.model import Outcome
from osteofys.rules.result import write_result
from tests.conftest import VIGNETTES
from tests.kb.problems import problems_at

FILES = sorted(VIGNETTES.glob("*.json"))


def _id_pattern(rule_id: str) -> re.Pattern[str]:
    # A rule id as a whole token: `P2` but not `P2_hip`, `RF1` but not `RF1a` or `RF10`.
    return re.compile(rf"(?<![\w-]){re.escape(rule_id)}(?![\w-])")


def _renamed_copy(tmp_path: Path, ids: list[str]) -> tuple[Path, dict[str, str]]:
    """A copy of kb/data with every rule id replaced by a fresh token in every TOML file."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    tomls = list(copy.rglob("*.toml"))
    written = [i for i in ids if any(_id_pattern(i).search(p.read_text("utf-8")) for p in tomls)]
    new_ids = {rule_id: f"X{n:03d}" for n, rule_id in enumerate(written)}
    # Longest first, so `P2_vertebral` is renamed before `P2` could match part of it.
    order = sorted(written, key=len, reverse=True)
    for path in tomls:
        text = path.read_text("utf-8")
        for rule_id in order:
            text = _id_pattern(rule_id).sub(new_ids[rule_id], text)
        path.write_text(text, "utf-8")
    return copy, new_ids


def _result(base: KnowledgeBase, case: dict[str, Any]) -> dict[str, Any]:
    k = base.knowledge
    result = assess(parse_case(case, k.input_ranges, k.conditions), k)
    doc: dict[str, Any] = json.loads(json.dumps(write_result(result, words(base, "da"))))
    for key in ("knowledge_hash", "knowledge_version"):
        doc.pop(key, None)
    return doc


def _ids_back(text: str, new_ids: dict[str, str]) -> str:
    for old, new in new_ids.items():
        # `X016_strong`: an id the loader derives from a written one (a strong risk factor).
        text = re.sub(rf"(?<![\w-]){new}(?=_strong\b|(?![\w-]))", old, text)
    return text


def _doc_ids_back(doc: dict[str, Any], new_ids: dict[str, str]) -> dict[str, Any]:
    text = _ids_back(json.dumps(doc, ensure_ascii=False, sort_keys=True), new_ids)
    back: dict[str, Any] = json.loads(text)
    return back


def test_renaming_every_rule_id_changes_nothing_but_the_ids(tmp_path: Path) -> None:
    shipped = kb.load()
    ids = [r.id for r in shipped.knowledge.rules()]
    assert len(ids) == len(set(ids)) > 40
    data, new_ids = _renamed_copy(tmp_path, ids)
    assert kb.check(data) == []
    renamed = load_from(data)
    assert {_ids_back(r.id, new_ids) for r in renamed.knowledge.rules()} == set(ids)
    assert not {r.id for r in renamed.knowledge.rules()} & set(ids)
    assert len(FILES) >= 10
    for path in FILES:
        case = json.loads(path.read_text("utf-8"))["case"]
        assert _doc_ids_back(_result(renamed, case), new_ids) == _result(shipped, case), path.stem


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / name
    text = path.read_text("utf-8")
    assert text.count(old) >= 1, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new), "utf-8")
    return copy


@pytest.mark.parametrize("outcome", list(Outcome))
def test_an_outcome_the_core_needs_that_no_rule_sets_is_named(
    tmp_path: Path, outcome: Outcome
) -> None:
    files = [p for p in DATA_DIR.rglob("*.toml") if f'sets = "{outcome.value}"' in p.read_text()]
    assert len(files) == 1, f"exactly one file sets {outcome.value}"
    name = str(files[0].relative_to(DATA_DIR))
    data = _edited(tmp_path, name, f'sets = "{outcome.value}"', "")
    problems_at(kb.check(data), Code.OUTCOME_SETTERS, "rules", outcome.value)


def test_a_second_rule_setting_the_same_outcome_is_named(tmp_path: Path) -> None:
    red_flag, fall_risk = Outcome.RED_FLAG.value, Outcome.FALL_RISK.value
    data = _edited(tmp_path, "rules.toml", f'sets = "{fall_risk}"', f'sets = "{red_flag}"')
    problems = kb.check(data)
    problems_at(problems, Code.OUTCOME_SETTERS, "rules", f"'{red_flag}'", "P4, P8")
    problems_at(problems, Code.OUTCOME_SETTERS, "rules", f"'{fall_risk}'", "none")


def test_an_unknown_group_is_named_with_its_rule(tmp_path: Path) -> None:
    text = (DATA_DIR / "rules.toml").read_text("utf-8")
    match = re.search(r'group = "(\w+)"', text)
    assert match is not None
    data = _edited(tmp_path, "rules.toml", match.group(0), 'group = "overlayz"')
    problems_at(kb.check(data), Code.UNKNOWN_GROUP, "rules.criterion", "overlayz")


def test_a_section_without_a_group_default_is_named(tmp_path: Path) -> None:
    text = (DATA_DIR / "decision.toml").read_text("utf-8")
    match = re.search(r'^group = "\w+"\n', text, re.MULTILINE)
    assert match is not None
    data = _edited(tmp_path, "decision.toml", match.group(0), "")
    found = problems_at(kb.check(data), Code.UNKNOWN_GROUP, "decision.")
    assert all(p.file == "decision.toml" for p in found)

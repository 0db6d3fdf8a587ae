"""docs/plans.md is the default plan of every specialist case, as `osteofys kb plans` writes it.

Like the problem-code table: the file is generated, and this test keeps it current. After a change
to the knowledge base, the planner or the cases, write it again:
`osteofys kb plans tests/cases/S*.json tests/cases/A*.json --out docs/plans.md`.
"""

from __future__ import annotations

from pathlib import Path

from osteofys import kb
from osteofys.kb.plans import plans_markdown, read_cases
from tests.cli.test_cli import osteofys

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plans.md"
HERE = ROOT / "tests" / "cases"
# The specialist archetypes (S) and the clinician's acute-phase decisions (A).
CASES = [*sorted(HERE.glob("S*.json")), *sorted(HERE.glob("A*.json"))]
REGENERATE = "osteofys kb plans tests/cases/S*.json tests/cases/A*.json --out docs/plans.md"


def test_docs_plans_md_is_the_generated_plan_of_every_specialist_case() -> None:
    assert len(CASES) >= 17
    wanted = plans_markdown(kb.load(), read_cases(CASES))
    assert DOC.read_text("utf-8") == wanted, f"docs/plans.md is out of date: run {REGENERATE}"


def test_every_case_has_its_section_and_the_neurological_flag_lists_no_exercise() -> None:
    text = DOC.read_text("utf-8")
    for case in read_cases(CASES):
        assert f"\n## {case['id']} · {case['title']}\n" in text
    neuro = text.split("\n## S14 ")[1].split("\n## ")[0]
    assert "Ingen øvelser, før fundet er afklaret (P4_neuro)" in neuro
    assert "Med i planen" not in neuro


def test_kb_plans_writes_the_file_and_prints_without_out(tmp_path: Path) -> None:
    out = tmp_path / "plans.md"
    done = osteofys("kb", "plans", *map(str, CASES[:2]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text("utf-8") == plans_markdown(kb.load(), read_cases(CASES[:2]))
    printed = osteofys("kb", "plans", str(CASES[0]), "--lang", "en")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("# Default plans of the specialist cases\n")

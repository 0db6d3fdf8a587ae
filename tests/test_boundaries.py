"""The clinical core stays free of Django and polars (ARCHITECTURE.md)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_core_pulls_in_no_web_or_dataframe_library() -> None:
    loaded = _modules_after("import osteofys.rules")
    assert "osteofys.rules" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"django", "polars", "ninja"}}


def test_the_knowledge_base_and_cli_stay_light_too() -> None:
    loaded = _modules_after("import osteofys.kb, osteofys.cli; osteofys.kb.load()")
    assert "osteofys.kb.loader" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"django", "polars", "ninja"}}


def _lines_outside_kb(pattern: str, *, kb_too: bool = False) -> list[str]:
    """The source lines outside osteofys.kb (or anywhere, `kb_too`) that match `pattern`, as
    path:line: text."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[1] / "src" / "osteofys"
    kb = root / "kb"
    found = []
    for path in sorted(root.rglob("*.py")):
        if kb in path.parents and not kb_too:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_only_the_knowledge_base_reads_its_raw_tables() -> None:
    # Issue 14, item 6: every other module reads the typed texts (kb/texts.py), which the
    # loader checks; a raw look-up fails at run time when a TOML key is renamed.
    assert _lines_outside_kb(r"\.raw\[") == []


def test_no_inline_language_branches() -> None:
    # A word comes from the knowledge base (its da and en, kb.texts.Bilingual) or from gettext,
    # never from an `if lang == "da"` in the code, the knowledge base's own code included.
    assert _lines_outside_kb(r"""lang(\(\))? == ["'](da|en)["']""", kb_too=True) == []

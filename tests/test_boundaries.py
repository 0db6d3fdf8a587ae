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

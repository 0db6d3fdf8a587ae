"""Tries to draw pose data that passed the knowledge base's vocabulary check.

`kb.pose.check` knows names and ranges but draws nothing, so that `kb.load()` stays cheap. Some
combinations are only found by drawing (a prop placed from a point the view does not have);
`osteofys kb check` runs this over every exercise file so a clinician's edit is named there,
not on the library page.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from osteofys.illustrations.render import render
from osteofys.kb import pose


def drawing_problems(raw: dict[str, Any]) -> list[str]:
    """Why the exercise `raw` cannot be drawn; empty when it draws.

    Empty too when its table is unsound: the vocabulary check names that.
    """
    if pose.check(raw):
        return []
    try:
        render(str(raw.get("id", "exercise")), raw)
    except (KeyError, TypeError, ValueError, IndexError, ArithmeticError) as exc:
        return [f"illustration: cannot be drawn ({type(exc).__name__}: {exc})"]
    return []


def data_dir_problems(data_dir: Path) -> list[tuple[str, str]]:
    """`drawing_problems` of every exercise file under `data_dir`, as (place, detail) pairs.

    The place is named as the loader names it (`exercises/<id>`). A file that does not parse is
    left to the knowledge base's own check.
    """
    problems = []
    for path in sorted((data_dir / "exercises").glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        problems += [(f"exercises/{path.stem}", p) for p in drawing_problems(raw)]
    return problems

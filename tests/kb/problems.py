"""Breaking a copy of the knowledge base, and matching the problems by their stable code
(kb.problems), not by their wording."""

from __future__ import annotations

import shutil
from pathlib import Path

from osteofys.kb import Code, Problem
from osteofys.kb.loader import DATA_DIR


def problems_at(problems: list[Problem], code: Code, where: str, *names: str) -> list[Problem]:
    """The problems of kind `code` at a place that starts with `where` whose detail names every
    one of `names` (the offending ids or values); fails when there is none."""
    found = [
        p
        for p in problems
        if p.code is code and p.where.startswith(where) and all(n in p.detail for n in names)
    ]
    listed = "\n".join(map(str, problems))
    assert found, f"no {code} at {where!r} naming {names!r}; problems were:\n{listed}"
    return found


def data_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the shipped knowledge base."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    """Replace the single occurrence of `old` in `path` and make sure it was replaced."""
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), "utf-8")
    changed = path.read_text("utf-8")
    assert changed != text
    assert old not in changed or old in new

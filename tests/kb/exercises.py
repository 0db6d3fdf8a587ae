"""The shipped exercise files as raw TOML, for the pose tests here and the drawing tests."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from osteofys.kb.loader import DATA_DIR

EXERCISE_FILES = sorted((DATA_DIR / "exercises").glob("*.toml"))


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text("utf-8"))


EXERCISES = {path.stem: _load(path) for path in EXERCISE_FILES}


def exercise(exercise_id: str) -> dict[str, Any]:
    """A copy of one shipped exercise, free to change in a test."""
    return copy.deepcopy(EXERCISES[exercise_id])

"""The knowledge base: TOML data with sources, its strict loader and integrity check."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from osteofys.kb.loader import DATA_DIR, KnowledgeBase, KnowledgeError, load_from
from osteofys.kb.problems import Code, Problem


@cache
def load(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """The checked knowledge base, loaded once per process."""
    return load_from(data_dir)


def check(data_dir: Path = DATA_DIR) -> list[Problem]:
    """Every integrity problem of the knowledge base in `data_dir` (empty when it is sound)."""
    try:
        load_from(data_dir)
    except KnowledgeError as exc:
        return exc.problems
    return []


__all__ = ["DATA_DIR", "Code", "KnowledgeBase", "KnowledgeError", "Problem", "check", "load"]

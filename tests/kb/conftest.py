"""Fixtures of the knowledge-base tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from osteofys import kb
from osteofys.kb.loader import KnowledgeBase
from tests.kb.problems import data_copy


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return kb.load()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private, writable copy of the shipped knowledge base."""
    return data_copy(tmp_path)

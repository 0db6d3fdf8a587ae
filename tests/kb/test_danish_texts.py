"""The Danish a clinician and a patient read: one quotation style, no English leftovers, no ISO
dates in sentences. Checks every Danish text of the knowledge base and every Danish UI string."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from osteofys import kb

LOCALE = Path(kb.__file__).parent.parent / "web" / "locale" / "da" / "LC_MESSAGES" / "django.po"
# 'word' or "word" used as quotation marks; “…” is the product's one style. An apostrophe inside a
# word (OsteoFys' API) is not a quotation mark.
STRAIGHT_QUOTES = re.compile(r"(?<![\w\\])'[^'\n]+'(?![\w])|(?<![=\w])\"[^\"\n<>{}%]+\"(?![\w>])")
SLIPS = ("API-token", "dxa-", "ja, til", "»", "«", "strømpesokker", "overvåget")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _danish(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "da" and isinstance(value, str):
                yield where, value
            elif key == "da" and isinstance(value, list):
                yield from ((f"{where}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))
            else:
                yield from _danish(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _danish(value, f"{where}[{i}]")


def _kb_texts() -> list[tuple[str, str]]:
    base = kb.load()
    return [*_danish(base.raw), *_danish(base.exercises, "exercises")]


def _catalogue() -> list[str]:
    text = LOCALE.read_text(encoding="utf-8")
    ids = re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.MULTILINE)
    joined = ["".join(re.findall(r'"(.*)"', block)) for block in ids]
    return [m.replace('\\"', '"') for m in joined if m]


def test_the_knowledge_base_has_many_danish_texts() -> None:
    # The checks below must not pass because nothing was read.
    assert len(_kb_texts()) > 500


@pytest.mark.parametrize("source", ["kb", "ui"])
def test_one_quotation_style_and_no_slips(source: str) -> None:
    texts = _kb_texts() if source == "kb" else [("django.po", m) for m in _catalogue()]
    assert len(texts) > 300
    found = [
        f"{where}: {text[:90]}"
        for where, text in texts
        if STRAIGHT_QUOTES.search(text) or any(slip in text for slip in SLIPS)
    ]
    assert found == []


def test_no_iso_date_in_a_danish_sentence() -> None:
    found = [f"{w}: {t[:90]}" for w, t in _kb_texts() if ISO_DATE.search(t)]
    found += [m[:90] for m in _catalogue() if ISO_DATE.search(m)]
    assert found == []

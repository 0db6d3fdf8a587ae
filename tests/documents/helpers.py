"""Reading the PDFs back: text (pypdf), the tagged figures per page, and the font sizes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject


def reader(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces (a sentence may wrap)."""
    return " ".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    return [flat(p.extract_text()) for p in reader(pdf).pages]


FOOTER = re.compile(r" ?(Udarbejdet med|Made with) OsteoFys.*$")


def all_text(pdf: bytes) -> str:
    """The text of every page without its footer, so a sentence can run on over a page break."""
    return " ".join(FOOTER.sub("", text) for text in page_texts(pdf))


def figures_by_page(pdf: bytes) -> dict[int, list[str]]:
    """Page index -> the alt texts of the figures (images) tagged on that page.

    typst draws an SVG as vector paths (no image XObject), and tags it as a /Figure with its
    alt text in the structure tree: that is where a picture on a page can be counted.
    """
    r = reader(pdf)
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(r.pages)}
    found: dict[int, list[str]] = {}

    def walk(node: Any, page: Any) -> Iterator[tuple[int, str]]:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            for child in node:
                yield from walk(child, page)
            return
        if not isinstance(node, DictionaryObject):
            return
        page = node.get("/Pg", page)
        if node.get("/S") == "/Figure":
            yield pages[page.idnum], str(node.get("/Alt", ""))
        if "/K" in node:
            yield from walk(node["/K"], page)

    root = r.trailer["/Root"]["/StructTreeRoot"]
    for index, alt in walk(root["/K"], None):
        found.setdefault(index, []).append(alt)
    return found


def text_sizes(pdf: bytes) -> list[tuple[int, str, float]]:
    """(page index, text run, font size in pt) for every non-blank run of text."""
    runs: list[tuple[int, str, float]] = []
    for index, page in enumerate(reader(pdf).pages):

        def visit(text: str, cm: Any, tm: Any, *rest: Any, i: int = index) -> None:
            size = rest[-1]  # after the font dict: the font size, before the text matrix
            if text.strip():
                runs.append((i, text.strip(), round(size * tm[3] * cm[3], 1)))

        page.extract_text(visitor_text=visit)
    return runs

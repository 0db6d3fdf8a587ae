"""Compiles the typst templates of this package into PDF bytes, and draws the illustrations.

The data model goes to typst as one JSON string in `sys.inputs` (the exercise drawings included,
as SVG text from `osteofys.illustrations`, and the clinic's logo as a list of byte values), so
nothing is written to disk and no path from outside reaches typst. One `typst.Compiler`
is kept per process: it loads the fonts once, which is most of the cost of a cold compile.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typst

from osteofys.illustrations import render as draw

TEMPLATES = Path(__file__).resolve().parent
HANDOUT = TEMPLATES / "handout.typ"
GP_LETTER = TEMPLATES / "gp_letter.typ"

_lock = threading.Lock()
FONTS = Path(__file__).parent / "fonts"
_compiler: typst.Compiler | None = None


def illustration(exercise_id: str, raw_exercise: Mapping[str, Any], lang: str) -> str:
    """The exercise's drawing (start and end position) as SVG text, from the knowledge base."""
    return draw(exercise_id, dict(raw_exercise), lang)


def _get_compiler() -> typst.Compiler:
    global _compiler  # noqa: PLW0603 - one compiler per process, made on first use
    if _compiler is None:
        # The fonts ship with the package and system fonts are ignored, so a handout looks the
        # same on every clinic PC (DejaVu Sans: wide Nordic coverage, clear at 12 pt).
        _compiler = typst.Compiler(
            root=str(TEMPLATES), font_paths=[str(FONTS)], ignore_system_fonts=True
        )
    return _compiler


# What the templates' `image(format: ...)` is told, by the logo's content type (the web app
# accepts only these two, recognised by their first bytes).
LOGO_FORMATS = {"image/png": "png", "image/jpeg": "jpg"}


def with_logo(
    data: Mapping[str, Any], logo: bytes | None, content_type: str = ""
) -> dict[str, Any]:
    """`data` with the clinic's logo for the template's header, or with none.

    A logo that is None, empty or of another format is left out: the document is still made, without
    a logo.
    """
    fmt = LOGO_FORMATS.get(content_type)
    if not logo or fmt is None:
        return {**data, "logo": None}
    # JSON has no bytes; typst's bytes() takes an array of byte values back.
    return {**data, "logo": {"bytes": list(logo), "format": fmt}}


_LOGO_PROBE = b"#let d = json(bytes(sys.inputs.data))\n#image(bytes(d.bytes), format: d.format)"


def logo_readable(logo: bytes, content_type: str) -> bool:
    """Whether typst can draw `logo` (a file can start like a PNG and still be broken)."""
    probe = with_logo({}, logo, content_type)["logo"]
    if probe is None:
        return False
    try:
        typst.Compiler(font_paths=[str(FONTS)], ignore_system_fonts=True).compile(
            input=_LOGO_PROBE, format="pdf", sys_inputs={"data": json.dumps(probe)}
        )
    except typst.TypstError:
        return False
    return True


def compile_pdf(template: Path, data: Mapping[str, Any]) -> bytes:
    """Compile one of the package's templates with `data` (see model.py) into a PDF.

    A logo that typst cannot draw (stored before it was checked, or damaged) is left out: the
    handout or letter is still made.
    """
    data = data if "logo" in data else {**data, "logo": None}
    try:
        return _compile(template, data)
    except typst.TypstError:
        if data["logo"] is None:
            raise
        return _compile(template, {**data, "logo": None})


def _compile(template: Path, data: Mapping[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False)
    with _lock:
        # The compiler keeps state between runs; one document at a time.
        pdf = _get_compiler().compile(
            input=str(template), format="pdf", sys_inputs={"data": payload}
        )
    if not isinstance(pdf, bytes):  # pragma: no cover - typst returns bytes for one PDF
        raise TypeError("typst did not return a PDF")
    return pdf


def handout_pdf(data: Mapping[str, Any]) -> bytes:
    """The patient handout as PDF bytes, from `model.handout_data`."""
    return compile_pdf(HANDOUT, data)


def gp_letter_pdf(data: Mapping[str, Any]) -> bytes:
    """The GP letter as PDF bytes, from `model.gp_letter_data`."""
    return compile_pdf(GP_LETTER, data)

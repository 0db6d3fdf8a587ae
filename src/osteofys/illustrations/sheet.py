"""The contact sheet: every exercise's drawing as an SVG file and one index.html to look at them.

Pose data is checked by eye here after every change (docs/knowledge-base.md, "Illustrations");
`osteofys kb illustrations DIR` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from osteofys.illustrations.render import render

SHEET = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>
<style>body{{margin:12px;font:14px sans-serif}}main{{display:grid;gap:8px;
grid-template-columns:repeat({columns},{width}px)}}figure{{margin:0;border:1px solid #ccd}}
img{{display:block;width:{width}px;height:{height}px}}figcaption{{padding:2px 6px}}</style>
<main>{cells}</main></html>
"""


def write_sheet(
    out: Path,
    exercises: Mapping[str, Mapping[str, Any]],
    lang: str = "da",
    columns: int = 5,
    width: int = 320,
) -> list[Path]:
    """Write `<id>.svg` for every exercise (raw TOML by id) and an index.html of them to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written, cells = [], []
    for exercise_id in sorted(exercises):
        raw = dict(exercises[exercise_id])
        target = out / f"{exercise_id}.svg"
        target.write_text(render(exercise_id, raw, lang), "utf-8")
        written.append(target)
        name = escape(str(raw.get("name", {}).get(lang, exercise_id)))
        cells.append(
            f'<figure><img src="{target.name}" alt=""><figcaption><b>{name}</b>'
            f" <small>{exercise_id}</small></figcaption></figure>"
        )
    sheet = SHEET.format(
        lang=lang,
        title="OsteoFys illustrations",
        columns=columns,
        width=width,
        height=width * 2 // 3,
        cells="\n".join(cells),
    )
    (out / "index.html").write_text(sheet, "utf-8")
    return written

"""Draws one exercise: the scene of both keyframes, two panels side by side, as one SVG."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from osteofys.illustrations.arcs import draw_arcs
from osteofys.illustrations.canvas import Canvas, num
from osteofys.illustrations.figure import draw_figure
from osteofys.illustrations.geometry import Box, distance, sub
from osteofys.illustrations.kinematics import Figure, build
from osteofys.illustrations.props import draw_env, draw_held
from osteofys.illustrations.scene import PLACERS, Scene, place_figures
from osteofys.illustrations.solver import solve_limbs
from osteofys.illustrations.style import LABEL, PROP_LINE, WHITE
from osteofys.kb.pose import FRAMES

# The panel labels ("start" -> "slut"); a language without its own falls back to Danish.
LABELS = {"da": ("start", "slut"), "en": ("start", "end")}
QUOTE = {'"': "&quot;"}  # extra entity for attribute values


class PoseError(ValueError):
    """The pose data cannot be drawn."""


def _accent(ex: dict[str, Any], figs: list[Figure]) -> set[str]:
    """The parts drawn in the accent colour: as given, else every limb whose end moves."""
    given = ex.get("accent")
    if given is not None:
        return {str(g) for g in given}
    found: set[str] = set()
    for limb in figs[0].limbs():
        side, kind = limb.split("_")
        root = f"{side}_{'shoulder' if kind == 'arm' else 'hip'}"
        end = f"{side}_{'wrist' if kind == 'arm' else 'ankle'}"
        before = sub(figs[0].pts[end], figs[0].pts[root])
        after = sub(figs[1].pts[end], figs[1].pts[root])
        if distance(before, after) > 15:
            found.add(limb)
    return found or {"trunk"}


def build_scene(ex: dict[str, Any]) -> tuple[Scene, list[Figure]]:
    view = str(ex.get("view", "side"))
    props = [str(p) for p in ex.get("props", [])]
    opts = {p: dict(ex[p]) for p in props if isinstance(ex.get(p), dict)}
    scene = Scene(props=props, opts=opts, view=view)
    figs = [build(dict(ex[name]), view) for name in FRAMES]
    place_figures(scene, figs)
    for prop in props:
        if prop in PLACERS:
            PLACERS[prop](scene, figs)
    for fig in figs:
        solve_limbs(scene, fig)
    return scene, figs


def render(exercise_id: str, raw: dict[str, Any], lang: str = "da") -> str:
    """The illustration of one exercise (the TOML dict `raw`) as an SVG document."""
    ex = raw.get("illustration")
    if not isinstance(ex, dict):
        raise PoseError(f"{exercise_id}: no [illustration] table")
    names = raw.get("name", {})
    title = str(names.get(lang) or names.get("da") or exercise_id)
    scene, figs = build_scene(ex)
    accent = _accent(ex, figs)
    panels: list[Canvas] = []
    for i, fig in enumerate(figs):
        c = Canvas()
        draw_env(c, scene, figs)
        draw_held(c, scene, fig)
        draw_figure(c, fig, accent)
        if i == 1 and "arc" in ex:
            draw_arcs(c, ex["arc"], figs)
        panels.append(c)
    box = Box()
    for c in panels:
        box.union(c.box)
    return _compose(exercise_id, title, LABELS.get(lang, LABELS["da"]), panels, box)


def _compose(
    exercise_id: str, title: str, labels: tuple[str, str], panels: list[Canvas], box: Box
) -> str:
    """Two panels side by side on a 3:2 page; labels and arrow scale with the page."""
    pad, gap, share, margin = 10.0, 46.0, 0.085, 22.0
    pw = box.x1 - box.x0 + 2 * margin
    ph = max(box.y1, 0.0) - min(box.y0, -4.0) + 2 * pad
    width = 2 * pw + gap
    out_h = max(ph / (1 - share), width / 1.5)
    out_w = max(width, out_h * 1.5)
    label_h = share * out_h
    font = 0.78 * label_h
    ox, oy = (out_w - width) / 2, (out_h - ph - label_h) / 2
    body: list[str] = []
    for i, c in enumerate(panels):
        left = ox + i * (pw + gap)
        tx, ty = left + margin - box.x0, oy + label_h + pad + max(box.y1, 0.0)
        floor = (
            f'<line x1="{num(box.x0 - margin + 4)}" y1="0" x2="{num(box.x1 + margin - 4)}"'
            f' y2="0" stroke="{PROP_LINE}" stroke-width="3" stroke-linecap="round"/>'
        )
        body.append(
            f'<g class="panel panel-{FRAMES[i]}" transform="translate({num(tx)} {num(ty)})">'
            f'{floor}<g class="figure">{c.svg()}</g></g>'
            f'<text x="{num(left + pw / 2)}" y="{num(oy + font)}" text-anchor="middle"'
            f' font-family="Helvetica, Arial, sans-serif" font-size="{num(font)}"'
            f' font-weight="bold" fill="{LABEL}">{escape(labels[i])}</text>'
        )
    ax = ox + pw + gap / 2
    ay = oy + label_h + pad + (max(box.y1, 0.0) - max(box.y0, 0.0)) * 0.55
    k = out_h / 300
    body.append(
        f'<path class="arrow" d="M{num(ax - 14 * k)},{num(ay)} H{num(ax + 8 * k)}'
        f" M{num(ax + 3 * k)},{num(ay - 10 * k)} L{num(ax + 16 * k)},{num(ay)}"
        f' L{num(ax + 3 * k)},{num(ay + 10 * k)}" stroke="{LABEL}" stroke-width="{num(5 * k)}"'
        ' stroke-linecap="round" stroke-linejoin="round" fill="none"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(out_w)} {num(out_h)}"'
        ' width="60mm" height="40mm" role="img" class="exercise-illustration"'
        f' data-exercise="{escape(exercise_id, QUOTE)}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{num(out_w)}" height="{num(out_h)}" fill="{WHITE}"/>'
        + "".join(body)
        + "</svg>"
    )

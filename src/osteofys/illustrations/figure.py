"""Draws the figure: body parts in their colour and layer, the face and the marks on it."""

from __future__ import annotations

import math

from osteofys.illustrations.canvas import Canvas
from osteofys.illustrations.geometry import Point, add, unit
from osteofys.illustrations.kinematics import Figure, body_parts
from osteofys.illustrations.measures import ANKLE_H
from osteofys.illustrations.style import (
    ACCENT,
    ACCENT_FAR,
    BACK,
    BODY,
    FAR,
    INK,
    INK_FAR,
    NEAR,
    NEAR_LEG,
    PROP_MID,
    TOP,
    WHITE,
)


def _colors(fig: Figure, accent: set[str]) -> dict[str, tuple[str, int]]:
    """Colour and layer of every part group."""
    out: dict[str, tuple[str, int]] = {}
    for side in fig.sides:
        far = fig.view == "side" and side == "far"
        for limb in ("arm", "leg"):
            group = f"{side}_{limb}"
            hot = group in accent or f"{limb}s" in accent
            if far:
                out[group] = (ACCENT_FAR if hot else INK_FAR, FAR)
            elif fig.view == "front" and limb == "leg":
                out[group] = (ACCENT if hot else INK, FAR)
            else:
                out[group] = (ACCENT if hot else INK, NEAR if limb == "arm" else NEAR_LEG)
    out["torso"] = (ACCENT if "trunk" in accent else INK, BODY)
    out["head"] = (ACCENT if "head" in accent else INK, BODY)
    return out


def draw_figure(c: Canvas, fig: Figure, accent: set[str]) -> None:
    colors = _colors(fig, accent)
    for part in body_parts(fig):
        color, layer = colors[part.group]
        if part.kind == "poly":
            c.poly(layer, part.pts, fill=color, stroke=color, width=part.width, smooth=True)
        elif part.kind == "circle":
            c.circle(layer, part.pts[0], part.width / 2, fill=color)
        else:
            c.line(layer, part.pts, width=part.width, color=color)
    if fig.view == "side":
        _draw_face(c, fig, colors["head"][0])
    if fig.spec.get("prints") and fig.view == "side":
        _draw_prints(c, fig, str(fig.spec["prints"]), colors)
    if fig.spec.get("breath") == "in" and fig.view == "side":
        _draw_breath(c, fig)
    if fig.spec.get("impact"):
        _draw_impact(c, fig, str(fig.spec["impact"]))


def _draw_face(c: Canvas, fig: Figure, color: str) -> None:
    hu = fig.pts["head_dir"]
    hf = fig.fwd(hu)
    h = fig.pts["head"]
    nose = [add(h, (9.5, hf), (3.5, hu)), add(h, (13.5, hf), (-1.5, hu))]
    c.poly(BODY, [*nose, add(h, (8.5, hf), (-4.0, hu))], fill=color, stroke=color, width=1.5)
    eye = add(h, (5.0, hf), (2.5, hu))
    eyes = fig.spec.get("eyes")
    if eyes == "closed":
        lid = [add(eye, (-3.2, hf), (1.0, hu)), add(eye, (0.0, hf), (-1.2, hu))]
        c.line(BODY, [*lid, add(eye, (3.2, hf), (1.0, hu))], width=2.2, color=WHITE)
    else:
        c.circle(BODY, eye, 2.0, fill=WHITE)
    if eyes in ("open", "closed"):  # a large eye sign in front of the face, legible in print
        _eye_sign(c, add(h, (27.0, (fig.facing, 0.0)), (9.0, (0.0, 1.0))), eyes == "open")


def _eye_sign(c: Canvas, at: Point, is_open: bool) -> None:
    """An open eye, or a closed one with lashes, in the accent colour."""
    steps = [math.radians(a) for a in range(0, 181, 20)]
    lower = [(at[0] + 9.0 * math.cos(t), at[1] - 5.0 * math.sin(t)) for t in steps]
    c.line(TOP, lower, width=2.6, color=ACCENT)
    if is_open:
        upper = [(x, 2 * at[1] - y) for x, y in lower]
        c.line(TOP, upper, width=2.6, color=ACCENT)
        c.circle(TOP, at, 2.8, fill=ACCENT)
        return
    for dx in (-5.5, 0.0, 5.5):
        base = (at[0] + dx, at[1] - 4.6 + abs(dx) * 0.25)
        c.line(TOP, [base, (at[0] + dx * 1.4, at[1] - 8.5)], width=2.0, color=ACCENT)


def _draw_breath(c: Canvas, fig: Figure) -> None:
    """Two small arrows out of the chest: breathing in."""
    p = fig.pts
    u = unit(p["shoulder"], p["waist"])
    f = fig.fwd(u)
    for base, d in (
        (add(p["waist"], (14.0, u), (15.0, f)), f),
        (add(p["shoulder"], (-2.0, u), (17.0, f)), add(f, (1.0, u))),
    ):
        end = add(base, (9.0, unit(add(base, (1.0, d)), base)))
        c.line(TOP, [base, end], width=2.6, color=ACCENT)
        c.arrowhead(base, end, 7.0)


def _draw_impact(c: Canvas, fig: Figure, impact: str) -> None:
    """Short strokes at the heel: the foot lands with a thump."""
    sides = fig.sides if impact == "feet" else (impact.split("_", maxsplit=1)[0],)
    for side in sides:
        heel = fig.pts[f"{side}_heel"][0]
        for dx, dy, ex, ey in ((-9.0, 2.0, -17, 8.0), (-10.0, 9.0, -18, 17.0), (8.0, 2.0, 16, 8.0)):
            stroke = [(heel + dx * fig.facing, dy), (heel + ex * fig.facing, ey)]
            c.line(TOP, stroke, width=2.6, color=ACCENT)


def _draw_prints(c: Canvas, fig: Figure, mode: str, colors: dict[str, tuple[str, int]]) -> None:
    """The feet seen from above, on a strip below the floor line (a floor plan)."""
    lanes = {"apart": (-17.0, -33.0), "semi": (-21.0, -29.0), "line": (-25.0, -25.0)}[mode]
    strip = (fig.pts["hip"][0] - 48, -42.0)
    c.rect(BACK, strip, (96.0, 34.0), fill="#f3f5f7", stroke=PROP_MID, width=1.5, r=3)
    f = fig.facing
    for side, lane in zip(("far", "near"), lanes, strict=True):
        if fig.pts[f"{side}_ankle"][1] > ANKLE_H + 6:
            continue  # a lifted foot leaves no print
        heel, toe = fig.pts[f"{side}_heel"][0], fig.pts[f"{side}_toe"][0]
        n = abs(toe - heel)
        back = min(heel, toe) if f > 0 else max(heel, toe)
        outline = [
            (0.0, 0.0), (0.1, 3.6), (0.55, 3.4), (0.9, 4.8), (1.0, 1.0), (0.95, -3.6),
            (0.5, -3.8), (0.1, -3.6),
        ]  # fmt: skip
        shape = [(back + k * n * f, lane + dy) for k, dy in outline]
        c.poly(BACK, shape, fill=WHITE, stroke=colors[f"{side}_leg"][0], width=2.4, smooth=True)

"""Motion arcs: dashed arrows in the end panel from where a point was to where it is."""

from __future__ import annotations

import math
from typing import Any

from osteofys.illustrations.canvas import Canvas
from osteofys.illustrations.geometry import (
    Point,
    add,
    bearing,
    direction,
    distance,
    sub,
    wrap_degrees,
)
from osteofys.illustrations.kinematics import Figure
from osteofys.illustrations.style import ACCENT, ARC_DASH, TOP
from osteofys.kb.pose import ARC_MARKS


def draw_arcs(c: Canvas, spec: Any, figs: list[Figure]) -> None:
    """Dashed arrows in the end panel from where a point was at the start to where it is."""
    for entry in spec if isinstance(spec, list) else [spec]:
        if isinstance(entry, dict):
            point, around, bend = str(entry["point"]), entry.get("around"), entry.get("bend", 1)
        else:
            point, around, bend = str(entry), None, 1
        if point in ARC_MARKS:
            pts = {"turn": _turn, "roll": _roll, "head_turn": _head_turn}[point](figs[1])
        else:
            a, b = figs[0].pts[point], figs[1].pts[point]
            if around is not None:
                pivot = figs[1].pts[str(around)]
                r = (distance(pivot, a) + distance(pivot, b)) / 2 + 9
                a0 = bearing(sub(a, pivot))
                span = wrap_degrees(bearing(sub(b, pivot)) - a0)
                pts = [add(pivot, (r, direction(a0 + span * i / 16))) for i in range(17)]
            else:
                chord = sub(b, a)
                ctrl = add(a, (0.5, chord), (0.25 * float(bend), (-chord[1], chord[0])))
                pts = [_bezier(a, ctrl, b, i / 16) for i in range(17)]
            length = sum(distance(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
            pts = _trim(pts, min(6.0, 0.15 * length), min(9.0, 0.2 * length))
        if len(pts) >= 2:
            c.line(TOP, pts, width=2.6, color=ACCENT, extra=ARC_DASH)
            c.arrowhead(pts[-2], pts[-1], 9.0)


def _turn(fig: Figure) -> list[Point]:
    """An ellipse on the floor around the feet: the figure turned on the spot."""
    x = sum(fig.pts[f"{s}_ankle"][0] for s in fig.sides) / 2
    return [
        (x + 30 * math.cos(math.radians(a)), 2 + 9 * math.sin(math.radians(a)))
        for a in range(200, 520, 15)
    ]


def _head_turn(fig: Figure) -> list[Point]:
    """A flat ellipse above the head: the head turned from side to side, the body still."""
    x, y = fig.pts["head"]
    return [
        (x + 17 * math.cos(math.radians(a)), y + 19 + 5 * math.sin(math.radians(a)))
        for a in range(200, 500, 15)
    ]


def _roll(fig: Figure) -> list[Point]:
    """A small circle above the waist: the body rolled about its long axis."""
    centre = add(fig.pts["waist"], (34.0, (0.0, 1.0)))
    return [add(centre, (13.0, direction(a))) for a in range(-120, 150, 10)]


def _bezier(a: Point, ctrl: Point, b: Point, t: float) -> Point:
    s = 1 - t
    return add((0.0, 0.0), (s * s, a), (2 * s * t, ctrl), (t * t, b))


def _trim(pts: list[Point], start: float, end: float) -> list[Point]:
    """Drop the points within `start` of the beginning and `end` of the end of a polyline."""
    total = sum(distance(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
    if total < start + end + 4:
        return []
    out: list[Point] = []
    run = 0.0
    for i, pt in enumerate(pts):
        if i:
            run += distance(pts[i - 1], pt)
        if start <= run <= total - end:
            out.append(pt)
    return out

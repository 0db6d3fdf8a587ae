"""Draws the props: the environment (the same in both panels) and what the figure holds."""

from __future__ import annotations

from collections.abc import Callable

from osteofys.illustrations.canvas import Canvas
from osteofys.illustrations.geometry import Box, Point, add, unit
from osteofys.illustrations.kinematics import Figure
from osteofys.illustrations.measures import BAR_Y, RAIL_H, SEAT_DEPTH
from osteofys.illustrations.scene import Scene
from osteofys.illustrations.solver import bar_on_back, dowel_line, grip
from osteofys.illustrations.style import (
    BACK,
    BAND,
    BAND_FAR,
    FAR_PROP,
    MAT_FILL,
    MID,
    NEAR_PROP,
    PROP_DARK,
    PROP_FAR,
    PROP_FILL,
    PROP_LINE,
    PROP_MID,
    PROP_PALE,
    TOP,
    WHITE,
)


def draw_env(c: Canvas, scene: Scene, figs: list[Figure]) -> None:
    v = scene.values
    face = figs[0].facing
    if scene.has("mat"):
        c.rect(BACK, (v["bed_x0"], 0.0), (v["bed_x1"] - v["bed_x0"], 2.0), fill=MAT_FILL, r=1)
    if scene.has("bed"):
        _draw_bed(c, scene)
    if scene.has("wall"):
        x0 = v["wall_x"] if v["wall_side"] > 0 else v["wall_x"] - 14
        c.rect(BACK, (x0, 0.0), (14.0, 215.0), r=0)
    if scene.has("door"):
        c.rect(BACK, (v["door_x"], 0.0), (6.0, 205.0), r=0)
        c.rect(BACK, (v["door_x"] - 2, 205.0), (10.0, 8.0), r=0)
    if scene.has("chair"):
        _draw_chair(c, scene)
    for name in ("counter", "table"):
        if scene.has(name):
            _draw_counter(c, scene, name, figs)
    if scene.has("step"):
        w = v["step_w"]
        c.rect(BACK, (v["step_x"] - w / 2, 0.0), (w, v["step_h"]))
    if scene.has("stairs"):
        _draw_stairs(c, scene)
    if scene.has("pull_up_bar"):
        bx, by = scene.opt("pull_up_bar", "x", 0.0), scene.opt("pull_up_bar", "y", BAR_Y)
        post = bx + 45 * face
        frame = [(post, 0.0), (post, by + 12), (bx, by + 12), (bx, by)]
        c.line(BACK, frame, width=5.0, color=PROP_LINE)
        c.line(BACK, [(post - 18, 0.0), (post + 18, 0.0)], width=6.0, color=PROP_LINE)
        c.circle(TOP, (bx, by), 3.5, fill=PROP_DARK)
    if scene.has("bike"):
        _draw_bike(c, scene, face)


def _draw_bed(c: Canvas, scene: Scene) -> None:
    v = scene.values
    top = scene.opt("bed", "top", 50.0)
    x0, x1 = v["bed_x0"], v["bed_x1"]
    c.rect(BACK, (x0, top - 16), (x1 - x0, 16), r=3)  # mattress
    c.rect(BACK, (x0 - 4, top - 24), (x1 - x0 + 8, 8), fill=PROP_MID, r=1)  # frame
    for x in (x0 + 2, x1 - 8):
        c.rect(BACK, (x, 0.0), (6.0, top - 24), fill=PROP_MID, r=0)
    head_x = x0 - 10 if v["bed_head"] < 0 else x1 + 4
    c.rect(BACK, (head_x, 0.0), (6.0, top + 28), fill=PROP_MID, r=1)  # headboard
    pillow_x = x0 + 4 if v["bed_head"] < 0 else x1 - 36
    c.rect(BACK, (pillow_x, top), (32.0, 8.0), fill=WHITE, r=4)


def _draw_chair(c: Canvas, scene: Scene) -> None:
    v = scene.values
    seat, x, face = v["chair_seat"], v["chair_x"], v["chair_face"]
    front = x + SEAT_DEPTH * face
    c.rect(BACK, (min(x, front), seat - 5), (SEAT_DEPTH, 5.0), fill=PROP_DARK, stroke=PROP_DARK)
    for lx in (x + 2 * face, front - 2 * face):
        c.line(BACK, [(lx, seat - 5), (lx, 0.0)], width=3.5, color=PROP_DARK)
    back = scene.opt("chair", "back", 42.0)
    if back > 0:
        upright = [(x + 2 * face, seat - 5), (x - 2 * face, seat + back)]
        c.line(BACK, upright, width=3.5, color=PROP_DARK)
        top_rail = [(x - 1 * face, seat + back - 16), (x - 2.5 * face, seat + back)]
        c.line(BACK, top_rail, width=7.0, color=PROP_DARK)
    if scene.opts.get("chair", {}).get("arms"):
        c.line(BACK, [(x, seat + 22), (x + 37 * face, seat + 22)], width=4.5, color=PROP_DARK)
        post = [(x + 34 * face, seat + 22), (x + 34 * face, seat)]
        c.line(BACK, post, width=3.0, color=PROP_DARK)


def _draw_counter(c: Canvas, scene: Scene, name: str, figs: list[Figure]) -> None:
    v = scene.values
    top, face = v[f"{name}_top"], figs[0].facing
    if v[f"{name}_behind"]:  # seen from the front, behind the figure
        box = Box()
        for fig in figs:
            for pt in fig.pts.values():
                box.add(pt)
        x0, x1 = box.x0 - 40, box.x1 + 40
        if name == "counter":
            c.rect(BACK, (x0, 0.0), (x1 - x0, top - 4), fill="#f1f4f6", stroke=PROP_PALE, r=0)
            c.rect(BACK, (x0, 0.0), (x1 - x0, 9.0), fill="#dfe5e9", stroke=PROP_PALE, r=0)
            x = x0 + 42.0
            while x < x1 - 10:  # cupboard doors
                c.line(BACK, [(x, 12.0), (x, top - 8)], width=1.5, color=PROP_PALE)
                x += 42.0
        else:
            for lx in (x0 + 8, x1 - 12):
                c.rect(BACK, (lx, 0.0), (4.0, top - 4), fill=PROP_MID, stroke=PROP_PALE, r=0)
        c.rect(BACK, (x0 - 4, top - 4), (x1 - x0 + 8, 4.0), fill=PROP_MID)
        return
    x = v[f"{name}_x"]
    depth = 60.0 if name == "counter" else 80.0
    lo = x if face > 0 else x - depth
    if name == "counter":
        cabinet = lo + (4 if face > 0 else 0)
        c.rect(BACK, (cabinet, 0.0), (depth - 4, top - 4), r=0)
        c.rect(BACK, (cabinet, 0.0), (depth - 4, 10), fill=PROP_MID, r=0)
        c.rect(BACK, (lo - 2, top - 4), (depth + 4, 4.5), fill=PROP_MID)
    else:
        c.rect(BACK, (lo - 1, top - 4), (depth + 2, 4.5), fill=PROP_MID)
        for lx in (lo + 3, lo + depth - 7):
            c.rect(BACK, (lx, 0.0), (4.0, top - 4), fill=PROP_MID, r=0)


def _draw_stairs(c: Canvas, scene: Scene) -> None:
    v = scene.values
    x0, rise, run = v["stairs_x"], v["stairs_rise"], v["stairs_run"]
    n = int(scene.opt("stairs", "n", 4))
    pts: list[Point] = [(x0, 0.0)]
    for k in range(1, n + 1):
        pts += [(x0 + run * (k - 1), rise * k), (x0 + run * k, rise * k)]
    pts += [(x0 + run * n, 0.0)]
    c.poly(BACK, pts, fill=PROP_FILL, stroke=PROP_LINE, width=2.5)
    rail = [(x0 - 10, RAIL_H), (x0 + run * n, RAIL_H + rise * n)]
    c.line(BACK, rail, width=4.0, color=PROP_DARK)
    for k in (0, n):
        px = x0 + run * k - (10 if k == 0 else 14)
        post = [(px, rise * k if k else 0.0), (px, RAIL_H + rise * (px - x0 + 10) / run)]
        c.line(BACK, post, width=3.0, color=PROP_LINE)


def _draw_bike(c: Canvas, scene: Scene, face: float) -> None:
    v = scene.values
    cx, cy, r = v["crank_x"], v["crank_y"], v["crank_r"]
    saddle, sx = v["saddle"], v["bike_x"]
    bar = (cx + 22 * face, saddle + 30)
    frame = [
        [(sx - 35 * face, 0.0), (sx + 75 * face, 0.0)],  # base
        [(sx - 4 * face, saddle - 3), (cx, cy), (cx + 30 * face, 0.0)],
        [(cx, cy), (bar[0] - 6 * face, bar[1] - 2)],
        [(bar[0] - 8 * face, bar[1]), (bar[0] + 2 * face, bar[1] + 2)],  # handlebar
    ]
    for width, pts in zip((8.0, 6.0, 6.0, 5.0), frame, strict=True):
        c.line(BACK, pts, width=width, color=PROP_DARK)
    c.circle(BACK, (cx + 38 * face, cy + 4), 20.0, fill=PROP_FILL, stroke=PROP_LINE, width=2.5)
    seat = [(sx - 10 * face, saddle - 2), (sx + 12 * face, saddle - 1)]
    c.line(BACK, seat, width=6.0, color=PROP_DARK)
    c.circle(BACK, (cx, cy), r, fill="none", stroke=PROP_PALE, width=2.0)


def draw_held(c: Canvas, scene: Scene, fig: Figure) -> None:
    """Props that move with the figure."""
    for side in fig.sides:
        hand = grip(fig, side)
        far = fig.view == "side" and side == "far"
        layer = FAR_PROP if far else NEAR_PROP
        if scene.has("dumbbells") and scene.opts.get("dumbbells", {}).get("hand", "both") in (
            "both",
            side,
        ):
            _dumbbell(c, layer, hand, far)
        if scene.has("poles"):
            tip = (hand[0] - 0.32 * hand[1] * fig.facing, 0.0)
            pole = [add(hand, (5.0, unit(hand, tip))), tip]
            c.line(layer, pole, width=3.0, color=PROP_FAR if far else PROP_DARK)
        if scene.has("bag"):
            _bag(c, layer, hand, far)
    near = grip(fig, fig.sides[0])
    for prop, draw in HELD.items():
        if scene.has(prop):
            draw(c, scene, fig, near)


def _dumbbell(c: Canvas, layer: int, hand: Point, far: bool) -> None:
    color = PROP_FAR if far else PROP_DARK
    x, y = hand
    c.line(layer, [(x - 8, y), (x + 8, y)], width=3.0, color=color)
    for dx in (-9.5, 9.5):
        c.rect(layer, (x + dx - 2.5, y - 6.5), (5.0, 13.0), fill=color, stroke=color, width=1)


def _bag(c: Canvas, layer: int, hand: Point, far: bool) -> None:
    x, y = hand
    color, fill = (PROP_FAR, "#eef1f3") if far else (PROP_DARK, "#f4e9d8")
    c.line(layer, [(x - 5, y - 8), (x, y + 1), (x + 5, y - 8)], width=2.5, color=color)
    body = [(x - 11, y - 8), (x + 11, y - 8), (x + 12, y - 36), (x - 12, y - 36)]
    c.poly(layer, body, fill=fill, stroke=color, width=2.5)


def _kettlebell(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene, fig
    x, y = at
    handle = [(x - 6, y - 1), (x - 5, y + 5), (x + 5, y + 5), (x + 6, y - 1)]
    c.line(NEAR_PROP, handle, width=3.0, color=PROP_DARK)
    c.circle(NEAR_PROP, (x, y - 11), 10.5, fill=PROP_LINE)
    c.rect(NEAR_PROP, (x - 7, y - 22.5), (14, 2.5), fill=PROP_LINE, stroke=PROP_LINE, width=1)


def _barbell(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    on_back = scene.opts.get("barbell", {}).get("on") == "back"
    centre = bar_on_back(fig) if on_back else at
    c.circle(MID, centre, 22.5, fill="#d8dee3", stroke=PROP_DARK, width=3.0)  # plate
    c.circle(MID, centre, 8.0, fill="#aab5be", stroke=PROP_DARK, width=2.0)
    c.circle(TOP if on_back else NEAR_PROP, centre, 2.8, fill=PROP_DARK)  # the bar end-on


def _dowel_prop(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene, at
    c.line(MID, list(dowel_line(fig)), width=4.0, color="#a0703a")


def _stick(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene
    face = fig.facing
    shaft = [add(at, (-3.0, (0.0, 1.0)), (4.0 * face, (1.0, 0.0))), (at[0] + 8 * face, 0.0)]
    c.line(NEAR_PROP, shaft, width=3.5, color=PROP_DARK)
    grip = [(at[0] - 4 * face, at[1] + 1), (at[0] + 6 * face, at[1] + 1)]
    c.line(NEAR_PROP, grip, width=4.0, color=PROP_DARK)


def _rollator(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene
    (x, y), face = at, fig.facing
    rear, front = (x - 4 * face, 9.0), (x + 42 * face, 9.0)
    for width, pts in (
        (5.0, [(x - 2 * face, y + 1), (x + 8 * face, y + 1)]),  # handle
        (3.5, [(x + 4 * face, y), rear]),
        (3.5, [(x + 6 * face, y - 4), front]),
        (3.0, [(x + 2 * face, 52.0), (x + 30 * face, 52.0)]),  # seat
    ):
        c.line(NEAR_PROP, pts, width=width, color=PROP_DARK)
    for wheel in (rear, front):
        c.circle(NEAR_PROP, wheel, 9.0, fill=WHITE, stroke=PROP_DARK, width=3.0)


def _box(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene, fig
    corner = (at[0] - 14, at[1] - 14)
    c.rect(NEAR_PROP, corner, (28, 26), fill="#e3cfae", stroke="#8a6a3d", width=2.5, r=1)


def _cup(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene, fig
    x, y = at
    cup = [(x - 4, y - 6), (x + 4, y - 6), (x + 5, y + 6), (x - 5, y + 6)]
    c.poly(NEAR_PROP, cup, fill=WHITE, stroke=PROP_DARK, width=2.5)


def _band(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del at
    opts = scene.opts.get("band", {})
    src = opts.get("from")
    if src is None:  # held between the hands
        c.line(TOP, [grip(fig, s) for s in fig.sides], width=4.5, color=BAND)
        return
    if src == "chair_leg":
        v = scene.values
        start = (v["chair_x"] + 3 * v["chair_face"], 6.0)
    else:
        start = (float(src[0]), float(src[1]))
    to = opts.get("to", "hands")
    ends = [grip(fig, s) for s in fig.sides] if to == "hands" else [fig.pts[str(to)]]
    for i, end in enumerate(ends):
        far = fig.view == "side" and i == 1
        layer, width = (FAR_PROP, 3.0) if far else (NEAR_PROP, 3.5)
        c.line(layer, [start, end], width=width, color=BAND_FAR if far else BAND)
    c.circle(BACK, start, 3.5, fill=PROP_DARK)


HELD: dict[str, Callable[[Canvas, Scene, Figure, Point], None]] = {
    "kettlebell": _kettlebell,
    "barbell": _barbell,
    "dowel": _dowel_prop,
    "stick": _stick,
    "rollator": _rollator,
    "box": _box,
    "cup": _cup,
    "band": _band,
}

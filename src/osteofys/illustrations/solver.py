"""The joint solver: where a hand or foot is sent, and the two-bone IK that puts the limb there."""

from __future__ import annotations

import math
from collections.abc import Callable

from osteofys.illustrations.geometry import Point, add, bearing, direction, distance, sub, unit
from osteofys.illustrations.kinematics import Figure, foot, front_foot
from osteofys.illustrations.measures import ANKLE_H, FOREARM, HAND, RAIL_H, SHANK, THIGH, UPPER_ARM
from osteofys.illustrations.scene import Scene


def _solve(root: Point, target: Point, lengths: Point, sign: float) -> tuple[Point, Point]:
    """Two-bone IK: the middle joint and the end point; `sign` picks the bend direction."""
    a, b = lengths
    d = distance(root, target)
    base = bearing(sub(target, root)) if d > 1e-6 else 0.0
    d = max(abs(a - b) + 0.01, min(d, a + b - 0.01))
    cos_a = (a * a + d * d - b * b) / (2 * a * d)
    alpha = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    return add(root, (a, direction(base + sign * alpha))), add(root, (d, direction(base)))


Target = Callable[[Scene, Figure, str], Point]


def _t_counter(name: str) -> Target:
    def target(scene: Scene, fig: Figure, side: str) -> Point:
        top = scene.values[f"{name}_top"] + 4.5
        shoulder = fig.pts[f"{side}_shoulder"]
        if not scene.values[f"{name}_behind"]:
            anchor = scene.anchors[name]
            return (anchor[0], anchor[1] - (3.0 if side == "far" else 0.0))
        if fig.view == "front":
            return (shoulder[0] + (13.0 if side == "right" else -13.0), top)
        return (shoulder[0] + 16 * fig.facing, top)

    return target


def _t_tread(name: str) -> Target:
    def target(scene: Scene, fig: Figure, side: str) -> Point:
        del side
        anchor = scene.anchors[name]
        return (anchor[0] - 4 * fig.facing, anchor[1] + ANKLE_H)

    return target


def _t_wall(scene: Scene, fig: Figure, side: str) -> Point:
    del fig
    wall = scene.anchors["wall"]
    return (wall[0], wall[1] - (4.0 if side == "far" else 0.0))


def _t_pedal(scene: Scene, fig: Figure, side: str) -> Point:
    v = scene.values
    angle = float(fig.spec.get("crank", 0.0)) + (180.0 if side == "far" else 0.0)
    return add(
        (v["crank_x"], v["crank_y"]), (v["crank_r"], direction(angle)), (ANKLE_H, (0.0, 1.0))
    )


def _t_rail(scene: Scene, fig: Figure, side: str) -> Point:
    v = scene.values
    x = fig.pts[f"{side}_shoulder"][0] + 14 * fig.facing
    return (x, RAIL_H + v["stairs_rise"] * (x - v["stairs_x"] + 10) / v["stairs_run"] + 4)


def _t_handlebar(scene: Scene, fig: Figure, side: str) -> Point:
    del side
    return (scene.values["crank_x"] + 22 * fig.facing, scene.values["saddle"] + 30)


def _t_dowel(top: bool) -> Target:
    def target(scene: Scene, fig: Figure, side: str) -> Point:
        del scene, side
        high, low = dowel_line(fig)
        u = unit(high, low)
        return add(high, (-40.0, u)) if top else add(low, (26.0, u))

    return target


def _t_chest(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    if fig.view == "front":
        return add(s, (-14.0, (0.0, 1.0)), (-7.0 if side == "left" else 7.0, (1.0, 0.0)))
    u = unit(s, w)
    return add(s, (-11.0, u), (13.0, fig.fwd(u)))


def _t_ribs(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    u = unit(s, w)
    if fig.view == "front":
        return add(w, (6.0, u), (-13.0 if side == "left" else 13.0, (1.0, 0.0)))
    return add(w, (8.0, u), (3.0, fig.fwd(u)))


def _t_thighs(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    h, k = fig.pts[f"{side}_hip"], fig.pts[f"{side}_knee"]
    return add(h, (0.6, sub(k, h)), (9.0, (0.0, 1.0)))


def _t_bed(scene: Scene, fig: Figure, side: str) -> Point:
    if fig.view == "front":
        x = fig.pts["shoulder"][0] + 22
    else:
        x = fig.pts[f"{side}_shoulder"][0] + 12 * fig.facing
    return (x, scene.opt("bed", "top", 50.0) + 4.5)


TARGET_FNS: dict[str, Target] = {
    "counter": _t_counter("counter"),
    "table": _t_counter("table"),
    "wall": _t_wall,
    "step": _t_tread("step"),
    "stair1": _t_tread("stair1"),
    "stair2": _t_tread("stair2"),
    "stair3": _t_tread("stair3"),
    "rail": _t_rail,
    "pedal": _t_pedal,
    "handlebar": _t_handlebar,
    "barbell": lambda scene, fig, side: bar_on_back(fig),
    "dowel_top": _t_dowel(top=True),
    "dowel_low": _t_dowel(top=False),
    "chair_seat": lambda scene, fig, side: scene.anchors["chair_seat"],
    "chair_arm": lambda scene, fig, side: scene.anchors["chair_arm"],
    "bed": _t_bed,
    "chest": _t_chest,
    "ribs": _t_ribs,
    "thighs": _t_thighs,
    "floor": lambda scene, fig, side: (fig.pts[f"{side}_ankle"][0], ANKLE_H),
}


def solve_limbs(scene: Scene, fig: Figure) -> None:
    p = fig.pts
    for limb, target in sorted(fig.ik.items()):
        side, kind = limb.split("_")
        if isinstance(target, list):
            goal = (float(target[0]), float(target[1]))
        else:
            goal = TARGET_FNS[str(target)](scene, fig, side)
        outward = -1.0 if side == "left" else 1.0
        if kind == "arm":
            f = fig.fore.get(limb, 1.0)
            sign = -fig.facing if fig.view == "side" else outward
            lengths = (UPPER_ARM * f, FOREARM * f)
            elbow, wrist = _solve(p[f"{side}_shoulder"], goal, lengths, sign)
            p[f"{side}_elbow"], p[f"{side}_wrist"] = elbow, wrist
            p[f"{side}_hand"] = add(wrist, (HAND, unit(wrist, elbow)))
        else:
            sign = fig.facing if fig.view == "side" else outward
            knee, ankle = _solve(p[f"{side}_hip"], goal, (THIGH, SHANK), sign)
            p[f"{side}_knee"], p[f"{side}_ankle"] = knee, ankle
            if fig.view == "side":
                foot(p, side, ankle, 90.0 * fig.facing, 0.0)
            else:
                front_foot(p, side, ankle)


def bar_on_back(fig: Figure) -> Point:
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    u = unit(s, w)
    return add(s, (-3.0, u), (-11.0, fig.fwd(u)))


def dowel_line(fig: Figure) -> tuple[Point, Point]:
    h, s = fig.pts["hip"], fig.pts["shoulder"]
    u = unit(s, h)
    f = fig.fwd(u)
    return add(s, (44.0, u), (-14.5, f)), add(h, (-28.0, u), (-14.5, f))


def grip(fig: Figure, side: str) -> Point:
    """Where the hand holds a handle: a little past the middle of the hand."""
    w, h = fig.pts[f"{side}_wrist"], fig.pts[f"{side}_hand"]
    return add(w, (0.6, sub(h, w)))

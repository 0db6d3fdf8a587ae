"""The scene: the props placed once for both panels, and the figures put on their surface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from osteofys.illustrations.geometry import Box, Point
from osteofys.illustrations.kinematics import Figure, body_parts, buttock, lowest
from osteofys.illustrations.measures import BAR_Y


@dataclass
class Scene:
    """The environment (the same in both panels) and the places hands and feet can go to."""

    props: list[str]
    opts: dict[str, dict[str, Any]]
    view: str
    anchors: dict[str, Point] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)

    def opt(self, prop: str, key: str, default: float) -> float:
        return float(self.opts.get(prop, {}).get(key, default))

    def has(self, prop: str) -> bool:
        return prop in self.props


def _surface(scene: Scene, fig: Figure) -> float:
    on = fig.spec.get("on")
    if isinstance(on, int | float):
        return float(on)
    if on == "bed":
        return scene.opt("bed", "top", 50.0)
    if on == "step":
        return scene.opt("step", "h", 15.0)
    return 2.0 if scene.has("mat") else 0.0


def place_figures(scene: Scene, figs: list[Figure]) -> None:
    """Ground each figure on its surface (or hang it from the bar) and put it at its x."""
    for fig in figs:
        spec = fig.spec
        if "at" in spec:
            ax, ay = (float(v) for v in spec["at"])
            fig.shift(ax - fig.pts["hip"][0], ay - fig.pts["hip"][1])
            continue
        if spec.get("on") == "bar":
            bar = (scene.opt("pull_up_bar", "x", 0.0), scene.opt("pull_up_bar", "y", BAR_Y))
            hand = fig.pts[f"{fig.sides[0]}_wrist"]
            fig.shift(bar[0] - hand[0], bar[1] - hand[1] + 1.0)
            continue
        if spec.get("on") == "chair":
            dy = scene.opt("chair", "seat", 46.0) - buttock(fig)
        else:
            # Limbs sent to a target do not carry the body, unless both legs are.
            legs = {f"{s}_leg" for s in fig.sides}
            skip = set(fig.ik) - legs if legs <= set(fig.ik) else set(fig.ik)
            dy = _surface(scene, fig) - lowest(body_parts(fig), skip)
        dy += float(spec.get("lift", 0.0))
        feet = [fig.pts[f"{s}_ankle"][0] for s in fig.sides]
        fig.shift(float(spec.get("x", 0.0)) - sum(feet) / len(feet), dy)


def _body_box(figs: list[Figure]) -> Box:
    box = Box()
    for fig in figs:
        for part in body_parts(fig):
            for pt in part.pts:
                box.add(pt, part.width / 2)
    return box


def _place_chair(scene: Scene, figs: list[Figure]) -> None:
    seated = min(figs, key=lambda f: f.pts["hip"][1])  # the chair goes under the lowest hips
    v = scene.values
    seat = scene.opts.get("chair", {}).get("seat")
    v["chair_seat"] = float(seat) if seat is not None else buttock(seated)
    v["chair_x"] = scene.opt("chair", "x", seated.pts["hip"][0] - 16 * seated.facing)
    v["chair_face"] = seated.facing
    scene.anchors["chair_seat"] = (v["chair_x"] + 26 * seated.facing, v["chair_seat"] + 3)
    scene.anchors["chair_arm"] = (v["chair_x"] + 33 * seated.facing, v["chair_seat"] + 27)


def _place_wall(scene: Scene, figs: list[Figure]) -> None:
    start, face = figs[0], figs[0].facing
    behind = scene.opts.get("wall", {}).get("side", "front") == "back"
    xs = [x for k, (x, _) in start.pts.items() if k != "head_dir"]
    if behind:
        default = min(xs) - 12 if face > 0 else max(xs) + 12
    else:
        default = max(xs) + 4 if face > 0 else min(xs) - 4
    v = scene.values
    v["wall_x"] = scene.opt("wall", "x", default)
    v["wall_side"] = -face if behind else face
    scene.anchors["wall"] = (v["wall_x"] - 5 * v["wall_side"], start.pts["shoulder"][1])


def _place_counter(scene: Scene, figs: list[Figure], name: str, top: float) -> None:
    start, face = figs[0], figs[0].facing
    default_mode = "front" if scene.view == "side" else "behind"
    mode = scene.opts.get(name, {}).get("mode", default_mode)
    v = scene.values
    v[f"{name}_top"] = scene.opt(name, "top", top)
    v[f"{name}_behind"] = 1.0 if mode == "behind" else 0.0
    v[f"{name}_x"] = scene.opt(name, "x", start.pts["shoulder"][0] + 24 * face)
    scene.anchors[name] = (v[f"{name}_x"] + 7 * face, v[f"{name}_top"] + 4.5)


def _place_step(scene: Scene, figs: list[Figure]) -> None:
    v = scene.values
    v["step_h"] = scene.opt("step", "h", 15.0)
    v["step_w"] = scene.opt("step", "w", 40.0)
    v["step_x"] = scene.opt("step", "x", figs[0].pts["near_ankle"][0] + 30 * figs[0].facing)
    scene.anchors["step"] = (v["step_x"], v["step_h"])


def _place_stairs(scene: Scene, figs: list[Figure]) -> None:
    del figs
    v = scene.values
    x0 = v["stairs_x"] = scene.opt("stairs", "x", 20.0)
    rise = v["stairs_rise"] = scene.opt("stairs", "rise", 17.0)
    run = v["stairs_run"] = scene.opt("stairs", "run", 28.0)
    for k in (1, 2, 3):
        scene.anchors[f"stair{k}"] = (x0 + run * (k - 0.5), rise * k)


def _place_bike(scene: Scene, figs: list[Figure]) -> None:
    start, face = figs[0], figs[0].facing
    hip = start.pts["hip"]
    v = scene.values
    v["bike_x"] = scene.opt("bike", "x", hip[0])
    crank = scene.opts.get("bike", {}).get("crank", [hip[0] + 30 * face, 32.0])
    v["crank_x"], v["crank_y"] = float(crank[0]), float(crank[1])
    v["crank_r"] = scene.opt("bike", "r", 17.0)
    v["saddle"] = buttock(start)


def _place_bed(scene: Scene, figs: list[Figure]) -> None:
    box = _body_box(figs)
    v = scene.values
    v["bed_x0"], v["bed_x1"] = box.x0 - 8, box.x1 + 8
    v["bed_head"] = -1.0 if figs[0].pts["head"][0] < (box.x0 + box.x1) / 2 else 1.0


PLACERS: dict[str, Callable[[Scene, list[Figure]], None]] = {
    "chair": _place_chair,
    "wall": _place_wall,
    "counter": lambda s, f: _place_counter(s, f, "counter", 90.0),
    "table": lambda s, f: _place_counter(s, f, "table", 74.0),
    "step": _place_step,
    "stairs": _place_stairs,
    "bike": _place_bike,
    "bed": _place_bed,
    "mat": _place_bed,
    "door": lambda s, f: s.values.update(
        door_x=s.opt("door", "x", f[0].pts["shoulder"][0] + 75 * f[0].facing)
    ),
}

"""Exercise illustrations: a small renderer that draws a human figure from pose data.

Every exercise file carries an `[illustration]` table (docs/knowledge-base.md, "Illustrations"):
the view, the props and two keyframes, `start` and `end`, given as joint angles in degrees and,
where a hand or foot must touch something, a target. `render` turns that into one deterministic
SVG with two panels ("start" → "slut"); `check` lists what is wrong with the pose data.

Standard library only: the knowledge base must not depend on the web or batch layers.

Geometry works in centimetres with the floor at y = 0 and y pointing up; the SVG flips y. In the
side view the figure faces right (+x) unless `facing = "left"`. An absolute segment angle is
measured from straight down, positive towards the front (counter-clockwise when facing right).
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

Point = tuple[float, float]

# --- vocabulary ----------------------------------------------------------------------------------

VIEWS = ("side", "front")
FRAMES = ("start", "end")
LABELS = {"da": ("start", "slut"), "en": ("start", "end")}

# Joint angles a keyframe may set, with the allowed range (degrees; `*_fore` are factors).
SIDE_JOINTS: dict[str, tuple[float, float]] = {
    "trunk": (-180.0, 180.0),  # forward lean of the pelvis and lower back from vertical
    "spine": (0.0, 45.0),  # extension of the upper back against the lower back (never flexion)
    "neck": (-45.0, 60.0),  # head flexion against the upper back (chin down is positive)
    "chin": (-6.0, 8.0),  # head pushed forward (cm); negative is a chin tuck
    "shoulder": (-90.0, 190.0),  # flexion: 0 arm along the body, 90 forward, 180 overhead
    "elbow": (0.0, 160.0),  # flexion
    "hip": (-45.0, 150.0),  # flexion: 0 thigh in line with the trunk, 90 at a right angle
    "knee": (0.0, 165.0),  # flexion
    "ankle": (-45.0, 80.0),  # plantar flexion (heel up, pointed foot) is positive
    "arm_fore": (0.1, 1.0),  # foreshortening of an arm pointing out of the picture
}
FRONT_JOINTS: dict[str, tuple[float, float]] = {
    "trunk": (-30.0, 30.0),  # side lean, positive towards the right of the picture
    "neck": (-30.0, 30.0),  # head tilt, same sign
    "shoulder": (-60.0, 190.0),  # abduction: 0 arm down, 90 out to the side, 180 overhead
    "elbow": (-160.0, 160.0),  # bend in the picture plane; positive turns the forearm upwards
    "hip": (-30.0, 80.0),  # abduction
    "knee": (-60.0, 60.0),  # bend in the picture plane; positive moves the foot outwards
    "arm_fore": (0.1, 1.0),  # foreshortening of arms pointing at the viewer
    "thigh_fore": (0.1, 1.0),  # foreshortening of thighs pointing at the viewer
}
SIDES = {"side": ("near", "far"), "front": ("left", "right")}
LIMB_JOINTS = ("shoulder", "elbow", "arm_fore", "hip", "knee", "ankle", "thigh_fore")
# Other keys of a keyframe.
FRAME_KEYS = (
    "view", "facing", "tilt", "on", "lift", "x", "at", "eyes", "crank", "impact", "prints",
    "breath",
)  # fmt: skip
SURFACES = ("floor", "mat", "bed", "step", "bar", "chair")
PRINTS = ("apart", "semi", "line")

PROPS: dict[str, tuple[str, ...]] = {
    # the environment, drawn at the same place in both panels; value: the allowed options
    "floor": (),
    "chair": ("x", "seat", "back", "arms"),
    "wall": ("x", "side"),
    "counter": ("x", "top", "mode"),
    "table": ("x", "top", "mode"),
    "step": ("x", "h", "w"),
    "stairs": ("x", "rise", "run", "n"),
    "mat": (),
    "bed": ("top",),
    "pull_up_bar": ("x", "y"),
    "bike": ("x", "crank", "r"),
    "door": ("x",),
    # held or attached, drawn in each panel
    "band": ("from", "to"),
    "dumbbells": ("hand",),
    "kettlebell": (),
    "barbell": ("on",),
    "dowel": (),
    "poles": (),
    "stick": (),
    "rollator": (),
    "bag": (),
    "box": (),
    "cup": (),
}
# Named targets a hand or foot may be sent to, and the prop each needs.
TARGETS: dict[str, str | None] = {
    "counter": "counter",
    "table": "table",
    "wall": "wall",
    "step": "step",
    "stair1": "stairs",
    "stair2": "stairs",
    "stair3": "stairs",
    "rail": "stairs",
    "pedal": "bike",
    "handlebar": "bike",
    "barbell": "barbell",
    "dowel_top": "dowel",
    "dowel_low": "dowel",
    "chair_seat": "chair",
    "chair_arm": "chair",
    "bed": "bed",
    "chest": None,
    "ribs": None,
    "thighs": None,
    "floor": None,
}
ACCENTS = (
    "near_arm", "far_arm", "near_leg", "far_leg", "left_arm", "right_arm", "left_leg",
    "right_leg", "arms", "legs", "trunk", "head",
)  # fmt: skip
ARC_MARKS = ("turn", "roll")

# --- style ---------------------------------------------------------------------------------------

INK = "#1b2430"  # the figure (near side)
INK_FAR = "#7f8c98"  # far-side limbs
ACCENT = "#d9480f"  # the moving limbs (near side)
ACCENT_FAR = "#f0a57f"  # the moving limbs (far side)
PROP_LINE = "#56626d"
PROP_FILL = "#e7ecef"
PROP_DARK = "#3d4852"
PROP_MID = "#c9d2d9"
PROP_FAR = "#9aa6b0"
PROP_PALE = "#b5c0c8"
MAT_FILL = "#cfe2ea"
BAND = "#2f7d5b"
BAND_FAR = "#8dbfa6"
LABEL = "#4d5966"
WHITE = "#ffffff"

# Body measures in cm (a person of about 168 cm).
TRUNK_LOW, TRUNK_UP = 22.0, 28.0
NECK, HEAD_R = 9.0, 11.0
UPPER_ARM, FOREARM, HAND = 29.0, 25.0, 7.0
THIGH, SHANK, ANKLE_H = 44.0, 43.0, 7.0
W_THIGH, W_SHANK, W_UPPER, W_FORE, W_HAND, W_FOOT, W_NECK = 14.5, 11.5, 10.5, 9.0, 8.5, 7.0, 9.5
# Furniture in cm.
SEAT_DEPTH, RAIL_H, BAR_Y = 42.0, 92.0, 215.0
ARC_DASH = ' stroke-dasharray="5 4.5"'
QUOTE = {'"': "&quot;"}  # extra entity for attribute values

# Layers, painted in this order.
BACK, FAR_PROP, FAR, MID, BODY, NEAR_LEG, NEAR_PROP, NEAR, TOP = range(9)


class PoseError(ValueError):
    """The pose data cannot be drawn."""


# --- small geometry -------------------------------------------------------------------------------


def _dir(deg: float) -> Point:
    """Unit vector of an absolute segment angle (0 = down, 90 = forward/right)."""
    r = math.radians(deg)
    return (math.sin(r), -math.cos(r))


def _add(p: Point, *vs: tuple[float, Point]) -> Point:
    """`p` plus the sum of k·v over the (k, v) pairs."""
    x, y = p
    for k, v in vs:
        x += k * v[0]
        y += k * v[1]
    return (x, y)


def _sub(a: Point, b: Point) -> Point:
    return (a[0] - b[0], a[1] - b[1])


def _angle(v: Point) -> float:
    """Absolute angle of a vector (the inverse of `_dir`)."""
    return math.degrees(math.atan2(v[0], -v[1]))


def _dist(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _unit(a: Point, b: Point) -> Point:
    """Unit vector from b to a."""
    d = _dist(b, a) or 1.0
    return ((a[0] - b[0]) / d, (a[1] - b[1]) / d)


def _rot(p: Point, deg: float) -> Point:
    r = math.radians(deg)
    c, s = math.cos(r), math.sin(r)
    return (p[0] * c - p[1] * s, p[0] * s + p[1] * c)


def _norm(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def _num(v: float) -> str:
    """A coordinate with one decimal, without a trailing '.0' or a negative zero."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _pts(pts: Iterable[Point]) -> str:
    return " ".join(f"{_num(x)},{_num(-y)}" for x, y in pts)


@dataclass
class Box:
    x0: float = math.inf
    y0: float = math.inf
    x1: float = -math.inf
    y1: float = -math.inf

    def add(self, p: Point, pad: float = 0.0) -> None:
        self.x0 = min(self.x0, p[0] - pad)
        self.x1 = max(self.x1, p[0] + pad)
        self.y0 = min(self.y0, p[1] - pad)
        self.y1 = max(self.y1, p[1] + pad)

    def union(self, other: Box) -> None:
        self.add((other.x0, other.y0))
        self.add((other.x1, other.y1))


# --- drawing primitives ---------------------------------------------------------------------------


@dataclass
class Canvas:
    """SVG elements of one panel, by layer, and the box they cover."""

    items: list[tuple[int, int, str]] = field(default_factory=list)
    box: Box = field(default_factory=Box)

    def _put(self, layer: int, svg: str, pts: Iterable[Point], pad: float) -> None:
        for p in pts:
            self.box.add(p, pad)
        self.items.append((layer, len(self.items), svg))

    def line(
        self, layer: int, pts: list[Point], *, width: float, color: str, extra: str = ""
    ) -> None:
        self._put(
            layer,
            f'<polyline points="{_pts(pts)}" fill="none" stroke="{color}"'
            f' stroke-width="{_num(width)}" stroke-linecap="round" stroke-linejoin="round"'
            f"{extra}/>",
            pts,
            width / 2,
        )

    def poly(
        self,
        layer: int,
        pts: list[Point],
        *,
        fill: str,
        stroke: str,
        width: float,
        smooth: bool = False,
    ) -> None:
        if smooth:  # quadratic curves through the edge midpoints: a rounded outline
            n = len(pts)
            mids = [_add(pts[i], (0.5, _sub(pts[(i + 1) % n], pts[i]))) for i in range(n)]
            d = f"M{_num(mids[-1][0])},{_num(-mids[-1][1])}"
            for p, m in zip(pts, mids, strict=True):
                d += f" Q{_num(p[0])},{_num(-p[1])} {_num(m[0])},{_num(-m[1])}"
            shape = f'<path d="{d}Z"'
        else:
            shape = f'<polygon points="{_pts(pts)}"'
        self._put(
            layer,
            f'{shape} fill="{fill}" stroke="{stroke}" stroke-width="{_num(width)}"'
            ' stroke-linejoin="round"/>',
            pts,
            width / 2,
        )

    def rect(
        self,
        layer: int,
        corner: Point,
        size: Point,
        *,
        fill: str = PROP_FILL,
        stroke: str = PROP_LINE,
        width: float = 2.5,
        r: float = 1.5,
    ) -> None:
        (x, y), (w, h) = corner, size
        self._put(
            layer,
            f'<rect x="{_num(x)}" y="{_num(-(y + h))}" width="{_num(w)}" height="{_num(h)}"'
            f' rx="{_num(r)}" fill="{fill}" stroke="{stroke}" stroke-width="{_num(width)}"/>',
            [(x, y), (x + w, y + h)],
            width / 2,
        )

    def circle(
        self, layer: int, c: Point, r: float, *, fill: str, stroke: str = "", width: float = 0.0
    ) -> None:
        stroke_attr = f' stroke="{stroke}" stroke-width="{_num(width)}"' if width else ""
        self._put(
            layer,
            f'<circle cx="{_num(c[0])}" cy="{_num(-c[1])}" r="{_num(r)}" fill="{fill}"'
            f"{stroke_attr}/>",
            [c],
            r + width / 2,
        )

    def arrowhead(self, a: Point, b: Point, size: float, color: str = ACCENT) -> None:
        """A filled arrowhead at `b`, pointing from `a` to `b`."""
        u = _unit(b, a)
        n = (-u[1], u[0])
        tip = _add(b, (size * 0.6, u))
        back = _add(tip, (-size, u))
        wing = size * 0.55
        pts = [tip, _add(back, (wing, n)), _add(back, (-wing, n))]
        self.poly(TOP, pts, fill=color, stroke=color, width=1.0)

    def svg(self) -> str:
        return "".join(s for _, _, s in sorted(self.items))


# --- the figure -----------------------------------------------------------------------------------


@dataclass
class Figure:
    """One keyframe: joint points in panel coordinates and how each limb is placed."""

    view: str
    facing: float  # +1 faces right, -1 faces left (side view)
    pts: dict[str, Point]
    spec: dict[str, Any]
    ik: dict[str, Any] = field(default_factory=dict)  # limb -> target
    fore: dict[str, float] = field(default_factory=dict)  # limb -> foreshortening

    @property
    def sides(self) -> tuple[str, str]:
        return ("near", "far") if self.view == "side" else ("left", "right")

    def limbs(self) -> list[str]:
        return [f"{s}_{k}" for s in self.sides for k in ("arm", "leg")]

    def fwd(self, u: Point) -> Point:
        """The forward normal of a body axis `u` (towards the chest)."""
        k = self.facing if self.view == "side" else 1.0
        return (u[1] * k, -u[0] * k)

    def shift(self, dx: float, dy: float) -> None:
        self.pts = {
            k: (x, y) if k == "head_dir" else (x + dx, y + dy) for k, (x, y) in self.pts.items()
        }


def _joint(spec: dict[str, Any], side: str, name: str, default: float = 0.0) -> float:
    return float(spec.get(f"{side}_{name}", spec.get(name, default)))


def _side_fk(spec: dict[str, Any]) -> dict[str, Point]:
    """Forward kinematics of the side view, facing right, hip joint at the origin."""
    trunk = float(spec.get("trunk", 0.0))
    upper = trunk - float(spec.get("spine", 0.0))
    head = upper + float(spec.get("neck", 0.0))
    chin = float(spec.get("chin", 0.0))
    hip: Point = (0.0, 0.0)
    waist = _add(hip, (TRUNK_LOW, _dir(180 - trunk)))
    shoulder = _add(waist, (TRUNK_UP, _dir(180 - upper)))
    neck_base = _add(shoulder, (-4.5, _dir(90 - upper)), (1.0, _dir(180 - upper)))
    neck_top = _add(neck_base, (NECK, _dir(180 - head)), (chin * 0.7, _dir(90 - upper)))
    head_c = _add(neck_top, (8.5, _dir(180 - head)), (3.5 + chin * 0.3, _dir(90 - head)))
    pts: dict[str, Point] = {
        "hip": hip,
        "waist": waist,
        "shoulder": shoulder,
        "neck_base": neck_base,
        "neck_top": neck_top,
        "head": head_c,
        "head_dir": _dir(180 - head),
    }
    for side in ("near", "far"):
        pts[f"{side}_shoulder"] = shoulder
        pts[f"{side}_hip"] = hip
        ua = -upper + _joint(spec, side, "shoulder")
        fa = ua + _joint(spec, side, "elbow")
        af = _joint(spec, side, "arm_fore", 1.0)
        elbow = _add(shoulder, (UPPER_ARM * af, _dir(ua)))
        wrist = _add(elbow, (FOREARM * af, _dir(fa)))
        pts[f"{side}_elbow"], pts[f"{side}_wrist"] = elbow, wrist
        pts[f"{side}_hand"] = _add(wrist, (HAND, _dir(fa)))
        th = -trunk + _joint(spec, side, "hip")
        sh = th - _joint(spec, side, "knee")
        plantar = _joint(spec, side, "ankle")
        knee = _add(hip, (THIGH, _dir(th)))
        ankle = _add(knee, (SHANK, _dir(sh)))
        pts[f"{side}_knee"], pts[f"{side}_ankle"] = knee, ankle
        _foot(pts, side, ankle, sh + 90 - plantar, max(0.0, min(plantar, 60.0)))
    return pts


def _foot(pts: dict[str, Point], side: str, ankle: Point, angle: float, toe_bend: float) -> None:
    fd, fu = _dir(angle), _dir(angle + 90)
    pts[f"{side}_heel"] = _add(ankle, (-3.5, fd), (-3.5, fu))
    ball = _add(ankle, (12.5, fd), (-3.5, fu))
    pts[f"{side}_ball"] = ball
    pts[f"{side}_toe"] = _add(ball, (5.0, _dir(angle + toe_bend)))


def _front_fk(spec: dict[str, Any]) -> dict[str, Point]:
    """Forward kinematics of the front view, pelvis centre at the origin."""
    lean = float(spec.get("trunk", 0.0))
    head = lean + float(spec.get("neck", 0.0))
    up, right = _dir(180 - lean), _dir(90 - lean)
    hip: Point = (0.0, 0.0)
    waist = _add(hip, (TRUNK_LOW, up))
    shoulder = _add(waist, (TRUNK_UP, up))
    neck_top = _add(shoulder, (NECK + 1, _dir(180 - head)))
    pts: dict[str, Point] = {
        "hip": hip,
        "waist": waist,
        "shoulder": shoulder,
        "neck_base": shoulder,
        "neck_top": neck_top,
        "head": _add(neck_top, (9.5, _dir(180 - head))),
        "head_dir": _dir(180 - head),
    }
    for side, s in (("left", -1.0), ("right", 1.0)):
        sj = _add(shoulder, (17.0 * s, right), (-3.0, up))
        hj = _add(hip, (8.5 * s, right))
        pts[f"{side}_shoulder"], pts[f"{side}_hip"] = sj, hj
        af = _joint(spec, side, "arm_fore", 1.0)
        ua = lean + s * _joint(spec, side, "shoulder")
        fa = ua + s * _joint(spec, side, "elbow")
        elbow = _add(sj, (UPPER_ARM * af, _dir(ua)))
        wrist = _add(elbow, (FOREARM * af, _dir(fa)))
        pts[f"{side}_elbow"], pts[f"{side}_wrist"] = elbow, wrist
        pts[f"{side}_hand"] = _add(wrist, (HAND * max(af, 0.6), _dir(fa)))
        th = lean + s * _joint(spec, side, "hip")
        sh = th + s * _joint(spec, side, "knee")
        knee = _add(hj, (THIGH * _joint(spec, side, "thigh_fore", 1.0), _dir(th)))
        ankle = _add(knee, (SHANK, _dir(sh)))
        pts[f"{side}_knee"], pts[f"{side}_ankle"] = knee, ankle
        _front_foot(pts, side, ankle)
    return pts


def _front_foot(pts: dict[str, Point], side: str, ankle: Point) -> None:
    s = -1.0 if side == "left" else 1.0
    pts[f"{side}_heel"] = (ankle[0] - 1.5 * s, ankle[1] - 3.5)
    pts[f"{side}_ball"] = pts[f"{side}_toe"] = (ankle[0] + 5.0 * s, ankle[1] - 3.5)


def _build(spec: dict[str, Any], default_view: str) -> Figure:
    view = str(spec.get("view", default_view))
    pts = _side_fk(spec) if view == "side" else _front_fk(spec)
    tilt = float(spec.get("tilt", 0.0))
    facing = -1.0 if spec.get("facing") == "left" else 1.0
    if tilt:
        pts = {k: _rot(p, tilt) for k, p in pts.items()}
    if facing < 0:
        pts = {k: (-x, y) for k, (x, y) in pts.items()}
    fig = Figure(view=view, facing=facing, pts=pts, spec=spec)
    for side in fig.sides:
        fig.fore[f"{side}_arm"] = _joint(spec, side, "arm_fore", 1.0)
        for limb, end, both in (("arm", "hand", "hands"), ("leg", "foot", "feet")):
            target = spec.get(f"{side}_{end}", spec.get(both))
            if target is not None:
                fig.ik[f"{side}_{limb}"] = target
    return fig


# --- body parts, grounding and IK ----------------------------------------------------------------


@dataclass
class Part:
    group: str  # near_arm, far_leg, torso, head, ...
    kind: str  # line | poly | circle
    pts: list[Point]
    width: float


# The torso outline: (segment end, forward offset, offset along the segment) in cm.
SIDE_TORSO = (
    ("hip", 6, -8.5), ("hip", 10, 1), ("waist", 9.5, 0), ("shoulder", 12, -9),
    ("shoulder", 9, 2), ("shoulder", 2, 6), ("shoulder", -9, 4.5), ("shoulder", -10.5, -4),
    ("waist", -10.5, 0), ("hip", -11.5, 3), ("hip", -10, -7.5),
)  # fmt: skip
FRONT_TORSO = (
    ("hip", 15, -7), ("waist", 13, 0), ("shoulder", 19.5, -6), ("shoulder", 16, 3),
    ("shoulder", -16, 3), ("shoulder", -19.5, -6), ("waist", -13, 0), ("hip", -15, -7),
    ("hip", 0, -9),
)  # fmt: skip


def _torso_outline(fig: Figure) -> list[Point]:
    p = fig.pts
    u_low = _unit(p["waist"], p["hip"])
    u_up = _unit(p["shoulder"], p["waist"])
    axes = {"hip": u_low, "shoulder": u_up, "waist": _unit(_add(u_low, (1.0, u_up)), (0.0, 0.0))}
    outline = SIDE_TORSO if fig.view == "side" else FRONT_TORSO
    return [_add(p[at], (fw, fig.fwd(axes[at])), (up, axes[at])) for at, fw, up in outline]


def _parts(fig: Figure) -> list[Part]:
    p = fig.pts
    parts = [
        Part("torso", "poly", _torso_outline(fig), 4.0),
        Part("head", "line", [p["neck_base"], p["neck_top"]], W_NECK),
        Part("head", "circle", [p["head"]], HEAD_R * 2),
    ]
    for side in fig.sides:
        arm, leg = f"{side}_arm", f"{side}_leg"
        joints = [p[f"{side}_{j}"] for j in ("shoulder", "elbow", "wrist", "hand")]
        parts += [
            Part(arm, "line", joints[0:2], W_UPPER),
            Part(arm, "line", joints[1:3], W_FORE),
            Part(arm, "line", joints[2:4], W_HAND),
            Part(leg, "line", [p[f"{side}_hip"], p[f"{side}_knee"]], W_THIGH),
            Part(leg, "line", [p[f"{side}_knee"], p[f"{side}_ankle"]], W_SHANK),
            Part(leg, "line", [p[f"{side}_{j}"] for j in ("heel", "ball", "toe")], W_FOOT),
        ]
    return parts


def _lowest(parts: list[Part], skip: Iterable[str] = ()) -> float:
    skipped = set(skip)
    return min(
        (pt[1] - part.width / 2 for part in parts if part.group not in skipped for pt in part.pts),
        default=0.0,
    )


def _buttock(fig: Figure) -> float:
    return min(y for _, y in _torso_outline(fig)) - 2.0


def _solve(root: Point, target: Point, lengths: Point, sign: float) -> tuple[Point, Point]:
    """Two-bone IK: the middle joint and the end point; `sign` picks the bend direction."""
    a, b = lengths
    d = _dist(root, target)
    base = _angle(_sub(target, root)) if d > 1e-6 else 0.0
    d = max(abs(a - b) + 0.01, min(d, a + b - 0.01))
    cos_a = (a * a + d * d - b * b) / (2 * a * d)
    alpha = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    return _add(root, (a, _dir(base + sign * alpha))), _add(root, (d, _dir(base)))


# --- the scene: props and anchors ----------------------------------------------------------------


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


def _place_figures(scene: Scene, figs: list[Figure]) -> None:
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
            dy = scene.opt("chair", "seat", 46.0) - _buttock(fig)
        else:
            # Limbs sent to a target do not carry the body, unless both legs are.
            legs = {f"{s}_leg" for s in fig.sides}
            skip = set(fig.ik) - legs if legs <= set(fig.ik) else set(fig.ik)
            dy = _surface(scene, fig) - _lowest(_parts(fig), skip)
        dy += float(spec.get("lift", 0.0))
        feet = [fig.pts[f"{s}_ankle"][0] for s in fig.sides]
        fig.shift(float(spec.get("x", 0.0)) - sum(feet) / len(feet), dy)


def _body_box(figs: list[Figure]) -> Box:
    box = Box()
    for fig in figs:
        for part in _parts(fig):
            for pt in part.pts:
                box.add(pt, part.width / 2)
    return box


def _place_chair(scene: Scene, figs: list[Figure]) -> None:
    seated = min(figs, key=lambda f: f.pts["hip"][1])  # the chair goes under the lowest hips
    v = scene.values
    seat = scene.opts.get("chair", {}).get("seat")
    v["chair_seat"] = float(seat) if seat is not None else _buttock(seated)
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
    v["saddle"] = _buttock(start)


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


# --- targets for hands and feet -------------------------------------------------------------------


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
    return _add((v["crank_x"], v["crank_y"]), (v["crank_r"], _dir(angle)), (ANKLE_H, (0.0, 1.0)))


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
        high, low = _dowel(fig)
        u = _unit(high, low)
        return _add(high, (-40.0, u)) if top else _add(low, (26.0, u))

    return target


def _t_chest(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    if fig.view == "front":
        return _add(s, (-14.0, (0.0, 1.0)), (-7.0 if side == "left" else 7.0, (1.0, 0.0)))
    u = _unit(s, w)
    return _add(s, (-11.0, u), (13.0, fig.fwd(u)))


def _t_ribs(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    u = _unit(s, w)
    if fig.view == "front":
        return _add(w, (6.0, u), (-13.0 if side == "left" else 13.0, (1.0, 0.0)))
    return _add(w, (8.0, u), (3.0, fig.fwd(u)))


def _t_thighs(scene: Scene, fig: Figure, side: str) -> Point:
    del scene
    h, k = fig.pts[f"{side}_hip"], fig.pts[f"{side}_knee"]
    return _add(h, (0.6, _sub(k, h)), (9.0, (0.0, 1.0)))


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
    "barbell": lambda scene, fig, side: _bar_on_back(fig),
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


def _solve_limbs(scene: Scene, fig: Figure) -> None:
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
            p[f"{side}_hand"] = _add(wrist, (HAND, _unit(wrist, elbow)))
        else:
            sign = fig.facing if fig.view == "side" else outward
            knee, ankle = _solve(p[f"{side}_hip"], goal, (THIGH, SHANK), sign)
            p[f"{side}_knee"], p[f"{side}_ankle"] = knee, ankle
            if fig.view == "side":
                _foot(p, side, ankle, 90.0 * fig.facing, 0.0)
            else:
                _front_foot(p, side, ankle)


def _bar_on_back(fig: Figure) -> Point:
    s, w = fig.pts["shoulder"], fig.pts["waist"]
    u = _unit(s, w)
    return _add(s, (-3.0, u), (-11.0, fig.fwd(u)))


def _dowel(fig: Figure) -> tuple[Point, Point]:
    h, s = fig.pts["hip"], fig.pts["shoulder"]
    u = _unit(s, h)
    f = fig.fwd(u)
    return _add(s, (44.0, u), (-14.5, f)), _add(h, (-28.0, u), (-14.5, f))


def _grip(fig: Figure, side: str) -> Point:
    """Where the hand holds a handle: a little past the middle of the hand."""
    w, h = fig.pts[f"{side}_wrist"], fig.pts[f"{side}_hand"]
    return _add(w, (0.6, _sub(h, w)))


# --- drawing the figure ---------------------------------------------------------------------------


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


def _draw_figure(c: Canvas, fig: Figure, accent: set[str]) -> None:
    colors = _colors(fig, accent)
    for part in _parts(fig):
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
    nose = [_add(h, (9.5, hf), (3.5, hu)), _add(h, (13.5, hf), (-1.5, hu))]
    c.poly(BODY, [*nose, _add(h, (8.5, hf), (-4.0, hu))], fill=color, stroke=color, width=1.5)
    eye = _add(h, (5.0, hf), (2.5, hu))
    eyes = fig.spec.get("eyes")
    if eyes == "closed":
        lid = [_add(eye, (-3.2, hf), (1.0, hu)), _add(eye, (0.0, hf), (-1.2, hu))]
        c.line(BODY, [*lid, _add(eye, (3.2, hf), (1.0, hu))], width=2.2, color=WHITE)
    else:
        c.circle(BODY, eye, 2.0, fill=WHITE)
    if eyes in ("open", "closed"):  # a large eye sign in front of the face, legible in print
        _eye_sign(c, _add(h, (27.0, (fig.facing, 0.0)), (9.0, (0.0, 1.0))), eyes == "open")


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
    u = _unit(p["shoulder"], p["waist"])
    f = fig.fwd(u)
    for base, d in (
        (_add(p["waist"], (14.0, u), (15.0, f)), f),
        (_add(p["shoulder"], (-2.0, u), (17.0, f)), _add(f, (1.0, u))),
    ):
        end = _add(base, (9.0, _unit(_add(base, (1.0, d)), base)))
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


# --- drawing the props ----------------------------------------------------------------------------


def _draw_env(c: Canvas, scene: Scene, figs: list[Figure]) -> None:
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


def _draw_held(c: Canvas, scene: Scene, fig: Figure) -> None:
    """Props that move with the figure."""
    for side in fig.sides:
        hand = _grip(fig, side)
        far = fig.view == "side" and side == "far"
        layer = FAR_PROP if far else NEAR_PROP
        if scene.has("dumbbells") and scene.opts.get("dumbbells", {}).get("hand", "both") in (
            "both",
            side,
        ):
            _dumbbell(c, layer, hand, far)
        if scene.has("poles"):
            tip = (hand[0] - 0.32 * hand[1] * fig.facing, 0.0)
            pole = [_add(hand, (5.0, _unit(hand, tip))), tip]
            c.line(layer, pole, width=3.0, color=PROP_FAR if far else PROP_DARK)
        if scene.has("bag"):
            _bag(c, layer, hand, far)
    near = _grip(fig, fig.sides[0])
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
    centre = _bar_on_back(fig) if on_back else at
    c.circle(MID, centre, 22.5, fill="#d8dee3", stroke=PROP_DARK, width=3.0)  # plate
    c.circle(MID, centre, 8.0, fill="#aab5be", stroke=PROP_DARK, width=2.0)
    c.circle(TOP if on_back else NEAR_PROP, centre, 2.8, fill=PROP_DARK)  # the bar end-on


def _dowel_prop(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene, at
    c.line(MID, list(_dowel(fig)), width=4.0, color="#a0703a")


def _stick(c: Canvas, scene: Scene, fig: Figure, at: Point) -> None:
    del scene
    face = fig.facing
    shaft = [_add(at, (-3.0, (0.0, 1.0)), (4.0 * face, (1.0, 0.0))), (at[0] + 8 * face, 0.0)]
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
        c.line(TOP, [_grip(fig, s) for s in fig.sides], width=4.5, color=BAND)
        return
    if src == "chair_leg":
        v = scene.values
        start = (v["chair_x"] + 3 * v["chair_face"], 6.0)
    else:
        start = (float(src[0]), float(src[1]))
    to = opts.get("to", "hands")
    ends = [_grip(fig, s) for s in fig.sides] if to == "hands" else [fig.pts[str(to)]]
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


# --- motion arcs ----------------------------------------------------------------------------------


def _draw_arcs(c: Canvas, spec: Any, figs: list[Figure]) -> None:
    """Dashed arrows in the end panel from where a point was at the start to where it is."""
    for entry in spec if isinstance(spec, list) else [spec]:
        if isinstance(entry, dict):
            point, around, bend = str(entry["point"]), entry.get("around"), entry.get("bend", 1)
        else:
            point, around, bend = str(entry), None, 1
        if point in ARC_MARKS:
            pts = _turn(figs[1]) if point == "turn" else _roll(figs[1])
        else:
            a, b = figs[0].pts[point], figs[1].pts[point]
            if around is not None:
                pivot = figs[1].pts[str(around)]
                r = (_dist(pivot, a) + _dist(pivot, b)) / 2 + 9
                a0 = _angle(_sub(a, pivot))
                span = _norm(_angle(_sub(b, pivot)) - a0)
                pts = [_add(pivot, (r, _dir(a0 + span * i / 16))) for i in range(17)]
            else:
                chord = _sub(b, a)
                ctrl = _add(a, (0.5, chord), (0.25 * float(bend), (-chord[1], chord[0])))
                pts = [_bezier(a, ctrl, b, i / 16) for i in range(17)]
            length = sum(_dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
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


def _roll(fig: Figure) -> list[Point]:
    """A small circle above the waist: the body rolled about its long axis."""
    centre = _add(fig.pts["waist"], (34.0, (0.0, 1.0)))
    return [_add(centre, (13.0, _dir(a))) for a in range(-120, 150, 10)]


def _bezier(a: Point, ctrl: Point, b: Point, t: float) -> Point:
    s = 1 - t
    return _add((0.0, 0.0), (s * s, a), (2 * s * t, ctrl), (t * t, b))


def _trim(pts: list[Point], start: float, end: float) -> list[Point]:
    """Drop the points within `start` of the beginning and `end` of the end of a polyline."""
    total = sum(_dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
    if total < start + end + 4:
        return []
    out: list[Point] = []
    run = 0.0
    for i, pt in enumerate(pts):
        if i:
            run += _dist(pts[i - 1], pt)
        if start <= run <= total - end:
            out.append(pt)
    return out


# --- the picture ----------------------------------------------------------------------------------


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
        before = _sub(figs[0].pts[end], figs[0].pts[root])
        after = _sub(figs[1].pts[end], figs[1].pts[root])
        if _dist(before, after) > 15:
            found.add(limb)
    return found or {"trunk"}


def _scene(ex: dict[str, Any]) -> tuple[Scene, list[Figure]]:
    view = str(ex.get("view", "side"))
    props = [str(p) for p in ex.get("props", [])]
    opts = {p: dict(ex[p]) for p in props if isinstance(ex.get(p), dict)}
    scene = Scene(props=props, opts=opts, view=view)
    figs = [_build(dict(ex[name]), view) for name in FRAMES]
    _place_figures(scene, figs)
    for prop in props:
        if prop in PLACERS:
            PLACERS[prop](scene, figs)
    for fig in figs:
        _solve_limbs(scene, fig)
    return scene, figs


def render(exercise_id: str, raw: dict[str, Any], lang: str = "da") -> str:
    """The illustration of one exercise (the TOML dict `raw`) as an SVG document."""
    ex = raw.get("illustration")
    if not isinstance(ex, dict):
        raise PoseError(f"{exercise_id}: no [illustration] table")
    names = raw.get("name", {})
    title = str(names.get(lang) or names.get("da") or exercise_id)
    scene, figs = _scene(ex)
    accent = _accent(ex, figs)
    panels: list[Canvas] = []
    for i, fig in enumerate(figs):
        c = Canvas()
        _draw_env(c, scene, figs)
        _draw_held(c, scene, fig)
        _draw_figure(c, fig, accent)
        if i == 1 and "arc" in ex:
            _draw_arcs(c, ex["arc"], figs)
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
            f'<line x1="{_num(box.x0 - margin + 4)}" y1="0" x2="{_num(box.x1 + margin - 4)}"'
            f' y2="0" stroke="{PROP_LINE}" stroke-width="3" stroke-linecap="round"/>'
        )
        body.append(
            f'<g class="panel panel-{FRAMES[i]}" transform="translate({_num(tx)} {_num(ty)})">'
            f'{floor}<g class="figure">{c.svg()}</g></g>'
            f'<text x="{_num(left + pw / 2)}" y="{_num(oy + font)}" text-anchor="middle"'
            f' font-family="Helvetica, Arial, sans-serif" font-size="{_num(font)}"'
            f' font-weight="bold" fill="{LABEL}">{escape(labels[i])}</text>'
        )
    ax = ox + pw + gap / 2
    ay = oy + label_h + pad + (max(box.y1, 0.0) - max(box.y0, 0.0)) * 0.55
    k = out_h / 300
    body.append(
        f'<path class="arrow" d="M{_num(ax - 14 * k)},{_num(ay)} H{_num(ax + 8 * k)}'
        f" M{_num(ax + 3 * k)},{_num(ay - 10 * k)} L{_num(ax + 16 * k)},{_num(ay)}"
        f' L{_num(ax + 3 * k)},{_num(ay + 10 * k)}" stroke="{LABEL}" stroke-width="{_num(5 * k)}"'
        ' stroke-linecap="round" stroke-linejoin="round" fill="none"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(out_w)} {_num(out_h)}"'
        ' width="60mm" height="40mm" role="img" class="exercise-illustration"'
        f' data-exercise="{escape(exercise_id, QUOTE)}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{_num(out_w)}" height="{_num(out_h)}" fill="{WHITE}"/>'
        + "".join(body)
        + "</svg>"
    )


# --- validation -----------------------------------------------------------------------------------


def pose_names(view: str = "side") -> tuple[str, ...]:
    """Every key a keyframe may hold in `view` ("side" or "front")."""
    joints = SIDE_JOINTS if view == "side" else FRONT_JOINTS
    sided = [f"{s}_{j}" for s in SIDES[view] for j in LIMB_JOINTS if j in joints]
    ends = [f"{s}_{e}" for s in SIDES[view] for e in ("hand", "foot")]
    return (*joints, *sided, *ends, "hands", "feet", *FRAME_KEYS)


def prop_names() -> tuple[str, ...]:
    """Every prop an illustration may use."""
    return tuple(PROPS)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_point(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v)


def _check_frame(where: str, spec: Any, view: str, props: list[str]) -> Iterator[str]:
    if not isinstance(spec, dict):
        yield f"{where}: the keyframe is missing"
        return
    view = spec.get("view", view)
    if view not in VIEWS:
        yield f"{where}.view: {view!r} is not one of {list(VIEWS)}"
        return
    joints = SIDE_JOINTS if view == "side" else FRONT_JOINTS
    known = set(pose_names(view))
    for key, value in spec.items():
        side, _, rest = key.partition("_")
        base = rest if side in SIDES[view] else key
        if key not in known:
            yield f"{where}.{key}: not a pose key of the {view} view"
        elif base in joints:
            lo, hi = joints[base]
            if not _is_num(value):
                yield f"{where}.{key}: must be a number"
            elif not lo <= value <= hi:
                yield f"{where}.{key} = {value} is outside {_num(lo)}..{_num(hi)}"
        elif base in ("hand", "foot", "hands", "feet"):
            yield from _check_target(f"{where}.{key}", value, props)
    yield from _check_frame_keys(where, spec, props)


def _check_frame_keys(where: str, spec: dict[str, Any], props: list[str]) -> Iterator[str]:
    choices = (
        ("facing", ("left", "right")),
        ("eyes", ("open", "closed")),
        ("prints", PRINTS),
        ("breath", ("in",)),
        ("impact", ("near_foot", "far_foot", "feet")),
    )
    for key, allowed in choices:
        if key in spec and spec[key] not in allowed:
            yield f"{where}.{key}: must be one of {list(allowed)}"
    for key, lo, hi in (
        ("tilt", -180, 180),
        ("lift", 0, 80),
        ("x", -300, 300),
        ("crank", -360, 360),
    ):
        if key in spec and (not _is_num(spec[key]) or not lo <= spec[key] <= hi):
            yield f"{where}.{key}: must be a number in {lo}..{hi}"
    if "at" in spec and not _is_point(spec["at"]):
        yield f"{where}.at: must be [x, y] in cm"
    on = spec.get("on")
    if on is not None and not _is_num(on):
        need = {"bar": "pull_up_bar"}.get(str(on), str(on))
        if on not in SURFACES:
            yield f"{where}.on: {on!r} is not one of {list(SURFACES)}"
        elif on != "floor" and need not in props:
            yield f"{where}.on: {on!r} needs the prop {need!r}"


def _check_target(where: str, value: Any, props: list[str]) -> Iterator[str]:
    if _is_point(value):
        return
    if not isinstance(value, str) or value not in TARGETS:
        yield f"{where}: {value!r} is neither [x, y] nor one of {sorted(TARGETS)}"
        return
    need = TARGETS[value]
    if need is not None and need not in props:
        yield f"{where}: the target {value!r} needs the prop {need!r}"


def _check_props(ex: dict[str, Any]) -> Iterator[str]:
    props = ex.get("props", [])
    if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
        yield "illustration.props: must be a list of prop names"
        return
    for prop in props:
        if prop not in PROPS:
            yield f"illustration.props: unknown prop {prop!r}"
    for key, value in ex.items():
        if key in ("view", "props", "accent", "arc", *FRAMES):
            continue
        if key not in PROPS or not isinstance(value, dict):
            yield f"illustration.{key}: unknown key"
            continue
        if key not in props:
            yield f"illustration.{key}: options for a prop that is not in props"
        unknown = sorted(set(value) - set(PROPS[key]))
        if unknown:
            yield f"illustration.{key}: unknown option(s) {unknown}"


def _check_marks(ex: dict[str, Any], names: set[str]) -> Iterator[str]:
    for part in ex.get("accent", []):
        if part not in ACCENTS:
            yield f"illustration.accent: unknown part {part!r}"
    arcs = ex.get("arc", [])
    for entry in arcs if isinstance(arcs, list) else [arcs]:
        point = entry.get("point") if isinstance(entry, dict) else entry
        around = entry.get("around") if isinstance(entry, dict) else None
        for name in (point, around):
            if name is not None and name not in names and name not in ARC_MARKS:
                yield f"illustration.arc: unknown point {name!r}"


def check(raw: dict[str, Any]) -> list[str]:
    """Problems with the `[illustration]` table of one exercise (empty when it can be drawn)."""
    ex = raw.get("illustration")
    if not isinstance(ex, dict):
        return ["illustration: the [illustration] table is missing"]
    view = ex.get("view", "side")
    if view not in VIEWS:
        return [f"illustration.view: {view!r} is not one of {list(VIEWS)}"]
    problems = list(_check_props(ex))
    props = [p for p in ex.get("props", []) if isinstance(p, str)]
    for name in FRAMES:
        problems += _check_frame(f"illustration.{name}", ex.get(name), str(view), props)
    if problems:
        return problems
    try:
        _, figs = _scene(ex)
        names = set(figs[0].pts) & set(figs[1].pts)
        problems += _check_marks(ex, names)
        if not problems:
            render(str(raw.get("id", "exercise")), raw)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        problems.append(f"illustration: cannot be drawn ({type(exc).__name__}: {exc})")
    return problems


# --- looking at them ------------------------------------------------------------------------------

EXERCISES = Path(__file__).parent / "data" / "exercises"
SHEET = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>
<style>body{{margin:12px;font:14px sans-serif}}main{{display:grid;gap:8px;
grid-template-columns:repeat({columns},{width}px)}}figure{{margin:0;border:1px solid #ccd}}
img{{display:block;width:{width}px;height:{height}px}}figcaption{{padding:2px 6px}}</style>
<main>{cells}</main></html>
"""


def write_all(out: Path, lang: str = "da", columns: int = 5, width: int = 320) -> list[Path]:
    """Write the SVG of every exercise and an index.html contact sheet of them to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written, cells = [], []
    for path in sorted(EXERCISES.glob("*.toml")):
        raw = tomllib.loads(path.read_text("utf-8"))
        target = out / f"{path.stem}.svg"
        target.write_text(render(path.stem, raw, lang), "utf-8")
        written.append(target)
        name = escape(str(raw.get("name", {}).get(lang, path.stem)))
        cells.append(
            f'<figure><img src="{target.name}" alt=""><figcaption><b>{name}</b>'
            f" <small>{path.stem}</small></figcaption></figure>"
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


def main(argv: list[str] | None = None) -> int:
    """`python -m osteofys.kb.illustration DIR`: draw every exercise into DIR."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", choices=sorted(LABELS), default="da")
    args = parser.parse_args(argv)
    written = write_all(args.out, args.lang)
    print(f"{len(written)} illustrations and index.html in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

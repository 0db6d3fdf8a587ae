"""The figure of one keyframe: forward kinematics from joint angles, and its body parts.

In the side view the figure faces right (+x) unless the keyframe says `facing = "left"`; the front
view's left and right are as seen in the picture. Angles follow `geometry` (0 is straight down).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from osteofys.illustrations.geometry import Point, add, direction, rotate, unit
from osteofys.illustrations.measures import (
    FOREARM,
    HAND,
    HEAD_R,
    NECK,
    SHANK,
    THIGH,
    TRUNK_LOW,
    TRUNK_UP,
    UPPER_ARM,
    W_FOOT,
    W_FORE,
    W_HAND,
    W_NECK,
    W_SHANK,
    W_THIGH,
    W_UPPER,
)


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
    waist = add(hip, (TRUNK_LOW, direction(180 - trunk)))
    shoulder = add(waist, (TRUNK_UP, direction(180 - upper)))
    neck_base = add(shoulder, (-4.5, direction(90 - upper)), (1.0, direction(180 - upper)))
    neck_top = add(neck_base, (NECK, direction(180 - head)), (chin * 0.7, direction(90 - upper)))
    head_c = add(neck_top, (8.5, direction(180 - head)), (3.5 + chin * 0.3, direction(90 - head)))
    pts: dict[str, Point] = {
        "hip": hip,
        "waist": waist,
        "shoulder": shoulder,
        "neck_base": neck_base,
        "neck_top": neck_top,
        "head": head_c,
        "head_dir": direction(180 - head),
    }
    for side in ("near", "far"):
        pts[f"{side}_shoulder"] = shoulder
        pts[f"{side}_hip"] = hip
        ua = -upper + _joint(spec, side, "shoulder")
        fa = ua + _joint(spec, side, "elbow")
        af = _joint(spec, side, "arm_fore", 1.0)
        elbow = add(shoulder, (UPPER_ARM * af, direction(ua)))
        wrist = add(elbow, (FOREARM * af, direction(fa)))
        pts[f"{side}_elbow"], pts[f"{side}_wrist"] = elbow, wrist
        pts[f"{side}_hand"] = add(wrist, (HAND, direction(fa)))
        th = -trunk + _joint(spec, side, "hip")
        sh = th - _joint(spec, side, "knee")
        plantar = _joint(spec, side, "ankle")
        knee = add(hip, (THIGH, direction(th)))
        ankle = add(knee, (SHANK, direction(sh)))
        pts[f"{side}_knee"], pts[f"{side}_ankle"] = knee, ankle
        foot(pts, side, ankle, sh + 90 - plantar, max(0.0, min(plantar, 60.0)))
    return pts


def foot(pts: dict[str, Point], side: str, ankle: Point, angle: float, toe_bend: float) -> None:
    fd, fu = direction(angle), direction(angle + 90)
    pts[f"{side}_heel"] = add(ankle, (-3.5, fd), (-3.5, fu))
    ball = add(ankle, (12.5, fd), (-3.5, fu))
    pts[f"{side}_ball"] = ball
    pts[f"{side}_toe"] = add(ball, (5.0, direction(angle + toe_bend)))


def _front_fk(spec: dict[str, Any]) -> dict[str, Point]:
    """Forward kinematics of the front view, pelvis centre at the origin."""
    lean = float(spec.get("trunk", 0.0))
    head = lean + float(spec.get("neck", 0.0))
    up, right = direction(180 - lean), direction(90 - lean)
    hip: Point = (0.0, 0.0)
    waist = add(hip, (TRUNK_LOW, up))
    shoulder = add(waist, (TRUNK_UP, up))
    neck_top = add(shoulder, (NECK + 1, direction(180 - head)))
    pts: dict[str, Point] = {
        "hip": hip,
        "waist": waist,
        "shoulder": shoulder,
        "neck_base": shoulder,
        "neck_top": neck_top,
        "head": add(neck_top, (9.5, direction(180 - head))),
        "head_dir": direction(180 - head),
    }
    for side, s in (("left", -1.0), ("right", 1.0)):
        sj = add(shoulder, (17.0 * s, right), (-3.0, up))
        hj = add(hip, (8.5 * s, right))
        pts[f"{side}_shoulder"], pts[f"{side}_hip"] = sj, hj
        af = _joint(spec, side, "arm_fore", 1.0)
        ua = lean + s * _joint(spec, side, "shoulder")
        fa = ua + s * _joint(spec, side, "elbow")
        elbow = add(sj, (UPPER_ARM * af, direction(ua)))
        wrist = add(elbow, (FOREARM * af, direction(fa)))
        pts[f"{side}_elbow"], pts[f"{side}_wrist"] = elbow, wrist
        pts[f"{side}_hand"] = add(wrist, (HAND * max(af, 0.6), direction(fa)))
        th = lean + s * _joint(spec, side, "hip")
        sh = th + s * _joint(spec, side, "knee")
        knee = add(hj, (THIGH * _joint(spec, side, "thigh_fore", 1.0), direction(th)))
        ankle = add(knee, (SHANK, direction(sh)))
        pts[f"{side}_knee"], pts[f"{side}_ankle"] = knee, ankle
        front_foot(pts, side, ankle)
    return pts


def front_foot(pts: dict[str, Point], side: str, ankle: Point) -> None:
    s = -1.0 if side == "left" else 1.0
    pts[f"{side}_heel"] = (ankle[0] - 1.5 * s, ankle[1] - 3.5)
    pts[f"{side}_ball"] = pts[f"{side}_toe"] = (ankle[0] + 5.0 * s, ankle[1] - 3.5)


def build(spec: dict[str, Any], default_view: str) -> Figure:
    view = str(spec.get("view", default_view))
    pts = _side_fk(spec) if view == "side" else _front_fk(spec)
    tilt = float(spec.get("tilt", 0.0))
    facing = -1.0 if spec.get("facing") == "left" else 1.0
    if tilt:
        pts = {k: rotate(p, tilt) for k, p in pts.items()}
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
    u_low = unit(p["waist"], p["hip"])
    u_up = unit(p["shoulder"], p["waist"])
    axes = {"hip": u_low, "shoulder": u_up, "waist": unit(add(u_low, (1.0, u_up)), (0.0, 0.0))}
    outline = SIDE_TORSO if fig.view == "side" else FRONT_TORSO
    return [add(p[at], (fw, fig.fwd(axes[at])), (up, axes[at])) for at, fw, up in outline]


def body_parts(fig: Figure) -> list[Part]:
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


def lowest(parts: list[Part], skip: Iterable[str] = ()) -> float:
    skipped = set(skip)
    return min(
        (pt[1] - part.width / 2 for part in parts if part.group not in skipped for pt in part.pts),
        default=0.0,
    )


def buttock(fig: Figure) -> float:
    return min(y for _, y in _torso_outline(fig)) - 2.0

"""The pose vocabulary of exercise illustrations, and its check.

Every exercise file carries an `[illustration]` table (docs/knowledge-base.md, "Illustrations"):
the view, the props and two keyframes, `start` and `end`, given as joint angles in degrees and,
where a hand or foot must touch something, a target. This module says which names and ranges
that table may hold and lists what is wrong with one; it draws nothing, so loading the knowledge
base stays cheap. `osteofys.illustrations` draws the table, and `osteofys kb check` also tries
to draw every exercise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

VIEWS = ("side", "front")
FRAMES = ("start", "end")

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
ARC_MARKS = ("turn", "roll", "head_turn")
# The points of a figure an arc may follow or turn around (and a band may end at); a frame's view
# decides its side names. tests/illustrations holds these to the points the drawing computes.
BODY_POINTS = ("hip", "waist", "shoulder", "neck_base", "neck_top", "head", "head_dir")
LIMB_POINTS = ("shoulder", "hip", "elbow", "wrist", "hand", "knee", "ankle", "heel", "ball", "toe")
# The values a prop option may take: a number in a range (cm, or a count for `n`) ...
OPTION_RANGES: dict[str, tuple[float, float]] = {
    "x": (-300, 300), "y": (0, 300), "seat": (0, 150), "back": (0, 150), "top": (0, 150),
    "h": (0, 150), "w": (1, 300), "rise": (1, 50), "run": (1, 100), "n": (1, 20), "r": (1, 60),
}  # fmt: skip
# ... or one of a few words; the other options (crank, from, to, hand) are checked one by one.
OPTION_CHOICES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("wall", "side"): ("front", "back"),
    ("counter", "mode"): ("front", "behind"),
    ("table", "mode"): ("front", "behind"),
    ("barbell", "on"): ("back",),
    ("chair", "arms"): (True, False),
}


def pose_names(view: str = "side") -> tuple[str, ...]:
    """Every key a keyframe may hold in `view` ("side" or "front")."""
    joints = SIDE_JOINTS if view == "side" else FRONT_JOINTS
    sided = [f"{s}_{j}" for s in SIDES[view] for j in LIMB_JOINTS if j in joints]
    ends = [f"{s}_{e}" for s in SIDES[view] for e in ("hand", "foot")]
    return (*joints, *sided, *ends, "hands", "feet", *FRAME_KEYS)


def point_names(view: str = "side") -> tuple[str, ...]:
    """Every point of a figure drawn in `view` ("side" or "front")."""
    return (*BODY_POINTS, *(f"{s}_{p}" for s in SIDES[view] for p in LIMB_POINTS))


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
                yield f"{where}.{key} = {value} is outside {lo:g}..{hi:g}"
        elif base in ("hand", "foot", "hands", "feet"):
            yield from _check_target(f"{where}.{key}", value, props)
    yield from _check_frame_keys(where, spec, view, props)


def _check_frame_keys(
    where: str, spec: dict[str, Any], view: str, props: list[str]
) -> Iterator[str]:
    impacts = ("near_foot", "far_foot", "feet") if view == "side" else ("feet",)
    choices = (
        ("facing", ("left", "right")),
        ("eyes", ("open", "closed")),
        ("prints", PRINTS),
        ("breath", ("in",)),
        ("impact", impacts),
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


def _frame_view(ex: dict[str, Any], name: str) -> str:
    frame = ex.get(name)
    view = frame.get("view") if isinstance(frame, dict) else None
    return str(view or ex.get("view", "side"))


def _check_marks(ex: dict[str, Any], names: set[str]) -> Iterator[str]:
    for part in ex.get("accent", []):
        if part not in ACCENTS:
            yield f"illustration.accent: unknown part {part!r}"
    arcs = ex.get("arc", [])
    for entry in arcs if isinstance(arcs, list) else [arcs]:
        if isinstance(entry, dict):
            yield from _check_arc_table(entry, names)
        elif entry not in names and entry not in ARC_MARKS:
            yield f"illustration.arc: unknown point {entry!r}"


def _check_arc_table(entry: dict[str, Any], names: set[str]) -> Iterator[str]:
    point, around = entry.get("point"), entry.get("around")
    if point is None:
        yield "illustration.arc: an arc table needs a point"
    elif point not in names and point not in ARC_MARKS:
        yield f"illustration.arc: unknown point {point!r}"
    if around is not None and around not in names:  # a pivot is a point, never a mark
        yield f"illustration.arc: unknown point {around!r}"
    if "bend" in entry and not _is_num(entry["bend"]):
        yield "illustration.arc: bend must be a number"


def _check_options(ex: dict[str, Any], view: str, names: set[str]) -> Iterator[str]:
    """The values of the prop options (their names were checked with the props)."""
    for prop in PROPS:
        options = ex.get(prop)
        if isinstance(options, dict):
            for key, value in options.items():
                yield from _check_option(f"illustration.{prop}.{key}", (prop, key), value)
    yield from _check_held_options(ex, view, names)


def _check_option(where: str, option: tuple[str, str], value: Any) -> Iterator[str]:
    key = option[1]
    if option in OPTION_CHOICES:
        allowed = OPTION_CHOICES[option]
        # Compared with the type, because 1 == True: `arms = 1` is not a yes or no.
        if not any(type(value) is type(a) and value == a for a in allowed):
            yield f"{where}: must be one of {list(allowed)}"
    elif key in OPTION_RANGES:
        lo, hi = OPTION_RANGES[key]
        if not _is_num(value) or not lo <= value <= hi:
            yield f"{where}: must be a number in {lo:g}..{hi:g}"


def _check_held_options(ex: dict[str, Any], view: str, names: set[str]) -> Iterator[str]:
    bike, band, dumbbells = (ex.get(p) or {} for p in ("bike", "band", "dumbbells"))
    if "crank" in bike and not _is_point(bike["crank"]):
        yield "illustration.bike.crank: must be [x, y] in cm"
    source = band.get("from")
    if source == "chair_leg":
        if "chair" not in ex.get("props", []):
            yield "illustration.band.from: 'chair_leg' needs the prop 'chair'"
    elif source is not None and not _is_point(source):
        yield "illustration.band.from: must be [x, y] in cm or 'chair_leg'"
    end = band.get("to", "hands")
    if end != "hands" and end not in names:
        yield f"illustration.band.to: {end!r} is neither 'hands' nor a point of the figure"
    hands = ("both", *SIDES[view])
    if dumbbells.get("hand", "both") not in hands:
        yield f"illustration.dumbbells.hand: must be one of {list(hands)}"


def check(raw: dict[str, Any]) -> list[str]:
    """Problems with the `[illustration]` table of one exercise: unknown names, bad ranges.

    It draws nothing (`kb.load()` runs it for every exercise); `osteofys kb check` also draws each
    exercise whose table passes, with `osteofys.illustrations.drawing_problems`.
    """
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
    # The points both keyframes have: a frame may set its own view (a roll from back to side).
    names = set.intersection(*(set(point_names(_frame_view(ex, name))) for name in FRAMES))
    problems += _check_marks(ex, names)
    problems += _check_options(ex, str(view), names)
    return problems

"""The pose vocabulary of exercise illustrations and its check (`osteofys.kb.pose`).

The check runs at every load and draws nothing; tests/illustrations draws every exercise.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from osteofys.kb import pose
from tests.kb.exercises import EXERCISE_FILES, EXERCISES, exercise


def _sit_to_stand() -> dict[str, Any]:
    return exercise("sit_to_stand")


def test_the_library_has_exercises() -> None:
    assert len(EXERCISES) >= 60


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_has_pose_data_without_problems(exercise_id: str) -> None:
    raw = EXERCISES[exercise_id]
    assert "illustration" in raw, f"{exercise_id} has no [illustration] table"
    assert {"start", "end"} <= raw["illustration"].keys()
    assert pose.check(raw) == []


def test_side_and_front_views_use_their_own_keys() -> None:
    side, front = set(pose.pose_names("side")), set(pose.pose_names("front"))
    assert {"near_knee", "far_hand", "spine", "trunk"} <= side
    assert {"left_hip", "right_hand", "thigh_fore"} <= front
    assert "left_hip" not in side
    assert "near_knee" not in front
    assert "chair" in pose.PROPS


# --- the checker --------------------------------------------------------------------------------


def test_check_names_a_missing_table() -> None:
    raw = _sit_to_stand()
    del raw["illustration"]
    assert pose.check(raw) == ["illustration: the [illustration] table is missing"]


@pytest.mark.parametrize("frame", ["start", "end"])
def test_check_names_a_missing_keyframe(frame: str) -> None:
    raw = _sit_to_stand()
    del raw["illustration"][frame]
    assert pose.check(raw) == [f"illustration.{frame}: the keyframe is missing"]


def test_check_names_an_unknown_prop() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["props"] = ["chair", "trampoline"]
    assert pose.check(raw) == ["illustration.props: unknown prop 'trampoline'"]


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("knee", 200, "illustration.start.knee = 200 is outside 0..165"),
        ("spine", -20, "illustration.start.spine = -20 is outside 0..45"),  # no rounded back
        ("near_ankle", 95, "illustration.start.near_ankle = 95 is outside -45..80"),
        ("hip", "bent", "illustration.start.hip: must be a number"),
        ("left_hip", 10, "illustration.start.left_hip: not a pose key of the side view"),
        ("wiggle", 1, "illustration.start.wiggle: not a pose key of the side view"),
        ("hands", "trampoline", "illustration.start.hands: 'trampoline' is neither"),
        ("hands", "counter", "illustration.start.hands: the target 'counter' needs the prop"),
        ("on", "bed", "illustration.start.on: 'bed' needs the prop 'bed'"),
        ("facing", "up", "illustration.start.facing: must be one of"),
    ],
)
def test_check_names_broken_pose_values(key: str, value: Any, fragment: str) -> None:
    raw = _sit_to_stand()
    raw["illustration"]["start"][key] = value
    problems = pose.check(raw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(fragment)


def test_check_names_a_wrong_view_and_unknown_options() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["view"] = "top"
    assert pose.check(raw) == ["illustration.view: 'top' is not one of ['side', 'front']"]
    raw = _sit_to_stand()
    raw["illustration"]["chair"] = {"colour": "red"}
    raw["illustration"]["wall"] = {"x": 3}
    assert pose.check(raw) == [
        "illustration.chair: unknown option(s) ['colour']",
        "illustration.wall: options for a prop that is not in props",
    ]


def test_check_names_unknown_accent_and_arc_points() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["accent"] = ["tail"]
    raw["illustration"]["arc"] = ["elbow_of_nose"]
    assert pose.check(raw) == [
        "illustration.accent: unknown part 'tail'",
        "illustration.arc: unknown point 'elbow_of_nose'",
    ]


@pytest.mark.parametrize(
    ("arc", "problem"),
    [
        ([{"around": "hip"}], "illustration.arc: an arc table needs a point"),
        ([{"point": "near_ankle", "around": "turn"}], "illustration.arc: unknown point 'turn'"),
        ([{"point": "near_ankle", "bend": "a lot"}], "illustration.arc: bend must be a number"),
        (["left_ankle"], "illustration.arc: unknown point 'left_ankle'"),  # a front-view point
    ],
)
def test_check_names_broken_arcs(arc: list[Any], problem: str) -> None:
    raw = _sit_to_stand()
    raw["illustration"]["arc"] = arc
    assert pose.check(raw) == [problem]


def test_an_arc_may_follow_only_the_points_both_keyframes_have() -> None:
    """log_roll turns from the back (side view) onto the side (front view, tilted): only the
    trunk's points are common to both."""
    raw = exercise("log_roll")
    assert raw["illustration"]["end"].get("view") == "front"
    raw["illustration"]["arc"] = ["near_ankle"]
    assert pose.check(raw) == ["illustration.arc: unknown point 'near_ankle'"]
    raw["illustration"]["arc"] = ["shoulder"]
    assert pose.check(raw) == []


@pytest.mark.parametrize(
    ("prop", "options", "problem"),
    [
        ("chair", {"seat": "high"}, "illustration.chair.seat: must be a number in 0..150"),
        ("chair", {"arms": 1}, "illustration.chair.arms: must be one of [True, False]"),
        ("chair", {"back": 400}, "illustration.chair.back: must be a number in 0..150"),
        ("band", {"from": "door"}, "illustration.band.from: must be [x, y] in cm or 'chair_leg'"),
        ("band", {"to": "tail"}, "illustration.band.to: 'tail' is neither 'hands' nor a point"),
        ("dumbbells", {"hand": "left"}, "illustration.dumbbells.hand: must be one of"),
        ("wall", {"side": "left"}, "illustration.wall.side: must be one of ['front', 'back']"),
        ("bike", {"crank": 25}, "illustration.bike.crank: must be [x, y] in cm"),
    ],
)
def test_check_names_broken_prop_options(prop: str, options: dict[str, Any], problem: str) -> None:
    raw = _sit_to_stand()
    raw["illustration"]["props"] = [*raw["illustration"]["props"], prop]
    raw["illustration"][prop] = options
    problems = pose.check(raw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(problem)


def test_a_band_from_the_chair_leg_needs_the_chair() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["props"] = ["band"]
    raw["illustration"]["band"] = {"from": "chair_leg"}
    for frame in pose.FRAMES:
        raw["illustration"][frame].pop("on", None)
        raw["illustration"][frame].pop("hands", None)
    assert pose.check(raw) == ["illustration.band.from: 'chair_leg' needs the prop 'chair'"]


def test_the_front_view_marks_an_impact_on_both_feet_only() -> None:
    """The front view has no near or far foot, so `impact = "near_foot"` could not be drawn."""
    raw = exercise("log_roll")
    raw["illustration"]["end"]["impact"] = "near_foot"
    assert pose.check(raw) == ["illustration.end.impact: must be one of ['feet']"]
    raw["illustration"]["end"]["impact"] = "feet"
    assert pose.check(raw) == []


def test_the_load_draws_nothing() -> None:
    """Loading the knowledge base checks the vocabulary only; the drawing package stays unloaded."""
    code = (
        "import sys; from osteofys import kb; kb.loader.load_from(kb.DATA_DIR);"
        " print(any(m.startswith('osteofys.illustrations') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_every_shipped_exercise_file_only_appends_the_illustration() -> None:
    """The [illustration] table is the last table of each exercise file."""
    for path in EXERCISE_FILES:
        text = path.read_text("utf-8")
        assert text.count("\n[illustration]\n") == 1, path.name
        tail = text[text.index("\n[illustration]\n") :]
        headers = [line for line in tail.splitlines() if line.startswith("[")]
        assert all(h.startswith("[illustration") for h in headers), path.name

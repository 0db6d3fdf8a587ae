"""Exercise illustrations: every exercise has pose data that draws as a two-panel SVG figure.

These tests check the structure of the drawings, not whether they look right; that was done by
eye on the contact sheet (docs/illustrations.png, made with tools in the issue notes).
"""

from __future__ import annotations

import copy
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from osteofys.kb import illustration
from osteofys.kb.loader import DATA_DIR

SVG = "{http://www.w3.org/2000/svg}"
EXERCISE_FILES = sorted((DATA_DIR / "exercises").glob("*.toml"))


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text("utf-8"))


EXERCISES = {path.stem: _load(path) for path in EXERCISE_FILES}


def _sit_to_stand() -> dict[str, Any]:
    return copy.deepcopy(EXERCISES["sit_to_stand"])


def test_the_library_has_exercises() -> None:
    assert len(EXERCISES) >= 60


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_has_pose_data_without_problems(exercise_id: str) -> None:
    raw = EXERCISES[exercise_id]
    assert "illustration" in raw, f"{exercise_id} has no [illustration] table"
    assert {"start", "end"} <= raw["illustration"].keys()
    assert illustration.check(raw) == []


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_exercise_draws_as_svg_with_two_figures(exercise_id: str, lang: str) -> None:
    raw = EXERCISES[exercise_id]
    svg = illustration.render(exercise_id, raw, lang)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    assert width / height == pytest.approx(1.5, rel=0.01)  # one shape for every handout cell
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == raw["name"][lang]
    panels = [g for g in root.iter(f"{SVG}g") if "panel" in (g.get("class") or "").split()]
    assert len(panels) == 2
    for panel in panels:
        figures = [g for g in panel.iter(f"{SVG}g") if g.get("class") == "figure"]
        assert len(figures) == 1
        # a head (circle) and limbs (polylines) in every panel
        assert figures[0].find(f"{SVG}circle") is not None
        assert len(figures[0].findall(f"{SVG}polyline")) >= 12
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == list(illustration.LABELS[lang])


@pytest.mark.parametrize("exercise_id", ["sit_to_stand", "log_roll", "band_pull_apart"])
def test_drawing_is_deterministic(exercise_id: str) -> None:
    raw = EXERCISES[exercise_id]
    first = illustration.render(exercise_id, raw)
    assert illustration.render(exercise_id, copy.deepcopy(raw)) == first
    assert raw == EXERCISES[exercise_id]  # rendering does not change the data


def test_svg_is_self_contained() -> None:
    for exercise_id, raw in EXERCISES.items():
        svg = illustration.render(exercise_id, raw)
        for forbidden in ("<script", "href", "<image", "url(", "<foreignObject", "@import"):
            assert forbidden not in svg, f"{exercise_id}: {forbidden}"


def test_title_is_escaped() -> None:
    raw = _sit_to_stand()
    raw["name"]["da"] = 'Rejs & sæt dig <hurtigt> "nu"'
    root = ET.fromstring(illustration.render("sit_to_stand", raw))
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == 'Rejs & sæt dig <hurtigt> "nu"'


def test_the_figure_stands_on_the_floor() -> None:
    """Standing start of squat_to_chair: the lowest point of the figure is the floor line."""
    _, figs = illustration._scene(EXERCISES["squat_to_chair"]["illustration"])
    parts = illustration._parts(figs[0])
    assert illustration._lowest(parts) == pytest.approx(0.0, abs=0.01)


def test_side_and_front_views_use_their_own_keys() -> None:
    side, front = set(illustration.pose_names("side")), set(illustration.pose_names("front"))
    assert {"near_knee", "far_hand", "spine", "trunk"} <= side
    assert {"left_hip", "right_hand", "thigh_fore"} <= front
    assert "left_hip" not in side
    assert "near_knee" not in front
    assert "chair" in illustration.prop_names()


# --- the checker --------------------------------------------------------------------------------


def test_check_names_a_missing_table() -> None:
    raw = _sit_to_stand()
    del raw["illustration"]
    assert illustration.check(raw) == ["illustration: the [illustration] table is missing"]
    with pytest.raises(illustration.PoseError):
        illustration.render("sit_to_stand", raw)


@pytest.mark.parametrize("frame", ["start", "end"])
def test_check_names_a_missing_keyframe(frame: str) -> None:
    raw = _sit_to_stand()
    del raw["illustration"][frame]
    assert illustration.check(raw) == [f"illustration.{frame}: the keyframe is missing"]


def test_check_names_an_unknown_prop() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["props"] = ["chair", "trampoline"]
    assert illustration.check(raw) == ["illustration.props: unknown prop 'trampoline'"]


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
    problems = illustration.check(raw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(fragment)


def test_check_names_a_wrong_view_and_unknown_options() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["view"] = "top"
    assert illustration.check(raw) == ["illustration.view: 'top' is not one of ['side', 'front']"]
    raw = _sit_to_stand()
    raw["illustration"]["chair"] = {"colour": "red"}
    raw["illustration"]["wall"] = {"x": 3}
    assert illustration.check(raw) == [
        "illustration.chair: unknown option(s) ['colour']",
        "illustration.wall: options for a prop that is not in props",
    ]


def test_check_names_unknown_accent_and_arc_points() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["accent"] = ["tail"]
    raw["illustration"]["arc"] = ["elbow_of_nose"]
    assert illustration.check(raw) == [
        "illustration.accent: unknown part 'tail'",
        "illustration.arc: unknown point 'elbow_of_nose'",
    ]


def test_every_shipped_exercise_file_only_appends_the_illustration() -> None:
    """The [illustration] table is the last table of each exercise file."""
    for path in EXERCISE_FILES:
        text = path.read_text("utf-8")
        assert text.count("\n[illustration]\n") == 1, path.name
        tail = text[text.index("\n[illustration]\n") :]
        headers = [line for line in tail.splitlines() if line.startswith("[")]
        assert all(h.startswith("[illustration") for h in headers), path.name

"""Exercise illustrations: every exercise's pose data draws as a two-panel SVG figure.

These tests check the structure of the drawings, not whether they look right; that is done by
eye on the contact sheet (`osteofys kb illustrations DIR`; docs/illustrations.png).
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from osteofys import illustrations
from osteofys.illustrations.kinematics import body_parts, build, lowest
from osteofys.illustrations.render import build_scene
from osteofys.illustrations.solver import TARGET_FNS
from osteofys.kb import pose
from osteofys.kb.loader import DATA_DIR
from tests.kb.exercises import EXERCISES, exercise

SVG = "{http://www.w3.org/2000/svg}"


def _sit_to_stand() -> dict[str, Any]:
    return exercise("sit_to_stand")


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_exercise_draws_as_svg_with_two_figures(exercise_id: str, lang: str) -> None:
    raw = EXERCISES[exercise_id]
    svg = illustrations.render(exercise_id, raw, lang)
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
    assert texts == list(illustrations.LABELS[lang])


def test_every_shipped_exercise_draws_without_problems() -> None:
    """What `osteofys kb check` adds to the load's vocabulary check finds nothing today."""
    assert illustrations.data_dir_problems(DATA_DIR) == []


@pytest.mark.parametrize("exercise_id", ["sit_to_stand", "log_roll", "band_pull_apart"])
def test_drawing_is_deterministic(exercise_id: str) -> None:
    raw = EXERCISES[exercise_id]
    first = illustrations.render(exercise_id, raw)
    assert illustrations.render(exercise_id, copy.deepcopy(raw)) == first
    assert raw == EXERCISES[exercise_id]  # rendering does not change the data


def test_svg_is_self_contained() -> None:
    for exercise_id, raw in EXERCISES.items():
        svg = illustrations.render(exercise_id, raw)
        for forbidden in ("<script", "href", "<image", "url(", "<foreignObject", "@import"):
            assert forbidden not in svg, f"{exercise_id}: {forbidden}"


def test_title_is_escaped() -> None:
    raw = _sit_to_stand()
    raw["name"]["da"] = 'Rejs & sæt dig <hurtigt> "nu"'
    root = ET.fromstring(illustrations.render("sit_to_stand", raw))
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == 'Rejs & sæt dig <hurtigt> "nu"'


def test_the_figure_stands_on_the_floor() -> None:
    """Standing start of squat_to_chair: the lowest point of the figure is the floor line."""
    _, figs = build_scene(EXERCISES["squat_to_chair"]["illustration"])
    assert lowest(body_parts(figs[0])) == pytest.approx(0.0, abs=0.01)


def test_a_missing_table_cannot_be_drawn() -> None:
    raw = _sit_to_stand()
    del raw["illustration"]
    with pytest.raises(illustrations.PoseError):
        illustrations.render("sit_to_stand", raw)


# --- the vocabulary (osteofys.kb.pose) and the drawing agree ------------------------------------


@pytest.mark.parametrize("view", pose.VIEWS)
def test_the_vocabulary_names_the_points_the_drawing_computes(view: str) -> None:
    """Arcs and bands are checked against `pose.point_names` without drawing; hold it true."""
    assert set(build({}, view).pts) == set(pose.point_names(view))


def test_the_drawing_knows_every_target_of_the_vocabulary() -> None:
    assert set(TARGET_FNS) == set(pose.TARGETS)


def test_a_pose_that_passes_the_vocabulary_but_cannot_be_drawn_is_named() -> None:
    """A step in the front view is placed from the near ankle, which that view does not have."""
    raw = _sit_to_stand()
    raw["illustration"] = {
        "view": "front",
        "props": ["step"],
        "start": {"shoulder": 10},
        "end": {"shoulder": 20},
    }
    assert pose.check(raw) == []
    assert illustrations.drawing_problems(raw) == [
        "illustration: cannot be drawn (KeyError: 'near_ankle')"
    ]


def test_an_unsound_table_is_left_to_the_vocabulary_check() -> None:
    raw = _sit_to_stand()
    raw["illustration"]["props"] = ["trampoline"]
    assert pose.check(raw) != []
    assert illustrations.drawing_problems(raw) == []


def test_a_broken_exercise_file_in_a_data_dir_is_named_by_its_place(tmp_path: Path) -> None:
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    text = (DATA_DIR / "exercises" / "sit_to_stand.toml").read_text("utf-8")
    start = text.index("\n[illustration]\n")
    broken = text[:start] + '\n[illustration]\nview = "front"\nprops = ["step"]\n'
    broken += "[illustration.start]\nshoulder = 10\n[illustration.end]\nshoulder = 20\n"
    (exercises / "sit_to_stand.toml").write_text(broken, "utf-8")
    (exercises / "unreadable.toml").write_text("this is = = not toml", "utf-8")
    assert illustrations.data_dir_problems(tmp_path) == [
        ("exercises/sit_to_stand", "illustration: cannot be drawn (KeyError: 'near_ankle')")
    ]

"""`osteofys kb illustrations DIR` writes the contact sheet; `kb check` draws every exercise."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from osteofys import illustrations, kb
from tests.cli.test_cli import osteofys

SVG = "{http://www.w3.org/2000/svg}"


def test_kb_illustrations_writes_every_drawing_and_the_contact_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sheet"
    done = osteofys("kb", "illustrations", str(out))
    assert done.returncode == 0, done.stderr
    exercises = kb.load().exercises
    assert done.stdout.strip() == f"{len(exercises)} illustrationer og index.html i {out}"
    assert sorted(p.stem for p in out.glob("*.svg")) == sorted(exercises)
    for exercise_id, raw in exercises.items():
        svg = (out / f"{exercise_id}.svg").read_text("utf-8")
        assert svg == illustrations.render(exercise_id, raw, "da")
    sheet = (out / "index.html").read_text("utf-8")
    assert sheet.startswith('<!doctype html><html lang="da">')
    assert sheet.count("<figure>") == len(exercises)
    assert '<img src="sit_to_stand.svg" alt="">' in sheet
    assert f"<b>{exercises['sit_to_stand']['name']['da']}</b>" in sheet


def test_kb_illustrations_in_english(tmp_path: Path) -> None:
    done = osteofys("kb", "illustrations", str(tmp_path), "--lang", "en")
    assert done.returncode == 0, done.stderr
    root = ET.fromstring((tmp_path / "sit_to_stand.svg").read_text("utf-8"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["start", "end"]
    assert '<html lang="en">' in (tmp_path / "index.html").read_text("utf-8")


def test_kb_illustrations_needs_a_directory() -> None:
    done = osteofys("kb", "illustrations")
    assert done.returncode == 2
    assert "DIR" in done.stderr


def test_kb_check_names_a_pose_that_cannot_be_drawn(tmp_path: Path) -> None:
    """The load checks only the vocabulary; `kb check` also draws, and names what fails."""
    copy = tmp_path / "data"
    shutil.copytree(kb.DATA_DIR, copy)
    path = copy / "exercises" / "sit_to_stand.toml"
    text = path.read_text("utf-8")
    head = text[: text.index("\n[illustration]\n")]
    # A step in the front view is placed from the near ankle, which that view does not have.
    pose = '[illustration]\nview = "front"\nprops = ["step"]\n'
    pose += "[illustration.start]\nshoulder = 10\n[illustration.end]\nshoulder = 20\n"
    path.write_text(f"{head}\n{pose}", "utf-8")
    assert kb.check(copy) == []

    done = osteofys("kb", "check", "--data-dir", str(copy))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Videnbasen har 1 fejl:" in done.stdout
    assert "osteofys.E085 exercises/sit_to_stand.toml (exercises/sit_to_stand):" in done.stdout
    assert "illustration: cannot be drawn (KeyError: 'near_ankle')" in done.stdout

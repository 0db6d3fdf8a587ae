"""The clinical vignettes of ../shared/clinical/vignettes, read from there, must always pass.

Each vignette (and each case file in tests/cases) is collected as a test of its own by
tests/cases/collect.py, through the core and the batch engine; these tests check the collection.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cases.engines import ExpectationError, check_core
from tests.conftest import VIGNETTES

FILES = sorted(VIGNETTES.glob("*.json"))


def test_the_vignettes_are_there() -> None:
    assert len(FILES) >= 10, f"expected the ten shared vignettes in {VIGNETTES}"


def test_an_unknown_expectation_fails_the_case_rather_than_being_skipped() -> None:
    case = json.loads(FILES[0].read_text("utf-8"))["case"]
    with pytest.raises(ExpectationError, match="does not know the expectation 'categroy'"):
        check_core(case, {"categroy": "traeningsaktiv"})


def test_a_wrong_expectation_fails_the_case_by_name() -> None:
    case = json.loads(FILES[0].read_text("utf-8"))["case"]
    with pytest.raises(ExpectationError, match="referral_recommended: expected None"):
        check_core(case, {"referral_recommended": None})


def test_published_case_format_keeps_the_shared_contract() -> None:
    """docs/case-format.md is the public copy of the contract; it must not drift from shared/.

    Ours may only add to it (documented, additive fields and sections, issue 15): every line of
    the shared contract is in ours, in the same order.
    """
    ours = (Path(__file__).resolve().parents[2] / "docs" / "case-format.md").read_text("utf-8")
    lines = iter(ours.splitlines())
    for line in (VIGNETTES.parent / "case-format.md").read_text("utf-8").splitlines():
        assert any(mine == line for mine in lines), f"docs/case-format.md lacks: {line!r}"


def test_every_vignette_and_case_file_is_collected_through_both_engines() -> None:
    own = sorted(Path(__file__).parent.glob("*.json"))
    assert len(own) >= 4
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    listed = subprocess.run(
        [*command, "tests/cases"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for path in [*FILES, *own]:
        for engine in ("core", "batch"):
            assert any(
                path.name in line and line.endswith(f"::{engine}") for line in listed.splitlines()
            ), (path.name, engine)

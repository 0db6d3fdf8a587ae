"""`osteofys handout` and `osteofys gp-letter`: files, standard input/output and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from osteofys.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, main
from tests.conftest import ROOT, vary
from tests.documents.helpers import all_text, figures_by_page, page_texts

EXAMPLE = ROOT / "examples" / "case.json"


def test_handout_writes_a_danish_pdf(tmp_path: Path) -> None:
    out = tmp_path / "plan.pdf"
    code = main(
        [
            "handout",
            str(EXAMPLE),
            "-o",
            str(out),
            "--klinik",
            "Fysioterapi Østerbro",
            "--patient",
            "Åse Ørum",
            "--dato",
            "2026-11-27",
        ]
    )
    assert code == EXIT_OK
    pdf = out.read_bytes()
    text = all_text(pdf)
    for expected in (
        "Fysioterapi Østerbro",
        "Åse Ørum",
        "27. november 2026",
        "Dit træningsprogram",
        # The example has a vertebral fracture two months ago: the acute phase.
        "Den første tid efter bruddet",
        "Sådan gør du",
        "Min træningsdagbog",
    ):
        assert expected in text, expected
    assert "videnbase" in page_texts(pdf)[0]
    assert figures_by_page(pdf), "the exercises are drawn"


def test_handout_in_english_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(EXAMPLE.read_text("utf-8")))
    out = tmp_path / "plan.pdf"
    assert main(["handout", "-", "-o", str(out), "--lang", "en"]) == EXIT_OK
    text = all_text(out.read_bytes())
    assert "Your exercise programme" in text
    assert "How to do it" in text


def test_gp_letter_to_standard_output(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code = main(
        ["gp-letter", str(EXAMPLE), "-o", "-", "--patient", "Åse Ørum", "--cpr", "0302601234"]
    )
    assert code == EXIT_OK
    pdf = capsysbinary.readouterr().out
    text = all_text(pdf)
    assert "Til patientens egen læge" in text
    assert "Åse Ørum, født 3. februar 1960, kvinde, CPR-nr. 030260-1234" in text
    assert "Fundne risikofaktorer" in text


def _errors(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps(vary(tests__tug_s=500)),
        json.dumps({"format": "osteofys.case/1"}),
    ],
    ids=["invalid-json", "out-of-range", "missing-fields"],
)
def test_bad_input_gives_the_same_danish_messages_as_assess(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str
) -> None:
    case = tmp_path / "case.json"
    case.write_text(content, "utf-8")
    out = tmp_path / "out.pdf"
    code, expected = _errors(capsys, "assess", str(case))
    assert code == EXIT_USAGE
    assert expected
    for command in ("handout", "gp-letter"):
        code, err = _errors(capsys, command, str(case), "-o", str(out))
        assert code == EXIT_USAGE
        assert err == expected
    assert not out.exists()


def test_missing_case_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = _errors(capsys, "handout", str(tmp_path / "nope.json"), "-o", "x.pdf")
    assert code == EXIT_USAGE
    assert "filen findes ikke" in err


def test_no_handout_without_a_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case: dict[str, Any] = vary(function__walking_aid=None)  # the category cannot be decided
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), "utf-8")
    code, err = _errors(capsys, "handout", str(path), "-o", str(tmp_path / "x.pdf"))
    assert code == EXIT_PROBLEM
    assert "Ingen plan" in err

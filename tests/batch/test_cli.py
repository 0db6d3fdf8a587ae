"""`osteofys synth` and `osteofys screen`, run as a user runs them: a subprocess, exit codes,
stdout, stderr and the files written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

from osteofys.batch.columns import OUTPUT
from tests.cli.test_cli import SCRIPT, osteofys
from tests.conftest import BASE_CASE

ON = BASE_CASE["assessment_date"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    done = osteofys(
        "synth", "--citizens", "3000", "--seed", "7", "--out", str(folder), "--date", ON,
        "--questionnaire", "0.3",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3000 borgere" in done.stdout
    return folder


def test_synth_writes_three_files_with_the_documented_columns(data: Path) -> None:
    citizens = pl.read_csv(data / "citizens.csv", infer_schema=False)
    assert citizens.columns[:3] == ["citizen_id", "birth_date", "sex"]
    assert "smoking" in citizens.columns
    assert citizens.height == 3000
    assert pl.read_csv(data / "diagnoses.csv").columns == ["citizen_id", "code", "date"]
    assert pl.read_csv(data / "prescriptions.csv").columns == ["citizen_id", "atc", "date", "ddd"]


def test_screen_writes_the_referral_list_and_prints_a_summary(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "henvisninger.csv"
    done = osteofys("screen", str(data), "--out", str(out), "--date", ON)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    table = pl.read_csv(out)
    assert table.columns == list(OUTPUT)
    assert table.height == 3000
    referred = table.filter(pl.col("refer") == True)  # noqa: E712
    assert referred["priority"].to_list() == list(range(1, referred.height + 1))
    for heading in ("Populationsopsporing", "Henvis til egen læge", "alder", "RF1a", "RF17"):
        assert heading in done.stdout, heading
    assert f"{referred.height:,}".replace(",", ".") in done.stdout


def test_screen_writes_parquet_and_speaks_english(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "refer.parquet"
    done = osteofys("screen", str(data), "--out", str(out), "--date", ON, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(out).columns == list(OUTPUT)
    assert "Refer to the GP" in done.stdout
    assert "Referrals by age and sex" in done.stdout


def test_screen_shows_progress_on_stderr_when_asked(data: Path, tmp_path: Path) -> None:
    done = osteofys("screen", str(data), "--out", str(tmp_path / "o.csv"), "--progress")
    assert done.returncode == 0, done.stderr
    assert "[" in done.stderr
    assert "%" in done.stderr
    assert "Populationsopsporing" in done.stdout


def _bad_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "citizens.csv").write_text(
        "citizen_id,birth_date,sex\nA,1950-01-01,female\nB,1950-13-01,male\nC,1960-01-01,x\n"
    )
    (folder / "diagnoses.csv").write_text(
        "citizen_id,code,date\nA,DS720,2020-01-01\nZ,S72.0,2020-01-01\n"
    )
    (folder / "prescriptions.csv").write_text("citizen_id,atc,date,ddd\nA,H02AB06,2026-06-01,-5\n")
    return folder


def test_bad_input_exits_2_with_rows_and_writes_nothing(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path / "in")
    out = tmp_path / "o.csv"
    done = osteofys("screen", str(folder), "--out", str(out), "--date", ON)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not out.exists()
    for expected in (
        "borgere: 1 række",
        "række 2",
        "'1950-13-01'",
        "række 3",
        "'x'",
        "'Z'",
        "'-5'",
    ):
        assert expected in done.stderr, expected
    assert "--skip-invalid" in done.stderr


def test_skip_invalid_writes_the_rejected_rows_to_side_files(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path / "in")
    out = tmp_path / "o.csv"
    done = osteofys("screen", str(folder), "--out", str(out), "--date", ON, "--skip-invalid")
    assert done.returncode == 0, done.stderr
    assert pl.read_csv(out)["citizen_id"].to_list() == ["A"]
    side = pl.read_csv(tmp_path / "o.rejected-citizens.csv", infer_schema=False)
    assert side["row"].to_list() == ["2", "3"]
    assert side["problems"].to_list() == ["bad_date:birth_date", "bad_sex:sex"]
    assert (tmp_path / "o.rejected-diagnoses.csv").exists()
    assert (tmp_path / "o.rejected-prescriptions.csv").exists()
    assert "o.rejected-citizens.csv" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "o.csv"], "angiv en mappe"),
        (["{folder}", "--out", "o.txt"], "--out skal ende på .csv eller .parquet"),
        (["{folder}", "--out", "o.csv", "--date", "26-11-2026"], "--date skal være en dato"),
        (["{folder}", "--out", "nowhere/o.csv"], "mappen til --out findes ikke"),
        (["{folder}/nope", "--out", "o.csv"], "har hverken citizens.csv"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    folder = _bad_folder(tmp_path / "in")
    argv = [a.replace("{folder}", str(folder)) for a in args]
    done = subprocess.run(
        [str(SCRIPT), "screen", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert message in done.stderr


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path / "in")
    (folder / "prescriptions.csv").write_text("citizen_id,atc,date\nA,H02AB06,2026-06-01\n")
    done = osteofys("screen", str(folder), "--out", str(tmp_path / "o.csv"), "--lang", "en")
    assert done.returncode == 2
    assert "prescriptions: missing column(s) ddd" in done.stderr
    assert "Traceback" not in done.stderr

"""`osteofys serve`: argument checks, and one process per worker on a real port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "osteofys"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--workers", "0"], "--workers = 0 er uden for det tilladte område (1–64)"),
        (["--threads", "500"], "--threads = 500 er uden for det tilladte område (1–64)"),
        (["--port", "70000"], "--port = 70000 er ikke en gyldig port"),
    ],
)
def test_bad_arguments_are_refused_with_the_allowed_range(
    arguments: list[str], message: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(SCRIPT), "serve", "--data-dir", str(tmp_path), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn forks; Windows runs waitress")
def test_two_workers_are_two_processes_that_answer(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "OSTEOFYS_DATA_DIR": str(tmp_path)}
    env.pop("OSTEOFYS_DATABASE_URL", None)
    command = [str(SCRIPT), "serve", "--port", str(port), "--workers", "2", "--threads", "2"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            time.sleep(0.2)
        assert len(_children(process.pid)) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/konto/setup/", timeout=30) as page:
            assert page.status == 200
            assert "Velkommen til OsteoFys" in page.read().decode()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)

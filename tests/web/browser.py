"""Shared pieces of the browser tests: a real server on a fresh data directory, Debian's Chromium
driven by Playwright, and the first-run setup of a clinic."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "Knogle-sund-2026!"
CLINIC = "Fysioterapi Østerbro"
USERNAME = "soeren"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The widths every page is checked at: desktop, tablet and phone.
WIDTHS = (1280, 768, 390)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_server(data_dir: Path) -> Iterator[str]:
    """`osteofys serve` on a free port with its own SQLite data directory; yields its address."""
    assert Path(CHROMIUM).exists(), "install Debian's Chromium: apt-get install -y chromium"
    port = _free_port()
    env = {**os.environ, "OSTEOFYS_DATA_DIR": str(data_dir)}
    env.pop("OSTEOFYS_DATABASE_URL", None)
    osteofys = Path(sys.executable).with_name("osteofys")
    proc = subprocess.Popen(
        [str(osteofys), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else "server died"
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_server(tmp_path_factory.mktemp("data"))


def launch(pw: Any) -> Any:
    """Debian's Chromium, headless (never a browser that Playwright downloads)."""
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def set_up_clinic(page: Any, server: str) -> None:
    """First-run setup of a fresh install; leaves the first user logged in."""
    page.goto(server + "/konto/setup/")
    page.fill("[name=clinic_name]", CLINIC)
    page.fill("[name=full_name]", "Søren Ærø")
    page.fill("[name=username]", USERNAME)
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(server + "/**")

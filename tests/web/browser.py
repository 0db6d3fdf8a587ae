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


def fill_assessment(form: Any) -> None:
    """The e2e test's assessment: training-active, a recent vertebral fracture (acute phase)."""
    form.locator("[name=function__walking_aid]").select_option("none")
    form.locator("[name=function__needs_help_daily_activities]").select_option("false")
    form.locator("[name=function__sedentary_due_to_disease]").select_option("false")
    form.locator("[name=function__training_days_per_week]").fill("3")
    form.locator("[name=function__training_months]").fill("24")
    form.locator("[name=function__everyday_activity]").select_option("active")
    form.locator("[name=function__new_sudden_back_pain]").select_option("false")
    form.locator("[name=function__neurological_symptoms]").select_option("false")
    form.locator("[name=dxa__date]").fill("2026-03-10")
    form.locator("[name=dxa__lumbar_spine]").fill("-2,7")
    form.locator("[name=tests__tug_s]").fill("8,5")
    form.locator("[name=tests__sit_to_stand_5x_s]").fill("10,5")
    form.locator("[name=tests__tandem_stance_s]").fill("30")
    form.locator("[name=risk_factors__falls_last_12_months]").fill("0")
    form.locator("[name=brud-0-site]").select_option("vertebra")
    form.locator("[name=brud-0-date]").fill("2026-09-20")
    form.locator("[name=brud-0-low_energy]").select_option("true")

"""Crash safety: a server killed with SIGKILL mid-stream loses no write it had acknowledged."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.web.installation import ENGINES, Browser, Installation, installation, start_server

PASSWORD = "Knogle-sund-2026!"
WRITERS = 4
KILL_AFTER_ACKS = 150
KILL_AFTER_S = 15.0


def _set_up_clinic(base: str) -> dict[str, str]:
    """The first-run page from localhost, as a clinic does it; returns the signed-in cookies."""
    browser = Browser(base)
    status, _, _ = browser.get("/konto/setup/")
    assert status == 200
    status, _, body = browser.post(
        "/konto/setup/",
        {
            "clinic_name": "Fysio Nedbrud",
            "full_name": "Kim Fysio",
            "username": "kim",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert status == 302, body[:2000]
    assert "sessionid" in browser.cookies
    browser.close()
    return browser.cookies


class Writers:
    """Threads that create patients back to back through the patient form, and keep the
    (id, name) of every creation the server acknowledged with its redirect."""

    def __init__(self, base: str, cookies: dict[str, str]) -> None:
        self.base, self.cookies = base, cookies
        self.acked: list[tuple[int, str]] = []
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)

    def _write(self, writer: int) -> None:
        browser = Browser(self.base, self.cookies)
        for n in range(100_000):
            name = f"Nedbrud Patient {writer}-{n:05d}"
            fields = {"name": name, "birth_date": "1950-03-01", "sex": "female"}
            fields |= {"height_cm": "165", "weight_kg": "64,5", "cpr": ""}
            try:
                status, location, _ = browser.post("/patienter/ny/", fields)
            except OSError:
                return  # the server is gone: this write was never acknowledged
            with self.lock:
                if status == 302 and location.rstrip("/").split("/")[-1].isdigit():
                    self.acked.append((int(location.rstrip("/").split("/")[-1]), name))
                else:
                    self.unexpected.append(f"HTTP {status} {location}")
                    return


def _sign_in(base: str) -> Browser:
    browser = Browser(base)
    browser.get("/konto/login/")
    status, _, body = browser.post("/konto/login/", {"username": "kim", "password": PASSWORD})
    assert status == 302, body[:2000]
    return browser


@pytest.mark.parametrize("engine", ENGINES)
def test_no_acknowledged_write_is_lost_when_the_server_is_killed(
    engine: str, tmp_path: Path
) -> None:
    with installation(engine, tmp_path) as site:
        server = start_server(site, tmp_path / "serve.log")
        try:
            writers = Writers(server.base, _set_up_clinic(server.base))
            writers.start()
            deadline = time.monotonic() + KILL_AFTER_S
            while len(writers.acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
                if not any(t.is_alive() for t in writers.threads):
                    break
                time.sleep(0.05)
        finally:
            server.kill()  # while the writers are still sending
        writers.join()
        assert writers.unexpected == [], server.tail()
        assert len(writers.acked) >= 10, f"too few writes before the kill:\n{server.tail()}"

        restarted = start_server(site, tmp_path / "serve-again.log")
        try:
            _check_served(restarted.base, writers.acked)
        finally:
            restarted.stop()
        _check_stored(site, writers.acked)


def _check_served(base: str, acked: list[tuple[int, str]]) -> None:
    browser = _sign_in(base)
    for patient_id, name in acked[-5:]:
        status, _, body = browser.get(f"/patienter/{patient_id}/")
        assert status == 200
        assert name in body
    browser.close()


def _check_stored(site: Installation, acked: list[tuple[int, str]]) -> None:
    stored = set(site.query("SELECT id, name FROM records_patient"))
    lost = sorted(set(acked) - stored)
    assert lost == [], f"{len(lost)} of {len(acked)} acknowledged writes are missing"
    if site.engine == "sqlite":
        assert site.query("PRAGMA integrity_check") == [("ok",)]

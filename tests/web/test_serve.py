"""`osteofys serve`: argument checks, and one process per worker on a real port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from stat import S_IMODE

import pytest

from tests.web.conftest import PASSWORD
from tests.web.installation import ROOT, Browser, Installation, Server, start_server

SCRIPT = Path(sys.executable).parent / "osteofys"
SETUP = "/konto/setup/"
SETUP_FORM = {
    "clinic_name": "Fysio Syd",
    "full_name": "Åse Admin",
    "username": "aase",
    "password1": PASSWORD,
    "password2": PASSWORD,
}
CSRF_COOKIE = "__Host-osteofys-csrftoken"  # production mode's name


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


# --- behind a reverse proxy: Django alone reads X-Forwarded-*, on both servers ----------------

SERVER_KINDS = {"waitress": ("--workers", "1"), "gunicorn": ("--workers", "2")}


def _proxied_server(kind: str, tmp_path: Path, trusted_proxies: str) -> tuple[Installation, Server]:
    site = Installation("sqlite", tmp_path / "data", None)
    server = start_server(
        site,
        tmp_path / "server.log",
        serve_args=SERVER_KINDS[kind],
        # Production mode, as behind a TLS proxy: plain HTTP is redirected to HTTPS.
        env={"OSTEOFYS_DEPLOY": "1", "OSTEOFYS_TRUSTED_PROXIES": trusted_proxies},
    )
    return site, server


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_both_servers_honour_a_declared_proxy_once(kind: str, tmp_path: Path) -> None:
    site, server = _proxied_server(kind, tmp_path, trusted_proxies="1")
    try:
        browser = Browser(server.base)
        status, location, _ = browser.get(SETUP)
        assert (status, location[:8]) == (301, "https://"), server.tail()
        # What a TLS proxy on this computer sends: answered, not redirected for ever.
        origin = "https://" + server.base.removeprefix("http://")
        browser.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Origin": origin,
        }
        status, _, body = browser.get(SETUP)
        assert status == 200, (status, server.tail())
        status, location, _ = browser.post(
            SETUP, {"csrfmiddlewaretoken": browser.cookies[CSRF_COOKIE], **SETUP_FORM}
        )
        assert (status, location) == (302, "/patienter/"), body[:500]
        # A client on the network, through the proxy (the left entry is the client's own claim).
        browser.headers["X-Forwarded-For"] = "198.51.100.7, 203.0.113.50"
        assert browser.get("/patienter/")[0] == 200
        # The access log has the address the proxy saw, counted once: not the proxy's
        # (127.0.0.1, the server ignored the header) and not the claim (a hop counted twice).
        assert site.query("SELECT address FROM audit_auditentry ORDER BY id DESC LIMIT 1") == [
            ("203.0.113.50",)
        ]
    finally:
        server.stop()


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_no_server_trusts_proxy_headers_that_were_not_declared(kind: str, tmp_path: Path) -> None:
    _, server = _proxied_server(kind, tmp_path, trusted_proxies="0")
    try:
        browser = Browser(server.base, headers={"X-Forwarded-Proto": "https"})
        status, location, _ = browser.get(SETUP)
        # gunicorn on its own would trust X-Forwarded-Proto from 127.0.0.1.
        assert (status, location[:8]) == (301, "https://"), server.tail()
    finally:
        server.stop()


# --- permissions of the data directory and the database --------------------------------------


def test_a_new_data_directory_and_database_are_private_also_with_an_open_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from osteofys.web import config

    monkeypatch.setenv("OSTEOFYS_DATA_DIR", str(tmp_path / "new" / "data"))
    monkeypatch.delenv("OSTEOFYS_DATABASE_URL", raising=False)
    old = os.umask(0)
    try:
        found = config.from_environ()
        directory = config.prepare_data_dir(found)
        url = found.database
    finally:
        os.umask(old)
    assert _mode(directory) == 0o700
    assert url.endswith(str(directory / "osteofys.sqlite3"))
    assert _mode(directory / "osteofys.sqlite3") == 0o600
    assert config.too_open(directory) == []


def test_serve_keeps_the_database_files_private_and_warns_in_danish_about_wider_ones(
    tmp_path: Path,
) -> None:
    site = Installation("sqlite", tmp_path / "new" / "data", None)  # not there yet
    server = start_server(site, tmp_path / "first.log", serve_args=("--workers", "2"))
    try:
        browser = Browser(server.base)
        assert browser.get(SETUP)[0] == 200
        assert browser.post(SETUP, SETUP_FORM)[0] == 302  # written by a worker: -wal, -shm
        modes = {
            path.name: _mode(path)
            for path in [site.data_dir, *site.data_dir.glob("osteofys.sqlite3*")]
        }
        modes["secret_key"] = _mode(site.data_dir / "secret_key")
    finally:
        server.stop()
    assert modes == {
        "data": 0o700,
        "osteofys.sqlite3": 0o600,
        "osteofys.sqlite3-wal": 0o600,
        "osteofys.sqlite3-shm": 0o600,
        "secret_key": 0o600,
    }
    assert "Advarsel" not in (tmp_path / "first.log").read_text("utf-8")

    site.data_dir.chmod(0o755)
    site.sqlite_file.chmod(0o644)
    server = start_server(site, tmp_path / "second.log", serve_args=("--workers", "1"))
    server.stop()
    log = (tmp_path / "second.log").read_text("utf-8")
    assert f"Advarsel: {site.data_dir} har rettighederne 0755" in log
    assert f"Advarsel: {site.sqlite_file} har rettighederne 0644" in log
    assert f"chmod 600 '{site.sqlite_file}'" in log


def test_the_permission_warning_goes_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from osteofys.cli import serve

    (tmp_path / "osteofys.sqlite3").touch(mode=0o644)
    (tmp_path / "osteofys.sqlite3").chmod(0o644)
    tmp_path.chmod(0o700)
    serve._warn_if_readable_by_others(tmp_path)
    out, err = capsys.readouterr()
    assert out == ""
    assert "andre brugere på computeren kan læse patientdata" in err
    assert "osteofys.sqlite3 har rettighederne 0644" in err
    assert f"{tmp_path} har" not in err  # the directory itself is private


def _mode(path: Path) -> int:
    return S_IMODE(path.stat().st_mode)


# --- make run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ([], "osteofys serve --port 8000\n"),
        (
            ["PORT=8080", "DATA=/srv/osteofys"],
            "osteofys serve --port 8080 --data-dir /srv/osteofys\n",
        ),
    ],
)
def test_make_run_passes_port_and_data_directory_on(variables: list[str], expected: str) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    shown = subprocess.run(
        # Under `make test` this is a sub-make: no "Entering directory" lines around the commands.
        [make, "--no-print-directory", "--dry-run", "--always-make", "run", *variables],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in {"PORT", "DATA"}},
        timeout=60,
        check=True,
    ).stdout
    assert shown.splitlines()[-1].endswith(expected.rstrip()), shown

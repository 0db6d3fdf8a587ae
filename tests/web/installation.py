"""A throw-away OsteoFys installation for tests that run the real `osteofys` command and server.

The server is started, stopped and waited for by the benchmarks' harness (`bench.harness`).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = harness.OSTEOFYS
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
ENGINES = ["sqlite", "postgresql"]
# For Installation.python: what every `osteofys` command does before Django starts.
PREPARE = (
    "from django.conf import settings; from osteofys.web.config import prepare_data_dir; "
    "prepare_data_dir(settings.CONFIG)\n"
)
# For Installation.python: the schema of this version, and no clinic yet.
MIGRATE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0)"
)


def postgres_server() -> str:
    """The server for scratch databases: CI's OSTEOFYS_TEST_POSTGRES, the configured one, or
    the usual loopback server."""
    configured = os.environ.get("OSTEOFYS_DATABASE_URL", "")
    return (
        os.environ.get("OSTEOFYS_TEST_POSTGRES")
        or (configured if configured.startswith("postgres") else "")
        or DEFAULT_POSTGRES
    )


def _with_database(url: str, name: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


@contextlib.contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A uniquely named, empty database on the test server, dropped afterwards.

    Skipped when no server answers, except in CI (OSTEOFYS_TEST_POSTGRES set), where the
    PostgreSQL half of a test must run.
    """
    server = postgres_server()
    try:
        conn = psycopg.connect(
            _with_database(server, "postgres"), autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        where = urllib.parse.urlsplit(server).netloc.rsplit("@", 1)[-1]
        if os.environ.get("OSTEOFYS_TEST_POSTGRES"):
            pytest.fail(
                f"OSTEOFYS_TEST_POSTGRES is set but no PostgreSQL answers at {where}: {exc}"
            )
        pytest.skip(f"no PostgreSQL server at {where} (set OSTEOFYS_TEST_POSTGRES): {exc}")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_database(server, name)
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Installation:
    """A data directory and, for PostgreSQL, a scratch database: what `osteofys` runs against."""

    engine: str
    data_dir: Path
    database_url: str | None

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONUTF8": "1", "OSTEOFYS_DATA_DIR": str(self.data_dir)}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["DJANGO_SETTINGS_MODULE"] = "osteofys.web.settings"
        for variable in ("OSTEOFYS_DATABASE_URL", "OSTEOFYS_SECRET_KEY", "PYTHONIOENCODING"):
            env.pop(variable, None)
        if self.database_url:
            env["OSTEOFYS_DATABASE_URL"] = self.database_url
        return env

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "osteofys.sqlite3"

    def osteofys(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """The command, with --data-dir; stdin is not a terminal, as in cron or CI."""
        return self._run([str(SCRIPT), *args, "--data-dir", str(self.data_dir)], timeout)

    def python(self, code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Python code with Django's settings pointing at this installation, its data
        directory prepared first (as the `osteofys` commands do)."""
        return self._run([sys.executable, "-c", PREPARE + code], timeout)

    def _run(self, command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            command,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
            env=self.env,
            cwd=ROOT,
        )
        return subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, read straight from the database, not through OsteoFys."""
        if self.engine == "sqlite":
            with contextlib.closing(sqlite3.connect(self.sqlite_file)) as conn:
                return conn.execute(sql).fetchall()
        assert self.database_url
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (and the id counters), in a stable order."""
        if self.engine == "sqlite":
            return sqlite_rows(self.sqlite_file)
        assert self.database_url
        return postgres_rows(self.database_url)


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND (name NOT LIKE 'sqlite_%' OR name = 'sqlite_sequence')"
            )
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


def postgres_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        found = {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
        found["(sequences)"] = sorted(
            conn.execute("SELECT sequencename, last_value FROM pg_sequences").fetchall(), key=repr
        )
        return found


@contextlib.contextmanager
def installation(engine: str, tmp_path: Path) -> Iterator[Installation]:
    """An empty data directory under tmp_path, with a scratch database for PostgreSQL."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if engine == "sqlite":
        yield Installation(engine, data_dir, None)
        return
    with scratch_postgres("osteofys_test_ops") as url:
        yield Installation(engine, data_dir, url)


# --- a real server ---------------------------------------------------------------------------


free_port = harness.free_port
Server = harness.Server


def start_server(
    site: Installation,
    log: Path,
    *,
    wait_s: float = 90,
    serve_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Server:
    """`osteofys serve` on a free loopback port, in its own process group; returns once it
    answers HTTP. serve_args go to the command (`--workers 1`), env adds to the environment."""
    port = free_port()
    try:
        return harness.start_server(
            harness.serve_command(port, site.data_dir, *serve_args),
            port=port,
            env={**site.env, **(env or {})},
            log=log,
            wait_s=wait_s,
            name="osteofys serve",
        )
    except harness.ServerError as exc:
        pytest.fail(str(exc))


class Browser:
    """One HTTP/1.1 connection with a cookie jar, posting forms with Django's CSRF token."""

    def __init__(
        self,
        base: str,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})  # sent with every request, e.g. a proxy's headers
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, Location header, body). Connection errors propagate: a dead server shows."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {
            **self.headers,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if fields is not None:
            fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for line in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            self.cookies.update({k: m.value for k, m in jar.items()})
        return response.status, response.headers.get("Location", ""), text

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        return self.request("POST", path, fields)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

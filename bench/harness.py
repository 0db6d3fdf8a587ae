"""The one harness of the benchmarks and of the tests that run the real server.

Ports and servers (`free_port`, `serve_command`, `start_server`, `Server`), HTTP with cookies and
a login through the real form (`fetch`, `login`), a fresh database and data directory for Django
(`fresh_database`, `django_setup`), the machine (`machine`, `machine_cpu`, `group_cpu`,
`wait_quiet`), figures (`percentile`, `percentiles`, `spread`) and the writer of the generated
blocks of docs/benchmarks.md (`write_docs`). Standard library only at import time: Django and
psycopg are imported inside the functions that need them, after the environment is set.
"""

# ruff: noqa: PLC0415

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
HOST = "127.0.0.1"
OSTEOFYS = Path(sys.executable).parent / ("osteofys.exe" if os.name == "nt" else "osteofys")


# --- ports and servers -----------------------------------------------------------------------


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def osteofys_command() -> list[str]:
    """The installed `osteofys` script beside this Python, or `python -m osteofys.cli`."""
    return [str(OSTEOFYS)] if OSTEOFYS.exists() else [sys.executable, "-m", "osteofys.cli"]


def serve_command(port: int, data_dir: Path | str, *options: str) -> list[str]:
    """`osteofys serve` on loopback `port` with this data directory; `options` follow."""
    command = [*osteofys_command(), "serve", "--host", HOST, "--port", str(port)]
    return [*command, "--data-dir", str(data_dir), *options]


class ServerError(RuntimeError):
    """A server stopped or did not answer in time; the message ends with its log's tail."""


@dataclass
class Server:
    """A server process in its own process group (its workers included), its URL and log."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        """The process id, which is also the process group's id."""
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL to the server and anything it started: no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the process group; SIGKILL if it has not stopped within `timeout` s."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 30) -> str:
        """The last lines of the server's log ("" if there is none)."""
        return tail(self.log, lines)


def tail(log: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file, "" when it cannot be read."""
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])
    return ""


def start_server(
    command: list[str],
    *,
    port: int,
    env: dict[str, str],
    log: Path,
    ready: str | None = None,
    cwd: Path = ROOT,
    wait_s: float = 120,
    name: str = "the server",
) -> Server:
    """Start `command` (which listens on loopback `port`) in its own process group, its output
    appended to `log`, and return once it answers: any HTTP answer at the path `ready`, or a
    TCP connection when `ready` is None.

    Raises:
        ServerError: the process stopped, or did not answer within `wait_s` s (it is killed).
    """
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # the server and its workers are one process group
        )
    server = Server(process, f"http://{HOST}:{port}", log)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{name} stopped (exit {process.returncode}):\n{server.tail()}")
        with contextlib.suppress(OSError):
            if ready is None:
                socket.create_connection((HOST, port), 0.5).close()
            else:
                fetch(server.base + ready, timeout=5)
            return server
        time.sleep(0.2)
    server.kill()
    raise ServerError(f"{name} did not answer within {wait_s:.0f} s:\n{server.tail()}")


# --- HTTP and login --------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Reply:
    """One HTTP answer: status, body and the cookies it set."""

    status: int
    body: bytes
    cookies: dict[str, str]


def cookies_set(lines: Iterable[str]) -> dict[str, str]:
    """The cookies of Set-Cookie header lines, by name."""
    found: dict[str, str] = {}
    for line in lines:
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        found.update({k: m.value for k, m in jar.items()})
    return found


def fetch(
    url: str,
    *,
    data: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Reply:
    """One request (POST when `data` is given), redirects not followed, any status answered.

    Raises:
        OSError: no answer (connection refused, timeout).
    """
    request = urllib.request.Request(
        url, data=data.encode() if data is not None else None, headers=headers or {}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, error.headers, error.read()
    return Reply(status, body, cookies_set(head.get_all("Set-Cookie") or []))


def login(base: str, username: str, password: str) -> dict[str, str]:
    """Session and CSRF cookies of a signed-in user, through the real login form."""
    cookies = fetch(f"{base}/konto/login/").cookies
    # The login page sets the CSRF cookie; a token of our own is as good if it does not.
    token = cookies.get("csrftoken") or "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(32)
    )
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    reply = fetch(
        f"{base}/konto/login/",
        data=urllib.parse.urlencode(form),
        headers={
            "Cookie": f"csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    if reply.status != 302 or "sessionid" not in reply.cookies:
        raise RuntimeError(f"login failed: HTTP {reply.status}")
    return {"csrftoken": token, **cookies, **reply.cookies}


# --- a fresh installation for Django ---------------------------------------------------------


def fresh_database(
    url: str | None, prefix: str = "osteofys_bench"
) -> tuple[str | None, str | None]:
    """(database URL for the server, name of a PostgreSQL database to drop at the end): a new
    database `<prefix>_<pid>` on the server of `url`, or (None, None) for SQLite."""
    if not url:
        return None, None
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("the database URL must be postgres://... (or unset for SQLite)")
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl(), name


def drop_database(url: str, name: str) -> None:
    """Drop the database `name` made by `fresh_database` on the server of `url`."""
    import psycopg

    maintenance = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """Point this process's Django at a fresh data directory (and database, else SQLite in it),
    without debug, prepare the directory and set Django up; returns the environment for the
    servers started on it."""
    env = {**os.environ, "OSTEOFYS_DATA_DIR": str(data_dir)}
    for variable in ("OSTEOFYS_DEBUG", "OSTEOFYS_DATABASE_URL"):
        env.pop(variable, None)
    if database_url:
        env["OSTEOFYS_DATABASE_URL"] = database_url
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "osteofys.web.settings"
    import django

    from osteofys.web import config

    config.prepare_data_dir(config.from_environ())  # as `osteofys serve` does before Django
    django.setup()
    return env


def database_description() -> str:
    """The database Django is configured with, for the machine line."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (WAL) in a fresh temporary directory"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return f"PostgreSQL {row[0] if row else '?'} on loopback, fresh database"


# --- the machine -----------------------------------------------------------------------------


def machine(*also: str) -> str:
    """One line on where figures were measured: CPU, cores, memory, kernel, Python, Django and
    gunicorn versions, then `also` (the database, the load generator), separated by "; "."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    versions = [f"Python {platform.python_version()}"]
    for package in ("django", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package.capitalize()} {metadata.version(package)}")
    parts = [
        f"{cpu}, {os.cpu_count()} cores{memory}",
        f"{platform.system()} {platform.release()}",
        ", ".join(versions),
        *also,
    ]
    return "; ".join(parts)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (from /proc/stat)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def group_cpu(pgid: int) -> tuple[float, int]:
    """(CPU seconds used so far, number of processes) of a process group: a server started by
    `start_server` and its workers, reaped children included."""
    total, count = 0.0, 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += sum(int(x) for x in fields[11:15])
                count += 1
    return total / os.sysconf("SC_CLK_TCK"), count


def wait_quiet(limit: float = 90, quiet: float = 0.15) -> None:
    """The machine is shared: wait (up to `limit` s) until others use under `quiet` of its CPU."""
    deadline = time.monotonic() + limit
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(1)
        busy1, total1 = machine_cpu()
        load = (busy1 - busy0) / max(1e-9, total1 - total0)
        if load < quiet:
            return
        if time.monotonic() > deadline:
            print(f"  the machine stays busy ({load:.0%} CPU used by others): measuring anyway")
            return
        print(f"  waiting for a quieter machine ({load:.0%} CPU used by others) ...", flush=True)
        time.sleep(4)


# --- figures ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, `p` from 0 to 100 (the values need not be sorted); nan if none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * p / 100))
    return ordered[rank - 1]


def percentiles(values: Sequence[float], ps: Sequence[float] = (50, 95, 99)) -> list[float]:
    """`percentile` for each of `ps`, sorting once."""
    ordered = sorted(values)
    return [percentile(ordered, p) for p in ps]


def spread(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """The median with the range: `1.23 s (1.20-1.31)`; just the value when there is one."""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f} {unit}"
    return f"{med:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


# --- docs/benchmarks.md ----------------------------------------------------------------------


def write_docs(
    section: str,
    block: str,
    *,
    begin: str,
    end: str,
    heading: str | None = None,
    append: bool = False,
    path: Path = DOCS,
) -> None:
    """Replace one generated block of a `## ` section of docs/benchmarks.md; keep the rest.

    The block is written between the marker lines `begin` and `end`, under `heading` (a `### `
    line) when given. When the section has no such block yet it goes first in the section, or
    last with `append`; a missing section is added at the end of the file.
    """
    generated = f"{begin}\n{block}\n{end}"
    start = begin
    if heading is not None:
        generated = f"{heading}\n\n{generated}"
        start = f"{heading}\n\n{begin}"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    found = re.search(rf"^{re.escape(section)}[ \t]*$", text, re.MULTILINE)
    if found is None:
        text = text.rstrip("\n") + f"\n\n{section}\n\n{generated}\n"
    else:
        following = re.search(r"^## ", text[found.end() :], re.MULTILINE)
        stop = found.end() + following.start() if following else len(text)
        body = text[found.end() : stop]
        if start in body and end in body.split(start, 1)[1]:
            before, rest = body.split(start, 1)
            body = before + generated + rest.split(end, 1)[1]
        elif append:
            body = body.rstrip("\n") + f"\n\n{generated}\n"
        else:
            body = f"\n\n{generated}\n\n" + body.lstrip("\n")
        text = (
            text[: found.end()]
            + body.rstrip("\n")
            + "\n"
            + ("\n" + text[stop:] if following else "")
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".md.tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)

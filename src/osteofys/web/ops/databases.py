"""Copying the configured database out and back in: SQLite's backup API, pg_dump and psql."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction

ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
# Filled by `migrate` itself: a freshly migrated, never used database has rows only here.
MIGRATE_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
SQLITE_TIMEOUT_S = 20
# psql and pg_restore may quote a row of data in an error (COPY ... line N: "..."): never let a
# CPR number reach the terminal or a log.
CPR_LIKE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
T = TypeVar("T")
# Reads a database with a DB-API cursor, given the names of the tables it has.
Reader = Callable[[Any, set[str]], T]


class DatabaseError(Exception):
    """The database cannot be copied or restored; the message says why, in Danish."""


def engine() -> str:
    """'sqlite' or 'postgresql', from the configured database."""
    configured = settings.DATABASES["default"]["ENGINE"]
    if configured not in ENGINES:
        raise DatabaseError(f"Databasetypen {configured} understøttes ikke af backup/gendannelse.")
    return ENGINES[configured]


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def scrub(text: str) -> str:
    """Tool output with anything shaped like a CPR number masked."""
    return CPR_LIKE.sub("[CPR skjult]", text)


# --- SQLite ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S)
    try:
        yield conn
    finally:
        conn.close()


def sqlite_snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live database, in rollback-journal mode so it is one file.

    The backup API copies every page in one step under a single read transaction: in WAL mode
    the server keeps writing meanwhile, and the copy is the database as of one commit.
    """
    if not source.is_file():
        raise DatabaseError(f"Der er ingen database at kopiere: {source} findes ikke.")
    try:
        with _sqlite(source) as live, _sqlite(target) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise DatabaseError(f"SQLite-databasen {source} kunne ikke kopieres: {exc}") from exc


def sqlite_integrity(path: Path) -> str:
    """'ok', or SQLite's first complaints."""
    try:
        with _sqlite(path) as conn:
            rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    return "; ".join(str(row[0]) for row in rows)


def sqlite_migrations(path: Path) -> dict[str, str]:
    """The latest applied migration per app, as recorded in the database file."""
    try:
        with _sqlite(path) as conn:
            rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return {}  # never migrated
    return dict(rows)


def sqlite_read(path: Path, read: Reader[T]) -> T:
    """`read` run on a database file, with a cursor and the file's table names."""
    try:
        with _sqlite(path) as conn:
            cursor = conn.cursor()
            listed = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in listed}
            return read(cursor, tables)
    except sqlite3.Error as exc:
        raise DatabaseError(f"SQLite-databasen {path} kan ikke læses: {exc}") from exc


def sqlite_tables_with_rows(path: Path) -> list[str]:
    """Tables holding data beyond what `migrate` writes; unreadable counts as holding data."""
    if not path.exists():
        return []
    try:
        with _sqlite(path) as conn:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return [
                name
                for name in names
                if name not in MIGRATE_TABLES
                and conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
            ]
    except sqlite3.Error as exc:
        return [f"(kan ikke læses: {exc})"]


def sqlite_move_aside(path: Path, suffix: str) -> Path:
    """Move the database file (with its -wal and -shm) to `<name><suffix>`; return the new path.

    Switching to rollback-journal mode first folds the WAL into the file, so the kept copy is
    one self-contained file. SQLite refuses that switch while any other connection is open,
    which is how a server in the middle of a request is noticed. A damaged file is moved as is.
    """
    try:
        with _sqlite(path) as conn:
            conn.execute("PRAGMA busy_timeout = 3000")
            conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseError(
                f"Databasen {path} er i brug af et andet program (kører osteofys serve?). "
                "Stop serveren, og prøv igen."
            ) from exc
    except sqlite3.DatabaseError:
        pass
    aside = path.with_name(path.name + suffix)
    for extra in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + extra)
        if sidecar.exists():
            os.replace(sidecar, aside.with_name(aside.name + extra))
    os.replace(path, aside)
    return aside


# --- PostgreSQL ------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(
            f"{name} blev ikke fundet. Installér PostgreSQL-klientværktøjerne "
            "(Debian/Ubuntu: apt-get install postgresql-client) i samme version som serveren."
        )
    return found


def _pg_env() -> dict[str, str]:
    """The libpq environment for the configured database: no password on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in (
        ("PGDATABASE", db.get("NAME")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return
    detail = scrub(done.stderr.strip())[-2000:]
    if "lock timeout" in detail:
        raise DatabaseError(
            "Databasen er i brug af et andet program (kører osteofys serve?). Stop serveren, "
            "og prøv igen. Intet er ændret."
        )
    raise DatabaseError(f"{what} mislykkedes (exit {done.returncode}):\n{detail}")


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def postgres_dump(target: Path, read: Reader[T]) -> tuple[dict[str, str], T]:
    """pg_dump (custom format) of one snapshot; returns its migration state and what `read` found.

    The migration state and `read` run in the transaction whose snapshot pg_dump is given, so
    they describe exactly what is in the dump, even if the server writes meanwhile.
    """
    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        snapshot = str(row[0]) if row else ""
        migrations = _postgres_migrations(cursor)
        found = read(cursor, set(connection.introspection.table_names(cursor)))
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            "pg_dump",
        )
    return migrations, found


def _postgres_migrations(cursor: Any) -> dict[str, str]:
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    row = cursor.fetchone()
    if not (row and row[0]):
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())


def postgres_tables_with_rows() -> list[str]:
    """Tables holding data beyond what `migrate` writes."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        found = []
        for name in sorted(set(names) - MIGRATE_TABLES):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(name)} LIMIT 1")
            if cursor.fetchone():
                found.append(name)
    return found


def postgres_load(dump: Path, workdir: Path) -> None:
    """Replace the configured database's schema with the dump, in one transaction.

    pg_restore turns the dump into SQL; psql runs it after dropping and recreating the schema,
    all inside one transaction: if anything fails, the database is as it was.
    """
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    script = workdir / "restore.sql"
    _run(
        [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)],
        "pg_restore",
    )
    header = workdir / "reset.sql"
    header.write_text(
        # Waiting for a running server's locks forever would look like a hang.
        "SET lock_timeout = '15s';\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n",
        "utf-8",
    )
    connection.close()
    try:
        _run(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
             f"--file={header}", f"--file={script}"],
            "Indlæsning med psql",
        )  # fmt: skip
    finally:
        script.unlink(missing_ok=True)

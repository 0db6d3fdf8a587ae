"""Which installation an operator command works on, and what it holds (said before it acts)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry
from osteofys.web.ops import databases
from osteofys.web.records.models import Patient


@dataclass(frozen=True)
class Contents:
    """How many clinics, patients and access-log entries a database holds; None: no tables."""

    clinics: int | None
    patients: int = 0
    audit_entries: int = 0

    @property
    def set_up(self) -> bool:
        return bool(self.clinics)

    def line(self) -> str:
        if self.clinics is None:
            return "ingen tabeller (databasen er aldrig sat op)"
        return (
            f"{_count(self.clinics, 'klinik', 'klinikker')}, "
            f"{_count(self.patients, 'patient', 'patienter')}, "
            f"{_count(self.audit_entries, 'post', 'poster')} i adgangsloggen"
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "clinics": self.clinics or 0,
            "patients": self.patients,
            "audit_entries": self.audit_entries,
        }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def contents_read(cursor: Any, tables: Collection[str]) -> Contents:
    """Count the rows that say what a database is, with any DB-API cursor.

    `tables` are the names the database has: the caller knows how to list them (Django's
    introspection, sqlite_master), and a missing table must not be queried, since on PostgreSQL
    an error would spoil the snapshot transaction the count may run in.
    """
    names = {
        "clinics": Clinic._meta.db_table,
        "patients": Patient._meta.db_table,
        "audit_entries": AuditEntry._meta.db_table,
    }
    if names["clinics"] not in tables:
        return Contents(clinics=None)
    counts: dict[str, int] = {}
    for key, table in names.items():
        if table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[key] = int(cursor.fetchone()[0])
    return Contents(**counts)


@dataclass(frozen=True)
class Installation:
    """The data directory, the database (never its password) and what it holds now."""

    data_dir: Path
    database: str
    contents: Contents

    def lines(self) -> list[str]:
        return [
            f"  datamappe:   {self.data_dir}",
            f"  database:    {self.database}",
            f"  indhold:     {self.contents.line()}",
        ]


def database_label() -> str:
    """Where the configured database is, in words: a file path, or a PostgreSQL server and name.

    Built from the parsed settings, never from OSTEOFYS_DATABASE_URL, which may hold a password.
    """
    if databases.engine() == "sqlite":
        return f"SQLite-filen {databases.sqlite_path()}"
    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    user = f" (bruger {db['USER']})" if db.get("USER") else ""
    return f"PostgreSQL-databasen {db['NAME']} på {where}{user}"


def installation_describe() -> Installation:
    """The configured installation as it is now. Reads only: a missing SQLite file stays missing."""
    return Installation(Path(settings.DATA_DIR), database_label(), _live_contents())


def _live_contents() -> Contents:
    if (
        databases.engine() == "sqlite"
        and not connection.is_in_memory_db()  # type: ignore[attr-defined]
        and not databases.sqlite_path().is_file()
    ):
        return Contents(clinics=None)  # connecting would create an empty file
    with connection.cursor() as cursor:
        return contents_read(cursor, set(connection.introspection.table_names(cursor)))

"""Backup and restore of an installation: the database and the secret key, in one checked file."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from osteofys import __version__
from osteofys.web import config
from osteofys.web.ops import archive, databases
from osteofys.web.ops.archive import ArchiveError, Manifest
from osteofys.web.ops.databases import DatabaseError
from osteofys.web.ops.installation import (
    Contents,
    Installation,
    contents_read,
    installation_describe,
)

SECRET_KEY_FILE = config.SECRET_KEY_FILE
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
EXIT_PROBLEM, EXIT_USAGE = 1, 2


class OpsError(Exception):
    """A problem the user must act on. The message is Danish and says what to do."""

    def __init__(self, message: str, exit_code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _size(size: int) -> str:
    if size < 1_000_000:
        return f"{size / 1e3:.0f} kB"
    return f"{size / 1e6:.1f} MB".replace(".", ",")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _migration_names(migrations: dict[str, str]) -> str:
    return ", ".join(f"{app}.{name}" for app, name in sorted(migrations.items())) or "ingen"


# --- which installation ----------------------------------------------------------------------


def installation_check() -> Installation:
    """The configured installation, refused (exit 2) when its database was never set up.

    Run from the wrong folder, a command would otherwise back up, or verify, the empty `./data`
    it finds there and report success.
    """
    found = _describe()
    if not found.contents.set_up:
        what = "har ingen tabeller" if found.contents.clinics is None else "har ingen klinik"
        raise OpsError(
            f"Databasen {what}: installationen er aldrig sat op.\n"
            + "\n".join(found.lines())
            + "\nEr det den rigtige datamappe? Angiv den med --data-dir MAPPE (eller "
            "OSTEOFYS_DATA_DIR / OSTEOFYS_DATABASE_URL).",
            EXIT_USAGE,
        )
    return found


def _describe() -> Installation:
    try:
        return installation_describe()
    except DatabaseError as exc:
        raise OpsError(str(exc)) from exc
    except Exception as exc:  # an unreachable server, a file that is not a database
        raise OpsError(
            f"Kan ikke læse den konfigurerede database: {databases.scrub(str(exc))}"
        ) from exc


# --- backup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupDone:
    path: Path
    manifest: Manifest
    sha256: str
    secret_key_included: bool
    source: Installation

    def lines(self) -> list[str]:
        m = self.manifest
        key = (
            "med (secret_key)"
            if self.secret_key_included
            else "ikke med: nøglen kommer fra OSTEOFYS_SECRET_KEY, gem den for sig"
        )
        return [
            f"Sikkerhedskopi skrevet: {self.path} ({_size(self.path.stat().st_size)})",
            f"  datamappe:   {self.source.data_dir}",
            f"  database:    {self.source.database} ({m.database_version})",
            f"  indhold:     {Contents(**m.contents).line()}",
            f"  migreringer: {_migration_names(m.migrations)}",
            f"  nøgle:       {key}",
            "  signatur:    manifestet er signeret med installationens nøgle (HMAC-SHA256)",
            f"  SHA-256:     {self.sha256}",
            "Filen indeholder patientdata og nøglen: opbevar den som journaler (krypteret, "
            "adgangsbegrænset).",
        ]


def backup_create(target: Path, *, require_set_up: bool = True) -> BackupDone:
    """Write a backup of the configured database and the data directory's key to `target`.

    Safe while the server runs: SQLite is copied with its backup API, PostgreSQL with pg_dump,
    each as of one moment. The file appears under its name only when it is complete. The
    manifest is signed with a key derived from the installation's secret key, so that a restore
    can tell the file was not changed since. A database that was never set up is refused unless
    `require_set_up` is false (restore's safety copy of whatever is there).
    """
    kind = _engine()
    source = installation_check() if require_set_up else _describe()
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix=".osteofys-backup-", dir=target.parent) as tmp:
        dump = Path(tmp) / archive.DATABASE_MEMBER[kind]
        try:
            if kind == "sqlite":
                migrations, version = _sqlite_dump(dump)
                contents = databases.sqlite_read(dump, contents_read)
            else:
                migrations, contents = databases.postgres_dump(dump, contents_read)
                version = databases.postgres_version()
        except DatabaseError as exc:
            raise OpsError(str(exc)) from exc
        files = {dump.name: dump}
        key_file = data_dir / SECRET_KEY_FILE
        if key_file.is_file():
            files[archive.SECRET_KEY_MEMBER] = key_file
        manifest = Manifest(
            format=archive.FORMAT,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            osteofys_version=__version__,
            engine=kind,
            database_version=version,
            migrations=migrations,
            members={name: archive.member_entry(path) for name, path in files.items()},
            contents=contents.as_dict(),
        ).signed(settings.SECRET_KEY)
        archive.write(target, manifest, files)
    return BackupDone(
        target.resolve(),
        manifest,
        archive.file_digest(target),
        archive.SECRET_KEY_MEMBER in files,
        source,
    )


def _engine() -> str:
    try:
        return databases.engine()
    except DatabaseError as exc:
        raise OpsError(str(exc)) from exc


def _sqlite_dump(dump: Path) -> tuple[dict[str, str], str]:
    databases.sqlite_snapshot(databases.sqlite_path(), dump)
    integrity = databases.sqlite_integrity(dump)
    if integrity != "ok":
        raise DatabaseError(
            f"Databasen er beskadiget (PRAGMA integrity_check: {integrity}). Kopien er ikke "
            "skrevet; brug den seneste gode sikkerhedskopi."
        )
    return databases.sqlite_migrations(dump), f"SQLite {sqlite3.sqlite_version}"


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestorePlan:
    """A verified backup, unpacked, and what the target database holds now."""

    source: Path
    workdir: Path
    manifest: Manifest
    files: dict[str, Path]
    occupied: list[str]
    target: Installation
    # Why the signature was not proved, when the operator accepted that (--unverified).
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        m = self.manifest
        checked = (
            "manifest og kontrolsummer er i orden, men signaturen er IKKE bevist"
            if self.warnings
            else "signaturen (denne installations nøgle), manifest og kontrolsummer er i orden"
        )
        contents = Contents(**m.contents).line() if m.contents else "ikke oplyst (ældre kopi)"
        return [
            *(f"Advarsel: {warning}" for warning in self.warnings),
            f"Kopien {self.source} er kontrolleret: {checked}.",
            f"  lavet:       {m.created} med OsteoFys {m.osteofys_version}",
            f"  database:    {m.database_version}",
            f"  indhold:     {contents}",
            f"  migreringer: {_migration_names(m.migrations)}",
            "Gendannes til:",
            *self.target.lines(),
        ]


@dataclass
class RestoreDone:
    target: str
    kept: list[tuple[str, str]] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    integrity: str = ""
    restored: Installation | None = None

    def lines(self) -> list[str]:
        lines = [f"Den tidligere {what} er gemt som: {path}" for what, path in self.kept]
        lines.append(f"Databasen er gendannet: {self.target}")
        if self.restored is not None:
            lines.extend(self.restored.lines())
        lines.append(
            "Nyere migreringer anvendt: " + ", ".join(self.migrated)
            if self.migrated
            else "Ingen nyere migreringer at anvende."
        )
        if self.integrity:
            lines.append(f"PRAGMA integrity_check: {self.integrity}")
        if settings.CONFIG.secret_key:
            lines.append(
                "Bemærk: OSTEOFYS_SECRET_KEY er sat og bruges i stedet for den gendannede nøgle."
            )
        return lines


@contextlib.contextmanager
def restore_check(
    source: Path, *, key: str | None, unverified: bool = False
) -> Iterator[RestorePlan]:
    """Verify `source` against the configured database before anything is overwritten.

    `key` is the secret key the backup's signature must match: this installation's own, or the
    old installation's when restoring onto a new machine; None when there is none to trust yet
    (the key the settings just generated would prove nothing). The key inside the backup is
    never used to check it: whoever could change the file could change that key too. With
    `unverified` a signature that cannot be proved is a warning instead of a refusal.

    Yields the plan; the unpacked files are removed when the block ends, restored or not.
    """
    kind = _engine()
    target = _describe()
    warnings: list[str] = []

    def authenticate(manifest: Manifest) -> None:
        problem = _signature_problem(manifest, key)
        if problem is None:
            return
        if not unverified:
            raise OpsError(
                f"{problem} Intet er ændret. Brug --unverified for at gendanne alligevel (så "
                "kontrolleres kun, at filen er hel, ikke at den er uændret)."
            )
        warnings.append(problem)

    # Unpacked beside the SQLite file, so putting it in place is a rename on one file system.
    beside = databases.sqlite_path().parent if kind == "sqlite" else Path(settings.DATA_DIR)
    beside.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=".osteofys-gendan-", dir=beside))
    try:
        try:
            manifest, files = archive.extract_verified(source, workdir, authenticate)
        except ArchiveError as exc:
            raise OpsError(str(exc)) from exc
        _check_engine(manifest, kind)
        _check_migrations_known(manifest)
        if kind == "sqlite":
            integrity = databases.sqlite_integrity(files[archive.DATABASE_MEMBER[kind]])
            if integrity != "ok":
                raise OpsError(f"Databasen i kopien er beskadiget (integrity_check: {integrity}).")
        yield RestorePlan(source, workdir, manifest, files, _occupied(kind), target, warnings)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _signature_problem(manifest: Manifest, key: str | None) -> str | None:
    """Why the manifest's signature does not prove the backup unchanged, or None when it does."""
    if not manifest.signature:
        return (
            "Kopien er ikke signeret (lavet med en ældre OsteoFys): det kan ikke bevises, at "
            "den er uændret."
        )
    if key is None:
        return (
            "Denne installation har endnu ingen nøgle, så kopiens signatur kan ikke "
            "kontrolleres. Angiv nøglen fra den installation, kopien er lavet på: --key-file "
            "FIL (dens secret_key), OSTEOFYS_SECRET_KEY, eller læg filen secret_key i datamappen."
        )
    if not manifest.signature_valid(key):
        return (
            "Kopiens signatur passer ikke med nøglen: kopien er ændret efter den blev lavet, "
            "eller den er lavet på en anden installation (angiv så dennes nøgle med --key-file "
            "FIL)."
        )
    return None


def _check_engine(manifest: Manifest, kind: str) -> None:
    if manifest.engine != kind:
        raise OpsError(
            f"Kopien er fra en {ENGINE_NAMES[manifest.engine]}-database, men den konfigurerede "
            f"database er {ENGINE_NAMES[kind]}. Gendan til samme slags database "
            "(OSTEOFYS_DATABASE_URL)."
        )


def _check_migrations_known(manifest: Manifest) -> None:
    """A backup from a newer OsteoFys has tables this version does not know: refuse."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{a}.{n}" for a, n in sorted(manifest.migrations.items()) if (a, n) not in known]
    if unknown:
        raise OpsError(
            f"Kopien er lavet med en nyere OsteoFys ({manifest.osteofys_version}): "
            f"migreringen {', '.join(unknown)} findes ikke i denne udgave ({__version__}). "
            "Opgrader OsteoFys, og gendan derefter."
        )


def _occupied(kind: str) -> list[str]:
    try:
        if kind == "sqlite":
            return databases.sqlite_tables_with_rows(databases.sqlite_path())
        return databases.postgres_tables_with_rows()
    except Exception as exc:  # the target must be reachable before anything is touched
        raise OpsError(
            f"Kan ikke læse den konfigurerede database: {databases.scrub(str(exc))}"
        ) from exc


def restore_apply(plan: RestorePlan) -> RestoreDone:
    """Put the backup in place of the configured database and key, then migrate and check."""
    kind = plan.manifest.engine
    stamp = _stamp()
    done = RestoreDone(target="")
    try:
        if kind == "sqlite":
            _restore_sqlite(plan, stamp, done)
        else:
            _restore_postgres(plan, stamp, done)
    except DatabaseError as exc:
        raise OpsError(str(exc)) from exc
    _restore_secret_key(plan, stamp, done)
    done.migrated = _migrate()
    if kind == "sqlite":
        done.integrity = databases.sqlite_integrity(databases.sqlite_path())
        if done.integrity != "ok":
            kept = "".join(f" Den tidligere {what} ligger i {path}." for what, path in done.kept)
            raise OpsError(
                f"Den gendannede database fejler integrity_check: {done.integrity}.{kept}"
            )
    done.restored = _describe()
    return done


def _restore_sqlite(plan: RestorePlan, stamp: str, done: RestoreDone) -> None:
    live = databases.sqlite_path()
    restored = plan.files[archive.DATABASE_MEMBER["sqlite"]]
    connection.close()
    if live.exists():
        # The server may run as another user of the same group: keep the file's permissions.
        os.chmod(restored, stat.S_IMODE(live.stat().st_mode))
        aside = databases.sqlite_move_aside(live, f".inden-gendannelse-{stamp}")
        done.kept.append(("database", str(aside)))
    live.parent.mkdir(parents=True, exist_ok=True)
    os.replace(restored, live)
    archive.fsync_directory(live.parent)
    done.target = str(live)


def _restore_postgres(plan: RestorePlan, stamp: str, done: RestoreDone) -> None:
    if plan.occupied:
        safety = Path(settings.DATA_DIR) / f"osteofys-inden-gendannelse-{stamp}.tar.gz"
        backup_create(safety, require_set_up=False)
        done.kept.append(("database (som sikkerhedskopi)", str(safety)))
    databases.postgres_load(plan.files[archive.DATABASE_MEMBER["postgresql"]], plan.workdir)
    db = settings.DATABASES["default"]
    done.target = f"PostgreSQL-databasen {db['NAME']} på {db.get('HOST') or 'localhost'}"


def _restore_secret_key(plan: RestorePlan, stamp: str, done: RestoreDone) -> None:
    restored = plan.files.get(archive.SECRET_KEY_MEMBER)
    if restored is None:
        return
    key_file = Path(settings.DATA_DIR) / SECRET_KEY_FILE
    if key_file.exists():
        if key_file.read_bytes() == restored.read_bytes():
            return
        if plan.occupied:
            aside = key_file.with_name(f"{SECRET_KEY_FILE}.inden-gendannelse-{stamp}")
            os.replace(key_file, aside)
            done.kept.append(("nøgle", str(aside)))
    os.chmod(restored, 0o600)
    os.replace(restored, key_file)


def _migrate() -> list[str]:
    """Apply the migrations this version has and the backup had not; return their names."""
    connection.close()
    before = set(MigrationRecorder(connection).applied_migrations())
    call_command("migrate", interactive=False, verbosity=0)
    after = set(MigrationRecorder(connection).applied_migrations())
    return [f"{app}.{name}" for app, name in sorted(after - before)]

"""`osteofys backup` and `osteofys restore`, run as commands on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.installation import (
    ENGINES,
    MIGRATE,
    ROOT,
    SCRIPT,
    Installation,
    installation,
    sqlite_rows,
)

CPRS = ("0204581234", "1112503456", "3007447788")
# Run in a subprocess against the installation: the project's own services write the rows, as
# the web application would (clinics, users, patients, assessments with plans, re-tests, a session).
SEED = f"""
import django
django.setup()
from datetime import date
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from osteofys.web.records import services
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user

cprs = {CPRS!r}
north, south = make_clinic("Fysio Nord"), make_clinic("Fysioterapi Ærøskøbing")
kim, bo = make_user(north, "kim"), make_user(south, "bo")
for i, cpr in enumerate(cprs):
    clinic, user = (north, kim) if i % 2 == 0 else (south, bo)
    patient = make_patient(clinic, f"Åse Ødegård Læsø {{i}}", cpr=cpr)
    make_assessment(patient, user)
    make_assessment(patient, user, tests__tug_s=14.5)
    services.retest_record(
        patient=patient, user=user, test="tug_s", when=date(2026, 11, 20), value=9.5, unable=False
    )
session = SessionStore()
session["note"] = "gemt før sikkerhedskopien"
session.create()
"""
# One more write after a restore: the id counters came back too, so nothing collides.
ANOTHER_PATIENT = """
import django
django.setup()
from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_patient
print(make_patient(Clinic.objects.get(name="Fysio Nord"), "Efter Gendannelsen").pk)
"""


def _seeded(engine: str, tmp_path: Path) -> Iterator[Installation]:
    with installation(engine, tmp_path) as made:
        seeded = made.python(SEED)
        assert seeded.returncode == 0, seeded.stderr
        yield made


@pytest.fixture(params=ENGINES)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Installation]:
    yield from _seeded(request.param, tmp_path)


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[Installation]:
    yield from _seeded("sqlite", tmp_path)


def _no_cpr(*outputs: str) -> None:
    for text in outputs:
        for cpr in CPRS:
            assert cpr not in text
            assert f"{cpr[:6]}-{cpr[6:]}" not in text


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.load(member))


def _sign(manifest: dict, key: str) -> dict:
    """The manifest signed as the documented scheme says, computed here independently."""
    fields = {k: v for k, v in manifest.items() if k != "signature"}
    message = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    derived = hmac.new(key.encode(), b"osteofys-backup-v1", hashlib.sha256).digest()
    return {**fields, "signature": hmac.new(derived, message, hashlib.sha256).hexdigest()}


def _key(site: Installation) -> str:
    return (site.data_dir / "secret_key").read_text("utf-8").strip()


def _contents(site: Installation) -> str:
    """What the installation holds, counted straight from its database, as the commands say it."""
    (clinics,), (patients,), (entries,) = (
        site.query(f"SELECT COUNT(*) FROM {table}")[0]
        for table in ("accounts_clinic", "records_patient", "audit_auditentry")
    )
    return f"{clinics} klinikker, {patients} patienter, {entries} poster i adgangsloggen"


def _destroy(site: Installation) -> None:
    """Lose the database and the key, as a dead disk would."""
    if site.engine == "sqlite":
        for path in site.data_dir.glob("osteofys.sqlite3*"):
            path.unlink()
    else:
        import psycopg

        assert site.database_url
        with psycopg.connect(site.database_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    (site.data_dir / "secret_key").unlink()


def test_backup_destroy_restore_gives_back_every_row(site: Installation, tmp_path: Path) -> None:
    before = site.rows()
    assert len(before["records_patient"]) == len(CPRS)
    key = (site.data_dir / "secret_key").read_text("utf-8")
    archive = tmp_path / "kopi.tar.gz"

    contents = _contents(site)
    assert contents.startswith("2 klinikker, 3 patienter, ")
    backup = site.osteofys("backup", str(archive))
    assert backup.returncode == 0, backup.stderr
    assert "Sikkerhedskopi skrevet" in backup.stdout
    assert f"datamappe:   {site.data_dir}" in backup.stdout
    assert f"indhold:     {contents}" in backup.stdout
    manifest = _manifest(archive)
    assert manifest["format"] == "osteofys.backup/2"
    assert manifest == _sign(manifest, key)  # signed with the installation's key
    assert manifest["engine"] == site.engine
    assert manifest["migrations"]["records"].startswith("0")
    assert set(manifest["members"]) == {
        "secret_key",
        "database.sqlite3" if site.engine == "sqlite" else "database.pgdump",
    }

    refused = site.osteofys("restore", str(archive))
    assert refused.returncode == 1, refused.stdout
    assert "allerede data" in refused.stderr
    assert "--force" in refused.stderr
    assert site.rows() == before
    # The disk dies with the key; the operator kept a copy of it elsewhere, as documented.
    (tmp_path / "gemt-nøgle").write_text(key, "utf-8")

    _destroy(site)
    restored = site.osteofys("restore", str(archive), "--key-file", str(tmp_path / "gemt-nøgle"))
    assert restored.returncode == 0, restored.stderr
    assert "Databasen er gendannet" in restored.stdout
    # Before: the backup's contents and the empty target; after: what the target holds now.
    assert f"indhold:     {contents}" in restored.stdout
    assert "ingen tabeller" in restored.stdout
    assert restored.stdout.count(f"datamappe:   {site.data_dir}") == 2
    assert restored.stdout.rstrip().count(contents) == 2
    if site.engine == "sqlite":
        assert "PRAGMA integrity_check: ok" in restored.stdout
    assert site.rows() == before
    assert (site.data_dir / "secret_key").read_text("utf-8") == key

    another = site.python(ANOTHER_PATIENT)
    assert another.returncode == 0, another.stderr
    assert len(site.rows()["records_patient"]) == len(CPRS) + 1
    _no_cpr(backup.stdout, backup.stderr, refused.stdout, refused.stderr)
    _no_cpr(restored.stdout, restored.stderr)


def test_restore_with_force_keeps_the_current_database(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive = tmp_path / "kopi.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    before = site.rows()
    assert site.python(ANOTHER_PATIENT).returncode == 0
    newer = site.rows()

    restored = site.osteofys("restore", str(archive), "--force")
    assert restored.returncode == 0, restored.stderr
    assert site.rows() == before
    kept = [
        line.split(": ", 1)[1]
        for line in restored.stdout.splitlines()
        if line.startswith("Den tidligere database er gemt som")
    ]
    assert len(kept) == 1, restored.stdout
    assert sqlite_rows(Path(kept[0])) == newer


def _rewrite(
    archive: Path,
    target: Path,
    *,
    change: dict[str, bytes] | None = None,
    rename: dict[str, str] | None = None,
    manifest: dict | None = None,
) -> None:
    """A copy of the archive with members' bytes or names, or the manifest, replaced."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            data = (change or {}).get(member.name, data)
            member.name = (rename or {}).get(member.name, member.name)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_restore_refuses_a_changed_backup_and_touches_nothing(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive, tampered = tmp_path / "kopi.tar.gz", tmp_path / "aendret.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    with tarfile.open(archive) as tar:
        database = bytearray(tar.extractfile("database.sqlite3").read())  # type: ignore[union-attr]
    database[-1] ^= 0xFF
    _rewrite(archive, tampered, change={"database.sqlite3": bytes(database)})
    before = site.rows()

    done = site.osteofys("restore", str(tampered), "--force")
    assert done.returncode == 1
    assert "Kontrolsummen for database.sqlite3 passer ikke" in done.stderr
    assert "Traceback" not in done.stderr
    assert site.rows() == before
    assert sorted(p.name for p in site.data_dir.iterdir()) == [
        "osteofys.sqlite3",
        "secret_key",
        "static",
    ]


def test_restore_refuses_a_backup_of_another_database_engine(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive, other = tmp_path / "kopi.tar.gz", tmp_path / "pg.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    manifest = _manifest(archive)
    manifest["engine"] = "postgresql"
    manifest["members"]["database.pgdump"] = manifest["members"].pop("database.sqlite3")
    manifest = _sign(manifest, _key(site))
    _rewrite(archive, other, rename={"database.sqlite3": "database.pgdump"}, manifest=manifest)

    done = site.osteofys("restore", str(other), "--force")
    assert done.returncode == 1
    assert "PostgreSQL" in done.stderr
    assert "SQLite" in done.stderr
    assert "Traceback" not in done.stderr


def test_restore_refuses_what_is_not_a_backup(sqlite_site: Installation, tmp_path: Path) -> None:
    junk = tmp_path / "noget.tar.gz"
    junk.write_bytes(b"not a tar file at all")
    done = sqlite_site.osteofys("restore", str(junk), "--force")
    assert done.returncode == 1
    assert "ikke læses som en OsteoFys-sikkerhedskopi" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_problems_exit_2(tmp_path: Path) -> None:
    with installation("sqlite", tmp_path) as site:
        missing = site.osteofys("restore", str(tmp_path / "findes-ikke.tar.gz"))
        assert missing.returncode == 2
        assert "findes-ikke.tar.gz" in missing.stderr
        nowhere = site.osteofys("backup", str(tmp_path / "ingen-mappe" / "kopi.tar.gz"))
        assert nowhere.returncode == 2
        assert "findes ikke" in nowhere.stderr


def test_backup_while_the_database_is_written_is_consistent(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    """A writer commits pairs of rows the whole time; every copy holds whole pairs only."""
    site = sqlite_site
    stop = threading.Event()
    written = [0]

    def write_pairs() -> None:
        conn = sqlite3.connect(site.sqlite_file, timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            n = written[0]
            conn.execute("BEGIN IMMEDIATE")
            for half in "ab":
                conn.execute(
                    "INSERT INTO django_session VALUES (?, ?, '2030-01-01 00:00:00')",
                    (f"pair{n:08d}{half}", "x" * 2000),
                )
            conn.execute("COMMIT")
            written[0] = n + 1
            time.sleep(0.001)  # leave the shared CPU some room
        conn.close()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        time.sleep(0.3)
        archives = []
        for i in range(2):
            archives.append(tmp_path / f"kopi{i}.tar.gz")
            done = site.osteofys("backup", str(archives[-1]))
            assert done.returncode == 0, done.stderr
    finally:
        stop.set()
        writer.join()
    assert written[0] > 0
    for archive in archives:
        with tarfile.open(archive) as tar:
            tar.extract("database.sqlite3", tmp_path / archive.stem, filter="data")
        copy = tmp_path / archive.stem / "database.sqlite3"
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            keys = [r[0] for r in conn.execute("SELECT session_key FROM django_session")]
        pairs = [k for k in keys if k.startswith("pair")]
        assert pairs, "the copy should hold some of the rows written before it"
        assert len(pairs) % 2 == 0
        assert {k[:-1] for k in pairs if k.endswith("a")} == {
            k[:-1] for k in pairs if k.endswith("b")
        }


def _restore_on_a_terminal(site: Installation, archive: Path, answer: str) -> tuple[int, str]:
    """`osteofys restore` with a terminal as its standard input, answering its question."""
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            [str(SCRIPT), "restore", str(archive), "--data-dir", str(site.data_dir)],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=site.env,
            cwd=ROOT,
        )
        os.write(leader, f"{answer}\n".encode())
        output, _ = process.communicate(timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    return process.returncode, output.decode("utf-8")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_restore_on_a_terminal_asks_before_overwriting(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive = tmp_path / "kopi.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    assert site.python(ANOTHER_PATIENT).returncode == 0
    newer = site.rows()

    code, output = _restore_on_a_terminal(site, archive, "nej")
    assert code == 1, output
    assert "Skriv ja for at fortsætte" in output
    assert "Intet er ændret" in output
    assert site.rows() == newer

    code, output = _restore_on_a_terminal(site, archive, "ja")
    assert code == 0, output
    assert "Databasen er gendannet" in output
    assert len(site.rows()["records_patient"]) == len(CPRS)


def test_restore_refuses_a_backup_from_a_newer_osteofys(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive, newer = tmp_path / "kopi.tar.gz", tmp_path / "nyere.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    manifest = _manifest(archive)
    manifest["migrations"]["records"] = "9999_from_the_future"
    _rewrite(archive, newer, manifest=_sign(manifest, _key(site)))

    done = site.osteofys("restore", str(newer), "--force")
    assert done.returncode == 1
    assert "records.9999_from_the_future" in done.stderr
    assert "Opgrader OsteoFys" in done.stderr


def test_restore_applies_the_migrations_the_backup_lacks(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    """A backup made before an upgrade: restoring it brings the schema up to this version."""
    site = sqlite_site
    unapplied = site.python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', 'sessions', 'zero', verbosity=0)"
    )
    assert unapplied.returncode == 0, unapplied.stderr
    archive = tmp_path / "aeldre.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    assert "sessions" not in _manifest(archive)["migrations"]

    done = site.osteofys("restore", str(archive), "--force")
    assert done.returncode == 0, done.stderr
    assert "Nyere migreringer anvendt: sessions.0001_initial" in done.stdout
    assert "django_session" in site.rows()


# --- the signature: a changed backup is refused, whoever recomputed its checksums ------------


def _forged(archive: Path, target: Path, *, key: str | None = None) -> None:
    """The backup with its database changed and the manifest's checksums recomputed to match.

    Without `key` the old signature stays (the forger lacks the key); with it, the forger signs
    with a key of their own choosing (for instance the one inside the backup).
    """
    manifest = _manifest(archive)
    (name,) = (m for m in manifest["members"] if m.startswith("database."))
    with tarfile.open(archive) as tar:
        original = tar.extractfile(name).read()  # type: ignore[union-attr]
    if name == "database.sqlite3":
        copy = target.with_suffix(".sqlite3")
        copy.write_bytes(original)
        with sqlite3.connect(copy) as conn:
            conn.execute("UPDATE records_patient SET name = 'Forfalsket Patient'")
        changed = copy.read_bytes()
    else:
        changed = original + b"\0"  # pg_restore would read it; the signature must stop it first
    manifest["members"][name] = {
        "sha256": hashlib.sha256(changed).hexdigest(),
        "size": len(changed),
    }
    if key is not None:
        manifest = _sign(manifest, key)
    _rewrite(archive, target, change={name: changed}, manifest=manifest)


@pytest.mark.parametrize("forger_key", [None, "the forger's own key"])
def test_restore_refuses_a_backup_whose_database_and_manifest_were_both_changed(
    site: Installation, tmp_path: Path, forger_key: str | None
) -> None:
    archive, forged = tmp_path / "kopi.tar.gz", tmp_path / "forfalsket.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    _forged(archive, forged, key=forger_key)
    before = site.rows()

    done = site.osteofys("restore", str(forged), "--force")
    assert done.returncode == 1, done.stdout
    assert "signatur passer ikke med nøglen" in done.stderr
    assert "Traceback" not in done.stderr
    assert site.rows() == before
    assert "Forfalsket" not in repr(site.rows())


def test_the_key_inside_the_backup_does_not_vouch_for_it(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    """A forger who has the file has its key: signing with it must not pass on this installation
    once its own key is another (the file moved here from elsewhere and was changed on the way)."""
    site = sqlite_site
    archive, forged = tmp_path / "kopi.tar.gz", tmp_path / "forfalsket.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    with tarfile.open(archive) as tar:
        inside = tar.extractfile("secret_key").read().decode().strip()  # type: ignore[union-attr]
    _forged(archive, forged, key=inside)
    (site.data_dir / "secret_key").write_text("this installation's own, different key", "utf-8")

    done = site.osteofys("restore", str(forged), "--force")
    assert done.returncode == 1, done.stdout
    assert "signatur passer ikke" in done.stderr
    assert "--key-file" in done.stderr


def test_an_unsigned_backup_is_restored_only_with_unverified(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    """A backup from before signatures (format 1): refused by default, restored with a warning."""
    site = sqlite_site
    archive, old = tmp_path / "kopi.tar.gz", tmp_path / "gammel.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    manifest = _manifest(archive)
    for newer in ("signature", "contents"):
        del manifest[newer]
    manifest["format"] = "osteofys.backup/1"
    _rewrite(archive, old, manifest=manifest)
    assert site.python(ANOTHER_PATIENT).returncode == 0
    newer_rows = site.rows()

    refused = site.osteofys("restore", str(old), "--force")
    assert refused.returncode == 1, refused.stdout
    assert "ikke signeret" in refused.stderr
    assert "--unverified" in refused.stderr
    assert site.rows() == newer_rows

    done = site.osteofys("restore", str(old), "--force", "--unverified")
    assert done.returncode == 0, done.stderr
    assert "Advarsel: Kopien er ikke signeret" in done.stdout
    assert "signaturen er IKKE bevist" in done.stdout
    assert len(site.rows()["records_patient"]) == len(CPRS)


def test_restore_on_a_new_machine_needs_the_old_key(
    sqlite_site: Installation, tmp_path: Path
) -> None:
    site = sqlite_site
    archive = tmp_path / "kopi.tar.gz"
    assert site.osteofys("backup", str(archive)).returncode == 0
    before = site.rows()
    new = Installation("sqlite", tmp_path / "ny-maskine", None)

    refused = new.osteofys("restore", str(archive))
    assert refused.returncode == 1, refused.stdout
    assert "ingen nøgle" in refused.stderr
    assert "--key-file" in refused.stderr
    # The key the settings generated for this refused attempt is not left to pose as the
    # installation's own at the next one; nothing was restored.
    assert not (new.data_dir / "secret_key").exists()
    assert "records_patient" not in sqlite_rows(new.sqlite_file)

    done = new.osteofys("restore", str(archive), "--key-file", str(site.data_dir / "secret_key"))
    assert done.returncode == 0, done.stderr
    assert "signaturen (denne installations nøgle)" in done.stdout
    assert new.rows() == before
    assert _key(new) == _key(site)


# --- which installation: said, and an empty one refused --------------------------------------


def test_backup_run_from_another_folder_refuses_the_empty_data_directory(tmp_path: Path) -> None:
    """The trap: `osteofys backup FIL` from the wrong folder found an empty ./data and said the
    file held patient data."""
    elsewhere = tmp_path / "en-anden-mappe"
    elsewhere.mkdir()
    env = Installation("sqlite", tmp_path / "unused", None).env
    del env["OSTEOFYS_DATA_DIR"]
    done = subprocess.run(
        [str(SCRIPT), "backup", "kopi.tar.gz"],
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout
    assert f"datamappe:   {elsewhere / 'data'}" in done.stderr
    assert "aldrig sat op" in done.stderr
    assert "--data-dir" in done.stderr
    assert "patientdata" not in done.stdout + done.stderr
    assert not (elsewhere / "kopi.tar.gz").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_and_audit_verify_refuse_a_database_never_set_up(
    engine: str, tmp_path: Path
) -> None:
    with installation(engine, tmp_path) as site:
        for migrated in (False, True):
            backup = site.osteofys("backup", str(tmp_path / "kopi.tar.gz"))
            verify = site.osteofys("audit", "verify")
            for done in (backup, verify):
                assert done.returncode == 2, done.stdout
                assert "aldrig sat op" in done.stderr
                assert f"datamappe:   {site.data_dir}" in done.stderr
                what = "SQLite-filen" if engine == "sqlite" else "PostgreSQL-databasen"
                assert what in done.stderr
                assert ("ingen klinik" if migrated else "ingen tabeller") in done.stderr
            assert not (tmp_path / "kopi.tar.gz").exists()
            if not migrated:
                made = site.python(MIGRATE)
                assert made.returncode == 0, made.stderr


def test_audit_verify_says_which_installation_it_checked(site: Installation) -> None:
    done = site.osteofys("audit", "verify")
    assert done.returncode == 0, done.stderr
    (entries,) = site.query("SELECT COUNT(*) FROM audit_auditentry")[0]
    assert done.stdout == f"intact: {entries} entries\n"
    assert f"datamappe:   {site.data_dir}" in done.stderr
    assert f"indhold:     {_contents(site)}" in done.stderr
    if site.engine == "postgresql":
        assert site.database_url
        database = site.database_url.rsplit("/", 1)[1]
        assert f"PostgreSQL-databasen {database} på 127.0.0.1:5432" in done.stderr


def test_no_command_prints_a_database_password(tmp_path: Path) -> None:
    """The database is named from the parsed settings, never from the URL with its password."""
    with installation("postgresql", tmp_path) as site:
        assert site.database_url
        parts = site.database_url.split("://", 1)
        secret = "hemmeligt-kodeord-42"
        credentials, rest = parts[1].split("@", 1)
        site.database_url = f"{parts[0]}://{credentials.split(':')[0]}:{secret}@{rest}"
        done = site.osteofys("audit", "verify")  # never set up: refused, and says where
        assert done.returncode == 2, done.stderr
        assert "PostgreSQL-databasen" in done.stderr
        assert secret not in done.stdout + done.stderr

"""The backup file: a gzip'ed tar holding a signed manifest, the database and the secret key."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# /2 adds the signature and the contents; /1 (unsigned) is still read, for restore to judge.
FORMAT = "osteofys.backup/2"
FORMAT_UNSIGNED = "osteofys.backup/1"
READABLE = (FORMAT, FORMAT_UNSIGNED)
# The signing key is derived from the installation's secret key for this one purpose, so a
# signature can never be replayed as (or reveal anything about) the session or token signatures
# Django makes with the same secret.
SIGNING_PURPOSE = b"osteofys-backup-v1"
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SECRET_KEY_MEMBER = "secret_key"
ALLOWED_MEMBERS = {MANIFEST, SECRET_KEY_MEMBER, *DATABASE_MEMBER.values()}
CHUNK = 1 << 20


class ArchiveError(Exception):
    """The file is not a sound OsteoFys backup; the message says why, in Danish."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, and what it was made from."""

    format: str
    created: str
    osteofys_version: str
    engine: str
    database_version: str
    migrations: dict[str, str]
    members: dict[str, dict[str, Any]]
    # Clinics, patients and access-log entries in the database member (signed, so restore can
    # say what it is about to put in place before unpacking anything).
    contents: dict[str, int] = field(default_factory=dict)
    signature: str = ""

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

    def _signed_bytes(self) -> bytes:
        # Canonical JSON of every field but the signature: the same manifest always gives the
        # same bytes, whatever spacing or key order the file has.
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def _mac(self, secret_key: str) -> str:
        key = hmac.new(secret_key.encode("utf-8"), SIGNING_PURPOSE, hashlib.sha256).digest()
        return hmac.new(key, self._signed_bytes(), hashlib.sha256).hexdigest()

    def signed(self, secret_key: str) -> Manifest:
        """This manifest with an HMAC-SHA256 over all its fields, keyed from `secret_key`."""
        return dataclasses.replace(self, signature=self._mac(secret_key))

    def signature_valid(self, secret_key: str) -> bool:
        return bool(self.signature) and hmac.compare_digest(self.signature, self._mac(secret_key))

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArchiveError(f"{MANIFEST} er ikke gyldig JSON ({exc}).") from exc
        if not isinstance(raw, dict) or raw.get("format") not in READABLE:
            found = raw.get("format") if isinstance(raw, dict) else None
            raise ArchiveError(
                f"Ukendt format {found!r} i {MANIFEST}; denne udgave læser {FORMAT!r}."
            )
        # An unsigned (older) manifest has neither of the newer fields; a signed one needs both.
        optional = {"contents", "signature"} if raw["format"] == FORMAT_UNSIGNED else set()
        try:
            manifest = cls(
                **{
                    key: raw[key]
                    for key in cls.__dataclass_fields__
                    if key in raw or key not in optional
                }
            )
        except KeyError as exc:
            raise ArchiveError(f"{MANIFEST} mangler feltet {exc}.") from exc
        manifest.check()
        return manifest

    def check(self) -> None:
        """The shape a restore relies on: a known engine, its database among the members."""
        members, migrations, contents = self.members, self.migrations, self.contents
        if (
            not all(isinstance(part, dict) for part in (members, migrations, contents))
            or not all(isinstance(entry, dict) for entry in members.values())
            or not all(isinstance(n, int) for n in contents.values())
            or not isinstance(self.signature, str)
        ):
            raise ArchiveError(f"{MANIFEST} har ikke den forventede opbygning.")
        if self.engine not in DATABASE_MEMBER:
            raise ArchiveError(f"Ukendt databasetype {self.engine!r} i {MANIFEST}.")
        if DATABASE_MEMBER[self.engine] not in members:
            raise ArchiveError(
                f"{MANIFEST} nævner ingen database ({DATABASE_MEMBER[self.engine]})."
            )


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks (a database can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def member_entry(path: Path) -> dict[str, Any]:
    return {"sha256": file_digest(path), "size": path.stat().st_size}


def write(target: Path, manifest: Manifest, files: dict[str, Path]) -> None:
    """Write the archive next to `target` and move it into place only when it is complete.

    The file holds patient data and the secret key, so only its owner may read it.
    """
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o600)
        with tarfile.open(temporary, "w:gz", compresslevel=6) as tar:
            _add_bytes(tar, MANIFEST, manifest.to_bytes())
            for member, path in files.items():
                info = tar.gettarinfo(str(path), arcname=member)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with path.open("rb") as stream:
                    tar.addfile(info, stream)
        with temporary.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        fsync_directory(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (not possible on Windows).
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def extract_verified(
    source: Path, workdir: Path, authenticate: Callable[[Manifest], None]
) -> tuple[Manifest, dict[str, Path]]:
    """Read the archive once: check the manifest and every member's checksum, unpack to workdir.

    `authenticate` judges the manifest (its signature) before any member is unpacked, and raises
    to stop. Members are copied by name into workdir, never extracted with their own paths, so a
    crafted archive cannot write anywhere else.
    """
    try:
        with tarfile.open(source, "r:*") as tar:
            return _extract(tar, workdir, authenticate)
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        # tarfile and gzip raise these on a file that is not a tar, or is cut short or damaged.
        raise ArchiveError(
            f"{source} kan ikke læses som en OsteoFys-sikkerhedskopi: filen er beskadiget "
            f"eller af en anden slags ({exc})."
        ) from exc


def _extract(
    tar: tarfile.TarFile, workdir: Path, authenticate: Callable[[Manifest], None]
) -> tuple[Manifest, dict[str, Path]]:
    members = iter(tar)
    first = next(members, None)
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError(f"Filen begynder ikke med {MANIFEST}: ikke en OsteoFys-sikkerhedskopi.")
    manifest = Manifest.from_bytes(_read_member(tar, first))
    authenticate(manifest)
    extracted: dict[str, Path] = {}
    for member in members:
        expected = manifest.members.get(member.name)
        if member.name not in ALLOWED_MEMBERS or expected is None or not member.isfile():
            raise ArchiveError(f"Uventet indhold i kopien: {member.name!r}.")
        path = workdir / member.name
        digest = _copy_member(tar, member, path)
        if digest != expected.get("sha256"):
            raise ArchiveError(
                f"Kontrolsummen for {member.name} passer ikke: filen er ændret eller beskadiget."
            )
        extracted[member.name] = path
    missing = sorted(set(manifest.members) - set(extracted))
    if missing:
        raise ArchiveError(f"Kopien mangler {', '.join(missing)}, som {MANIFEST} nævner.")
    return manifest, extracted


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    stream = tar.extractfile(member)
    if stream is None:
        raise ArchiveError(f"{member.name} kan ikke læses.")
    return stream.read()


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> str:
    stream = tar.extractfile(member)
    if stream is None:
        raise ArchiveError(f"{member.name} kan ikke læses.")
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in _chunks(stream):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _chunks(stream: io.BufferedReader | Any) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk

"""Where the data lives and how to reach the database, from the environment (no Django imports)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

# Health data: only the user the server runs as may read the data directory and the database.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_NAME = "osteofys.sqlite3"


def data_dir() -> Path:
    """The data directory: OSTEOFYS_DATA_DIR, else ./data. Created on first use, private (0700).

    An existing directory keeps its permissions (`osteofys serve` warns when they are wider).
    """
    path = Path(os.environ.get("OSTEOFYS_DATA_DIR", "data")).resolve()
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        # mkdir's mode is filtered by the umask, which could take bits away but never add
        # any; chmod makes it exactly 0700 whatever the umask.
        path.chmod(PRIVATE_DIR_MODE)
    return path


def secret_key(directory: Path) -> str:
    """OSTEOFYS_SECRET_KEY, else a key generated on first run and kept in the data directory."""
    configured = os.environ.get("OSTEOFYS_SECRET_KEY")
    if configured:
        return configured
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50), "utf-8")
    return key_file.read_text("utf-8").strip()


def database_url(directory: Path) -> str:
    """OSTEOFYS_DATABASE_URL (PostgreSQL for several users), else SQLite in the data directory.

    The SQLite file is created here, empty and 0600, before anything connects: SQLite would
    create it 0644, and it gives the -wal and -shm files it makes later the main file's
    permissions, whatever the process's umask.
    """
    configured = os.environ.get("OSTEOFYS_DATABASE_URL")
    if configured:
        return configured
    sqlite = directory / SQLITE_NAME
    if not sqlite.exists():
        # O_EXCL: a file another process created meanwhile is left as it is.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(sqlite, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    return f"sqlite:///{sqlite}"


def too_open(directory: Path) -> list[tuple[Path, int]]:
    """(path, mode) of the data directory and the files in it that others than the owner can
    use: the SQLite database with its -wal and -shm, and the secret key. Empty on Windows,
    where POSIX modes say nothing."""
    if os.name == "nt":
        return []
    candidates = [(directory, PRIVATE_DIR_MODE)] + [
        (directory / name, PRIVATE_FILE_MODE)
        for name in (SQLITE_NAME, f"{SQLITE_NAME}-wal", f"{SQLITE_NAME}-shm", "secret_key")
    ]
    found = []
    for path, allowed in candidates:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~allowed:
            found.append((path, mode))
    return found


_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def deploy_mode(allowed_hosts: list[str]) -> bool:
    """True when the app is meant to be reached from other computers (then HTTPS only)."""
    if os.environ.get("OSTEOFYS_DEPLOY") in {"0", "1"}:
        return os.environ["OSTEOFYS_DEPLOY"] == "1"
    return any(host.strip() not in _LOOPBACK_HOSTS for host in allowed_hosts if host.strip())

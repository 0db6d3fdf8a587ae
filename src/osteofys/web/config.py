"""Where the data lives and how to reach the database, from the environment (no Django imports)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    """The data directory: OSTEOFYS_DATA_DIR, else ./data. Created on first use."""
    path = Path(os.environ.get("OSTEOFYS_DATA_DIR", "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
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
    """OSTEOFYS_DATABASE_URL (PostgreSQL for several users), else SQLite in the data directory."""
    return os.environ.get("OSTEOFYS_DATABASE_URL") or f"sqlite:///{directory / 'osteofys.sqlite3'}"


_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def deploy_mode(allowed_hosts: list[str]) -> bool:
    """True when the app is meant to be reached from other computers (then HTTPS only)."""
    if os.environ.get("OSTEOFYS_DEPLOY") in {"0", "1"}:
        return os.environ["OSTEOFYS_DEPLOY"] == "1"
    return any(host.strip() not in _LOOPBACK_HOSTS for host in allowed_hosts if host.strip())

"""The installation's configuration, read from the environment in one place (no Django imports).

`from_environ()` reads every OSTEOFYS_* variable once into a typed, frozen `Config` and refuses a
malformed value with a `ConfigError` that names the variable. Reading writes nothing:
`prepare_data_dir(config)` makes the data directory, the secret key and the SQLite file, and is
called by the entry points that run the application (`osteofys serve`, `osteofys manage` and the
other commands, the WSGI module, the test setup), never by the settings.

Variables: OSTEOFYS_DATA_DIR, OSTEOFYS_DATABASE_URL, OSTEOFYS_SECRET_KEY, OSTEOFYS_ALLOWED_HOSTS,
OSTEOFYS_DEBUG, OSTEOFYS_DEPLOY, OSTEOFYS_TRUSTED_PROXIES, OSTEOFYS_LOGIN_FAILURE_LIMIT,
OSTEOFYS_LOGIN_COOLOFF_MINUTES, OSTEOFYS_IDLE_MINUTES. An empty value counts as not set.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Health data: only the user the server runs as may read the data directory and the database.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_NAME = "osteofys.sqlite3"
SECRET_KEY_FILE = "secret_key"
STATIC_DIR = "static"

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
_DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class ConfigError(ValueError):
    """An OSTEOFYS_* variable with a value the application cannot use; the message names it."""


@dataclass(frozen=True)
class Config:
    """What the environment says about this installation. Secrets stay out of the repr."""

    data_dir: Path
    database_url: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    allowed_hosts: tuple[str, ...] = _DEFAULT_HOSTS
    debug: bool = False
    # OSTEOFYS_DEPLOY: True or False when set, None to decide from the allowed hosts.
    deploy_setting: bool | None = None
    trusted_proxies: int = 0
    login_failure_limit: int = 5
    login_cooloff_minutes: int = 15
    idle_minutes: int = 30

    @property
    def deploy(self) -> bool:
        """True when the app is meant to be reached from other computers (then HTTPS only)."""
        if self.deploy_setting is not None:
            return self.deploy_setting
        return any(host not in _LOOPBACK_HOSTS for host in self.allowed_hosts)

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / SECRET_KEY_FILE

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / SQLITE_NAME

    @property
    def static_root(self) -> Path:
        return self.data_dir / STATIC_DIR

    @property
    def database(self) -> str:
        """OSTEOFYS_DATABASE_URL (PostgreSQL for several users), else SQLite in the data dir."""
        return self.database_url or f"sqlite:///{self.sqlite_file}"

    def has_secret_key(self) -> bool:
        """Whether the installation has a key of its own: set, or kept in its data directory."""
        return bool(self.secret_key) or self.secret_key_file.is_file()

    def read_secret_key(self) -> str:
        """OSTEOFYS_SECRET_KEY, else the key kept in the data directory.

        Raises:
            FileNotFoundError: neither is there (the data directory was not prepared).
        """
        if self.secret_key:
            return self.secret_key
        return self.secret_key_file.read_text("utf-8").strip()


def from_environ(environ: Mapping[str, str] | None = None) -> Config:
    """The configuration the environment (default: os.environ) gives.

    Raises:
        ConfigError: a variable is set to a value that is not allowed; the message names it.
    """
    env = os.environ if environ is None else environ

    def text(name: str) -> str | None:
        return env.get(name) or None

    hosts = text("OSTEOFYS_ALLOWED_HOSTS")
    return Config(
        data_dir=Path(text("OSTEOFYS_DATA_DIR") or "data").resolve(),
        database_url=text("OSTEOFYS_DATABASE_URL"),
        secret_key=text("OSTEOFYS_SECRET_KEY"),
        allowed_hosts=(
            tuple(h.strip() for h in hosts.split(",") if h.strip()) if hosts else _DEFAULT_HOSTS
        ),
        debug=_flag(env, "OSTEOFYS_DEBUG") or False,
        deploy_setting=_flag(env, "OSTEOFYS_DEPLOY"),
        trusted_proxies=_whole(env, "OSTEOFYS_TRUSTED_PROXIES", 0, minimum=0),
        login_failure_limit=_whole(env, "OSTEOFYS_LOGIN_FAILURE_LIMIT", 5, minimum=1),
        login_cooloff_minutes=_whole(env, "OSTEOFYS_LOGIN_COOLOFF_MINUTES", 15, minimum=1),
        idle_minutes=_whole(env, "OSTEOFYS_IDLE_MINUTES", 30, minimum=1),
    )


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    """1 or 0; None when not set.

    Anything else is refused rather than read as off: a OSTEOFYS_DEBUG=true that silently meant
    False (or True) would be worse than an error.
    """
    value = env.get(name) or None
    if value is None:
        return None
    if value.strip() not in {"0", "1"}:
        raise ConfigError(f"{name} = {value!r}: skal være 1 (til) eller 0 (fra).")
    return value.strip() == "1"


def _whole(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    value = env.get(name) or None
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} = {value!r}: skal være et heltal (mindst {minimum}).") from None
    if number < minimum:
        raise ConfigError(f"{name} = {value!r}: skal være mindst {minimum}.")
    return number


def prepare_data_dir(config: Config) -> Path:
    """Make what the application needs in the data directory; leave what is there. Idempotent.

    - the directory itself, private (0700) when new; an existing one keeps its permissions
      (`osteofys serve` warns when they are wider);
    - the secret key (0600), generated unless OSTEOFYS_SECRET_KEY is set;
    - the SQLite file, empty and 0600, unless OSTEOFYS_DATABASE_URL is set: SQLite would create
      it 0644, and it gives the -wal and -shm files it makes later the main file's permissions,
      whatever the process's umask;
    - STATIC_ROOT, which whitenoise expects even though the files come from the finders.

    Returns the data directory.
    """
    path = config.data_dir
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        # mkdir's mode is filtered by the umask, which could take bits away but never add
        # any; chmod makes it exactly 0700 whatever the umask.
        path.chmod(PRIVATE_DIR_MODE)
    if not config.secret_key and not config.secret_key_file.exists():
        _write_new(config.secret_key_file, secrets.token_urlsafe(50))
    if not config.database_url:
        _write_new(config.sqlite_file, "")
    config.static_root.mkdir(exist_ok=True)
    return path


def _write_new(path: Path, content: str) -> None:
    """Create `path` (0600) with `content`, unless it exists.

    A file that exists, or that another process creates meanwhile (O_EXCL), is left as it is.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    with contextlib.closing(os.fdopen(fd, "w", encoding="utf-8")) as file:
        file.write(content)


def too_open(directory: Path) -> list[tuple[Path, int]]:
    """(path, mode) of each private file or directory that others than the owner can use.

    Those are the data directory, the SQLite database with its -wal and -shm, and the secret key.
    Empty on Windows, where POSIX modes say nothing.
    """
    if os.name == "nt":
        return []
    candidates = [(directory, PRIVATE_DIR_MODE)] + [
        (directory / name, PRIVATE_FILE_MODE)
        for name in (SQLITE_NAME, f"{SQLITE_NAME}-wal", f"{SQLITE_NAME}-shm", SECRET_KEY_FILE)
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

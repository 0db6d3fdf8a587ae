"""The configuration: read once from the environment, typed; importing settings writes nothing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from osteofys.web.config import Config, ConfigError, from_environ, prepare_data_dir
from tests.web.installation import SCRIPT


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSTEOFYS_")}
    env["DJANGO_SETTINGS_MODULE"] = "osteofys.web.settings"
    return {**env, **extra}


def test_importing_the_settings_and_setting_django_up_writes_nothing(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    missing = tmp_path / "not" / "there"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATA_DIR, settings.STATIC_ROOT, settings.DATABASES['default']['NAME'])"
    )
    # Once with the data directory named, once with the default ./data of the current folder.
    for env in (_clean_env(OSTEOFYS_DATA_DIR=str(missing)), _clean_env()):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert str(missing if "OSTEOFYS_DATA_DIR" in env else cwd / "data") in done.stdout
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == [Path("cwd")]


def test_an_unprepared_secret_key_is_a_clear_error_when_first_used(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n    settings.SECRET_KEY\nexcept ImproperlyConfigured as exc:\n    print(exc)"
    )
    env = _clean_env(OSTEOFYS_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "OSTEOFYS_SECRET_KEY is not set" in done.stdout
    assert str(tmp_path / "data" / "secret_key") in done.stdout
    assert not (tmp_path / "data").exists()


def test_prepare_makes_a_private_data_directory_once(tmp_path: Path) -> None:
    found = from_environ({"OSTEOFYS_DATA_DIR": str(tmp_path / "new" / "data")})
    assert not found.data_dir.exists()

    assert prepare_data_dir(found) == found.data_dir
    key = found.secret_key_file.read_text("utf-8")
    assert len(key) >= 50
    assert found.read_secret_key() == key
    assert _mode(found.data_dir) == 0o700
    assert _mode(found.secret_key_file) == 0o600
    assert _mode(found.sqlite_file) == 0o600
    assert found.static_root.is_dir()
    before = {p.name: (p.stat().st_mtime_ns, _mode(p)) for p in found.data_dir.iterdir()}
    assert sorted(before) == ["osteofys.sqlite3", "secret_key", "static"]

    prepare_data_dir(found)  # idempotent: the same key, nothing rewritten
    assert found.secret_key_file.read_text("utf-8") == key
    assert {p.name: (p.stat().st_mtime_ns, _mode(p)) for p in found.data_dir.iterdir()} == before


def test_prepare_writes_no_key_or_sqlite_file_when_the_environment_has_them(
    tmp_path: Path,
) -> None:
    found = from_environ(
        {
            "OSTEOFYS_DATA_DIR": str(tmp_path / "data"),
            "OSTEOFYS_SECRET_KEY": "from-the-environment",
            "OSTEOFYS_DATABASE_URL": "postgres://db.example/osteofys",
        }
    )
    prepare_data_dir(found)
    assert sorted(p.name for p in found.data_dir.iterdir()) == ["static"]
    assert found.read_secret_key() == "from-the-environment"
    assert found.database == "postgres://db.example/osteofys"
    # Neither the key nor a database password ends up in a log line or a debug page.
    assert "from-the-environment" not in repr(found)
    assert "db.example" not in repr(found)


def test_the_environment_is_read_into_typed_values() -> None:
    assert from_environ({}) == Config(data_dir=Path("data").resolve())
    found = from_environ(
        {
            "OSTEOFYS_ALLOWED_HOSTS": "osteofys.klinik.example, localhost,",
            "OSTEOFYS_DEBUG": "1",
            "OSTEOFYS_TRUSTED_PROXIES": "2",
            "OSTEOFYS_LOGIN_FAILURE_LIMIT": "7",
            "OSTEOFYS_LOGIN_COOLOFF_MINUTES": "20",
            "OSTEOFYS_IDLE_MINUTES": "45",
            "OSTEOFYS_DEPLOY": "",  # empty counts as not set
        }
    )
    assert found.allowed_hosts == ("osteofys.klinik.example", "localhost")
    assert found.debug is True
    assert found.deploy is True  # a host that is not loopback
    assert (found.trusted_proxies, found.login_failure_limit) == (2, 7)
    assert (found.login_cooloff_minutes, found.idle_minutes) == (20, 45)
    assert (
        from_environ({"OSTEOFYS_ALLOWED_HOSTS": "example.org", "OSTEOFYS_DEPLOY": "0"}).deploy
        is False
    )
    assert from_environ({"OSTEOFYS_DEPLOY": "1"}).deploy is True
    assert from_environ({}).deploy is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OSTEOFYS_TRUSTED_PROXIES", "one"),
        ("OSTEOFYS_TRUSTED_PROXIES", "-1"),
        ("OSTEOFYS_IDLE_MINUTES", "30m"),
        ("OSTEOFYS_IDLE_MINUTES", "0"),
        ("OSTEOFYS_LOGIN_FAILURE_LIMIT", "5.5"),
        ("OSTEOFYS_LOGIN_COOLOFF_MINUTES", "kvarter"),
        ("OSTEOFYS_DEBUG", "true"),
        ("OSTEOFYS_DEPLOY", "yes"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name) as refused:
        from_environ({name: value})
    assert repr(value) in str(refused.value)


def test_a_command_with_a_malformed_value_says_which_and_changes_nothing(tmp_path: Path) -> None:
    env = _clean_env(OSTEOFYS_DATA_DIR=str(tmp_path / "data"), OSTEOFYS_IDLE_MINUTES="halv time")
    done = subprocess.run(
        [str(SCRIPT), "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "OSTEOFYS_IDLE_MINUTES = 'halv time'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()


def test_the_settings_derive_from_the_one_configuration() -> None:
    from django.conf import settings

    assert isinstance(settings.CONFIG, Config)
    assert settings.CONFIG.data_dir == settings.DATA_DIR
    assert settings.CONFIG.static_root == settings.STATIC_ROOT
    # pytest-django adds "testserver" to ALLOWED_HOSTS.
    assert [*settings.CONFIG.allowed_hosts, "testserver"] == settings.ALLOWED_HOSTS
    assert settings.CONFIG.deploy == settings.DEPLOY
    assert settings.CONFIG.trusted_proxies == settings.AUDIT_TRUSTED_PROXIES
    # The test setup prepared the data directory, so the key is there and is the stored one.
    assert str(settings.SECRET_KEY) == settings.CONFIG.read_secret_key()

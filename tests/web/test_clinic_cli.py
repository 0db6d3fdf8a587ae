"""`osteofys clinic create | list | activate | deactivate`, run as commands (SQLite, PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.installation import ENGINES, MIGRATE, Installation, installation

PASSWORD_LINE = re.compile(r"midlertidig adgangskode: (\S+)")
# A patient in the second clinic: `clinic list` may count them, never name them.
SEED_PATIENT = """
import django
django.setup()
from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_patient
make_patient(Clinic.objects.get(name="Træningscenter Syd"), "Åse Hemmelig", cpr="0204581234")
"""


@pytest.fixture(params=ENGINES)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Installation]:
    with installation(request.param, tmp_path) as made:
        migrated = made.python(MIGRATE)
        assert migrated.returncode == 0, migrated.stderr
        yield made


def _password_works(site: Installation, username: str, password: str) -> bool:
    done = site.python(
        "import django; django.setup(); from django.contrib.auth.models import User; "
        f"print(User.objects.get(username={username!r}).check_password({password!r}))"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_create_list_deactivate_activate(site: Installation) -> None:
    north = site.osteofys("clinic", "create", "Træningscenter Nord", "--admin", "ann")
    assert north.returncode == 0, north.stderr
    assert f"datamappe:   {site.data_dir}" in north.stdout
    match = PASSWORD_LINE.search(north.stdout)
    assert match, north.stdout
    assert _password_works(site, "ann", match.group(1))
    south = site.osteofys(
        "clinic", "create", "Træningscenter Syd", "--admin", "bo", "--admin-name", "Bo Ørsted"
    )
    assert south.returncode == 0, south.stderr
    assert PASSWORD_LINE.search(south.stdout)
    # The admins must choose their own password at the first login; Bo's full name is kept.
    assert sorted(
        site.query(
            "SELECT u.username, u.first_name, p.must_change_password, p.role, c.name "
            "FROM auth_user u JOIN accounts_profile p ON p.user_id = u.id "
            "JOIN accounts_clinic c ON c.id = p.clinic_id"
        )
    ) == [
        ("ann", "", True, "admin", "Træningscenter Nord"),
        ("bo", "Bo Ørsted", True, "admin", "Træningscenter Syd"),
    ]
    seeded = site.python(SEED_PATIENT)
    assert seeded.returncode == 0, seeded.stderr

    (south_id,) = site.query("SELECT id FROM accounts_clinic WHERE name = 'Træningscenter Syd'")[0]
    listed = site.osteofys("clinic", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines() if line[:1].isdigit()]
    assert [row[-3:] for row in rows] == [["ja", "1", "0"], ["ja", "1", "1"]]
    assert "Åse" not in listed.stdout
    assert "0204581234" not in listed.stdout
    assert "1 patient," in listed.stdout  # the installation line counts her, without a name

    off = site.osteofys("clinic", "deactivate", str(south_id))
    assert off.returncode == 0, off.stderr
    assert site.query(f"SELECT active FROM accounts_clinic WHERE id = {south_id}") == [(False,)]
    listed = site.osteofys("clinic", "list")
    assert [line.split()[-3] for line in listed.stdout.splitlines() if line[:1].isdigit()] == [
        "ja",
        "nej",
    ]
    on = site.osteofys("clinic", "activate", str(south_id))
    assert on.returncode == 0, on.stderr
    assert site.query(f"SELECT active FROM accounts_clinic WHERE id = {south_id}") == [(True,)]


def test_bad_input_exits_2_naming_the_argument(site: Installation) -> None:
    assert site.osteofys("clinic", "create", "Nord", "--admin", "ann").returncode == 0
    users_before = site.query("SELECT COUNT(*) FROM auth_user")
    for args, named in (
        (("create", "Syd", "--admin", "ANN"), "--admin"),  # taken, in any case
        (("create", "Syd", "--admin", "ann bo"), "--admin"),  # not a valid user name
        (("create", "   ", "--admin", "cy"), "NAVN"),
        (("deactivate", "999"), "ID"),
        (("activate", "999"), "ID"),
        (("deactivate", "nord"), "ID"),
    ):
        done = site.osteofys("clinic", *args)
        assert done.returncode == 2, (args, done.stdout)
        assert named in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert site.query("SELECT COUNT(*) FROM auth_user") == users_before
    assert site.query("SELECT COUNT(*) FROM accounts_clinic") == [(1,)]


@pytest.mark.parametrize("command", [("list",), ("deactivate", "1"), ("activate", "1")])
def test_commands_refuse_an_installation_never_set_up(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    with installation("sqlite", tmp_path) as site:
        done = site.osteofys("clinic", *command)
        assert done.returncode == 2, done.stdout
        assert "aldrig sat op" in done.stderr
        assert f"datamappe:   {site.data_dir}" in done.stderr


def test_create_refuses_a_database_without_tables(tmp_path: Path) -> None:
    """Run from the wrong folder it would otherwise start a second installation unnoticed."""
    with installation("sqlite", tmp_path) as site:
        done = site.osteofys("clinic", "create", "Nord", "--admin", "ann")
        assert done.returncode == 2, done.stdout
        assert "migrate" in done.stderr
        assert f"datamappe:   {site.data_dir}" in done.stderr

"""`osteofys clinic create | list | activate | deactivate`: several clinics in one installation."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osteofys.cli import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from osteofys.web.accounts.models import Clinic


class RefusedError(Exception):
    """Bad input or an installation not ready: the Danish message names the argument (exit 2)."""


@dataclass(frozen=True)
class Command:
    """One subcommand, in the shape `osteofys.cli` registers: add_arguments and run."""

    add_arguments: Callable[[argparse.ArgumentParser], None]
    action: Callable[[argparse.Namespace], list[str]]

    def run(self, args: argparse.Namespace) -> int:
        if args.data_dir and not os.path.isdir(args.data_dir):
            print(f"--data-dir: mappen {args.data_dir} findes ikke.", file=sys.stderr)
            return EXIT_USAGE
        import django

        from osteofys.cli import webapp

        webapp.prepare(args.data_dir)
        django.setup()
        from osteofys.web.ops.services import OpsError

        try:
            lines = self.action(args)
        except (RefusedError, OpsError) as exc:
            print(f"Intet er ændret. {exc}", file=sys.stderr)
            return EXIT_USAGE
        print("\n".join(lines))
        return EXIT_OK


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )


def _installation(*, set_up: bool) -> list[str]:
    """Which installation the command changes; refused when it is not ready (exit 2).

    `create` needs only a migrated database (it may make the first clinic); the others need a
    clinic, so that a command run from the wrong folder says so instead of listing nothing.
    """
    from osteofys.web.ops import installation
    from osteofys.web.ops.services import installation_check

    if set_up:
        return ["Installation:", *installation_check().lines()]
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    found = installation.installation_describe()
    where = ["Installation:", *found.lines()]
    executor = MigrationExecutor(connection) if found.contents.clinics is not None else None
    if executor is None or executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RefusedError(
            "Databasen er ikke oprettet eller ikke opdateret til denne udgave. Start "
            "`osteofys serve` én gang, eller kør `osteofys manage --data-dir MAPPE migrate`.\n"
            + "\n".join(where)
        )
    return where


def _clinic(clinic_id: int) -> Clinic:
    from osteofys.web.accounts.models import Clinic

    try:
        return Clinic.objects.get(pk=clinic_id)
    except Clinic.DoesNotExist:
        raise RefusedError(
            f"ID: der er ingen klinik med id {clinic_id} (se `osteofys clinic list`)."
        ) from None


# --- create ----------------------------------------------------------------------------------


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAVN", help="klinikkens navn, fx “Træningscenter Nord”")
    parser.add_argument("--admin", required=True, metavar="BRUGER", help="brugernavn til admin")
    parser.add_argument("--admin-name", default="", metavar="NAVN", help="adminens fulde navn")
    _data_dir(parser)


def _create(args: argparse.Namespace) -> list[str]:
    from django.db import IntegrityError

    from osteofys.web.accounts.models import Clinic
    from osteofys.web.accounts.services import clinic_create

    where = _installation(set_up=False)
    name = args.name.strip()
    limit = Clinic._meta.get_field("name").max_length or 200
    if not name or len(name) > limit:
        raise RefusedError(f"NAVN: klinikkens navn skal have 1-{limit} tegn.")
    admin = _valid_username(args.admin)
    if len(args.admin_name) > 150:
        raise RefusedError("--admin-name: højst 150 tegn.")
    try:
        made = clinic_create(name=name, admin_username=admin, admin_full_name=args.admin_name)
    except IntegrityError:  # the same name taken by a concurrent command a moment ago
        raise RefusedError(f"--admin: brugernavnet {admin!r} er allerede i brug.") from None
    return [
        *where,
        f"Klinikken “{made.clinic.name}” er oprettet (id {made.clinic.pk}).",
        f"  administrator:           {made.admin.username}",
        f"  midlertidig adgangskode: {made.temporary_password}",
        "Adgangskoden vises kun nu. Giv den til administratoren ad en sikker vej; ved første "
        "login skal hun eller han vælge sin egen.",
    ]


def _valid_username(username: str) -> str:
    """The same rules as the web forms (characters, length, not in use in any case)."""
    from osteofys.web.accounts.forms import _Username

    form = _Username(data={"username": username})
    if not form.is_valid():
        reasons = " ".join(str(m) for m in form.errors.get("username", []))
        raise RefusedError(f"--admin: brugernavnet {username!r} kan ikke bruges. {reasons}")
    return str(form.cleaned_data["username"])


# --- list ------------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> list[str]:
    from django.db.models import Count

    from osteofys.web.accounts.models import Clinic

    where = _installation(set_up=True)
    # Counts only: an operator listing clinics has no business seeing a patient's name or CPR.
    clinics = Clinic.objects.annotate(
        users=Count("profiles", distinct=True), patient_count=Count("patients", distinct=True)
    ).order_by("id")
    rows = [("id", "navn", "aktiv", "brugere", "patienter")]
    rows += [
        (str(c.pk), c.name, "ja" if c.active else "nej", str(c.users), str(c.patient_count))
        for c in clinics
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return [*where, *(line.rstrip() for line in table)]


# --- activate / deactivate -------------------------------------------------------------------


def _id_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", type=_positive_id, help="klinikkens id (se list)")
    _data_dir(parser)


def _positive_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"ID skal være et positivt heltal, ikke {text!r}")
    return int(text)


def _set_active(active: bool) -> Callable[[argparse.Namespace], list[str]]:
    def action(args: argparse.Namespace) -> list[str]:
        from osteofys.web.accounts.services import clinic_set_active

        where = _installation(set_up=True)
        clinic = _clinic(args.id)
        if clinic.active == active:
            state = "aktiv" if active else "deaktiveret"
            return [*where, f"Klinikken “{clinic.name}” (id {clinic.pk}) er allerede {state}."]
        clinic_set_active(clinic, active=active)
        said = (
            "aktiveret: dens brugere kan logge ind igen (gamle sessioner kommer ikke tilbage)"
            if active
            else "deaktiveret: dens brugere er logget ud og kan ikke logge ind, dens API-nøgler "
            "virker ikke; journaler og adgangslog bevares"
        )
        return [*where, f"Klinikken “{clinic.name}” (id {clinic.pk}) er {said}."]

    return action


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    _data_dir(parser)


CREATE = Command(_create_arguments, _create)
LIST = Command(_no_arguments, _list)
ACTIVATE = Command(_id_arguments, _set_active(True))
DEACTIVATE = Command(_id_arguments, _set_active(False))

COMMANDS: list[tuple[str, Any, str]] = [
    ("create", CREATE, "opret en klinik med dens første administrator"),
    ("list", LIST, "vis klinikkerne: id, navn, aktiv, antal brugere og patienter"),
    ("deactivate", DEACTIVATE, "deaktivér en klinik (brugerne kan ikke logge ind)"),
    ("activate", ACTIVATE, "aktivér en deaktiveret klinik igen"),
]

"""`osteofys restore FIL`: check a backup, keep what is there now, put the backup in its place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from osteofys.cli import EXIT_PROBLEM, EXIT_USAGE
from osteofys.cli.backup import run_operation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Stop osteofys serve først. Kopien kontrolleres (signatur, manifest, kontrolsummer, "
        "databasetype), før noget overskrives; den nuværende SQLite-fil flyttes til side, en "
        "PostgreSQL-database med data gemmes først som sikkerhedskopi i datamappen. Signaturen "
        "kontrolleres mod denne installations nøgle; på en ny maskine angives den gamle nøgle "
        "med --key-file."
    )
    parser.add_argument("file", metavar="FIL", help="en kopi lavet med `osteofys backup`")
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="gendan, selv om databasen allerede har data (den gemmes først)",
    )
    parser.add_argument(
        "--key-file",
        metavar="FIL",
        help="nøglen (filen secret_key) fra den installation, kopien er lavet på: til "
        "gendannelse på en ny maskine eller fra en anden installation",
    )
    parser.add_argument(
        "--unverified",
        action="store_true",
        help="gendan, selv om signaturen ikke kan bevises (usigneret ældre kopi, ingen eller en "
        "anden nøgle); kun kontrolsummerne kontrolleres da",
    )


def run(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if not source.is_file():
        print(f"Kan ikke læse filen {source}: den findes ikke.", file=sys.stderr)
        return EXIT_USAGE
    supplied = _supplied_key(args.key_file)
    if supplied == "":
        return EXIT_USAGE
    import django
    from django.conf import settings

    from osteofys.cli import webapp
    from osteofys.web.config import prepare_data_dir

    # --data-dir may be new: restoring onto a new machine creates it.
    config = webapp.configure(args.data_dir)
    # Asked before the data directory is prepared: that generates a key on first run, and a key
    # made a moment ago by this very command proves nothing about the backup.
    had_key = config.has_secret_key()
    prepare_data_dir(config)
    django.setup()

    from osteofys.web.ops.services import OpsError, restore_apply, restore_check

    key = supplied or (str(settings.SECRET_KEY) if had_key else None)
    applied = False

    def restore() -> Any:
        nonlocal applied
        with restore_check(source, key=key, unverified=args.unverified) as plan:
            print("\n".join(plan.lines()), flush=True)
            if plan.occupied and not args.force and not _confirmed(plan.occupied):
                raise OpsError("Intet er ændret.", EXIT_PROBLEM)
            applied = True
            return restore_apply(plan)

    code = run_operation(restore, "Gendannelsen blev ikke gennemført.")
    if not (had_key or applied):
        _forget_generated_key(config.secret_key_file, str(settings.SECRET_KEY))
    return code


def _forget_generated_key(key_file: Path, generated: str) -> None:
    """Remove the key prepare_data_dir made for this refused restore of a new installation.

    Kept, it would look like the installation's own key to the next attempt, which would then
    report a signature mismatch instead of asking for the old key.
    """
    if key_file.is_file() and key_file.read_text("utf-8").strip() == generated:
        key_file.unlink()


def _supplied_key(key_file: str | None) -> str | None:
    """The key given with --key-file; None when none was given, "" after printing why it is bad."""
    if key_file is None:
        return None
    try:
        key = Path(key_file).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"--key-file: kan ikke læse nøglefilen {key_file} ({exc}).", file=sys.stderr)
        return ""
    if not key:
        print(f"--key-file: nøglefilen {key_file} er tom.", file=sys.stderr)
    return key


def _confirmed(occupied: list[str]) -> bool:
    """Ask on a terminal; refuse when nobody can answer (a script, cron)."""
    tables = ", ".join(occupied[:5]) + (" …" if len(occupied) > 5 else "")
    warning = (
        f"Den konfigurerede database har allerede data ({tables}). Den gemmes til side, "
        "og kopien lægges i stedet."
    )
    if not sys.stdin.isatty():
        print(
            f"{warning} Intet er ændret. Brug --force for at gendanne alligevel.", file=sys.stderr
        )
        return False
    print(warning)
    try:
        answer = input("Skriv ja for at fortsætte: ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("ja", "yes"):
        return True
    print("Afbrudt. Intet er ændret.", file=sys.stderr)
    return False

"""`osteofys restore FIL`: check a backup, keep what is there now, put the backup in its place."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from osteofys.cli import EXIT_PROBLEM, EXIT_USAGE
from osteofys.cli.backup import run_operation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Stop osteofys serve først. Kopien kontrolleres (manifest, kontrolsummer, databasetype), "
        "før noget overskrives; den nuværende SQLite-fil flyttes til side, en PostgreSQL-database "
        "med data gemmes først som sikkerhedskopi i datamappen."
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


def run(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if not source.is_file():
        print(f"Kan ikke læse filen {source}: den findes ikke.", file=sys.stderr)
        return EXIT_USAGE
    if args.data_dir:
        os.environ["OSTEOFYS_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")

    import django

    django.setup()
    from osteofys.web.ops.services import OpsError, restore_apply, restore_check

    def restore() -> Any:
        with restore_check(source) as plan:
            print("\n".join(plan.lines()), flush=True)
            if plan.occupied and not args.force and not _confirmed(plan.occupied):
                raise OpsError("Intet er ændret.", EXIT_PROBLEM)
            return restore_apply(plan)

    return run_operation(restore, "Gendannelsen blev ikke gennemført.")


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

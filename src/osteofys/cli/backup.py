"""`osteofys backup FIL`: the database and the secret key in one checked file, while serving."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from osteofys.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FIL", help="kopien, fx osteofys-2026-11-26.tar.gz")
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )
    parser.add_argument("--force", action="store_true", help="overskriv FIL, hvis den findes")


def _usage_problem(args: argparse.Namespace, target: Path) -> str | None:
    if args.data_dir and not Path(args.data_dir).is_dir():
        return f"Datamappen {args.data_dir} findes ikke."
    if not target.parent.is_dir():
        return f"Mappen {target.parent} findes ikke: opret den, eller vælg en anden placering."
    if target.is_dir():
        return f"{target} er en mappe; skriv et filnavn, fx {target / 'osteofys.tar.gz'}."
    if target.exists() and not args.force:
        return (
            f"{target} findes allerede. Vælg et andet navn, eller brug --force for at overskrive."
        )
    return None


def run(args: argparse.Namespace) -> int:
    target = Path(args.file).absolute()
    problem = _usage_problem(args, target)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    import django

    from osteofys.cli import webapp

    webapp.prepare(args.data_dir)
    django.setup()
    from osteofys.web.ops.services import backup_create

    return run_operation(lambda: backup_create(target), "Sikkerhedskopien blev ikke lavet.")


def run_operation(operation: Callable[[], Any], failed: str) -> int:
    """Run a backup or restore step and print what it did, or why it stopped (exit 1/2)."""
    from osteofys.web.ops.services import OpsError

    try:
        done = operation()
    except OpsError as exc:
        print(f"{failed} {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a full disk, a folder without write access
        print(f"{failed} {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return EXIT_PROBLEM
    if done is not None:
        print("\n".join(done.lines()))
    return EXIT_OK

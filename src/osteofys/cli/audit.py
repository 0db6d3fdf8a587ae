"""`osteofys audit verify`: check that no access-log entry was edited, deleted or inserted."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from osteofys.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE

if TYPE_CHECKING:
    from osteofys.web.audit.selectors import Verdict

PROBLEMS = {
    "changed": "entry {id} was changed after it was written",
    "link": "entry {id} does not link to the entry before it (one was changed or replaced)",
    "missing_before": "one or more entries just before entry {id} were deleted",
    "order": "entry {id} is out of order (an entry was inserted or renumbered)",
    "missing_after": "entries after entry {id} were deleted (the chain is shorter than its head)",
    "emptied": "every entry of a clinic's chain was deleted (its head is still there)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )


def run(args: argparse.Namespace) -> int:
    if args.data_dir and not os.path.isdir(args.data_dir):
        print(f"Datamappen {args.data_dir} findes ikke.", file=sys.stderr)
        return EXIT_USAGE
    import django
    from django.db import DatabaseError

    from osteofys.cli import webapp

    webapp.prepare(args.data_dir)
    django.setup()
    from osteofys.web.audit.selectors import chain_verify
    from osteofys.web.ops.services import OpsError, installation_check

    try:
        checked = installation_check()
    except OpsError as exc:
        print(f"Adgangsloggen er ikke kontrolleret. {exc}", file=sys.stderr)
        return exc.exit_code
    # On stderr: stdout keeps the one verdict line that cron jobs and scripts read.
    print("Adgangsloggen kontrolleres i:", *checked.lines(), sep="\n", file=sys.stderr)
    try:
        verdict = chain_verify()
    except DatabaseError as exc:
        print(f"Kan ikke læse adgangsloggen: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    return report(verdict)


def report(verdict: Verdict) -> int:
    """Print the verdict of `chain_verify` and return the exit code (0 intact, 1 broken)."""
    if verdict.intact:
        print(f"intact: {verdict.count} entries")
        return EXIT_OK
    entry = verdict.entry_id if verdict.entry_id is not None else "(none)"
    print(f"broken: {PROBLEMS.get(verdict.problem, verdict.problem).format(id=entry)}")
    return EXIT_PROBLEM

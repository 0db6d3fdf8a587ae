"""The `osteofys` command.

Each subcommand lives in its own module with `add_arguments(parser)` and `run(args) -> int`. Those
modules import only the standard library at the top; the heavy parts (Django, polars) are imported
inside `run`, so `osteofys assess` never loads the web framework.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from osteofys.cli import assess, gp_letter, handout, kbcheck, screen, serve, synth

    parser = argparse.ArgumentParser(
        prog="osteofys",
        description="OsteoFys: osteoporose – opsporing, funktionskategori og træningsplan.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module, summary in (
        ("serve", serve, "start webapplikationen (migrerer databasen først)"),
        ("assess", assess, "vurdér en case (JSON) og vis forslag og plan"),
        ("screen", screen, "populationsopsporing over registerdata (CSV/Parquet)"),
        ("synth", synth, "skriv syntetiske registerdata til test og demo"),
        ("handout", handout, "patienthæfte (PDF) med kategori, råd, øvelser og dagbog"),
        ("gp-letter", gp_letter, "brev til egen læge (PDF) med risikofaktorer og fund"),
    ):
        command = sub.add_parser(name, help=summary, description=summary)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    kb = sub.add_parser("kb", help="videnbasen")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="tjek videnbasens integritet (exit 1 ved fejl)")
    kbcheck.add_arguments(check)
    check.set_defaults(run=kbcheck.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; nothing left to say.
        sys.stderr.close()
        return EXIT_OK
    return code


if __name__ == "__main__":
    sys.exit(main())

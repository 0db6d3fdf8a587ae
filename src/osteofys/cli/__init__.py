"""The `osteofys` command.

Each subcommand lives in its own module with `add_arguments(parser)` and `run(args) -> int`. Those
modules import only the standard library at the top; the heavy parts (Django, polars) are imported
inside `run`, so `osteofys assess` never loads the web framework.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from osteofys.cli import (
        assess,
        audit,
        backup,
        clinic,
        fhir,
        gp_letter,
        handout,
        kbcheck,
        kbillustrations,
        kbplans,
        manage,
        restore,
        screen,
        serve,
        synth,
    )

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
        ("backup", backup, "sikkerhedskopi af database og nøgler til én fil"),
        ("restore", restore, "gendan en sikkerhedskopi (tjekker før den overskriver)"),
        ("manage", manage, "Djangos administrationskommandoer (fx check --deploy)"),
    ):
        _add(sub, name, module, summary)
    for group, summary, commands in (
        (
            "kb",
            "videnbasen",
            [
                ("check", kbcheck, "tjek videnbasens integritet (exit 1 ved fejl)"),
                ("illustrations", kbillustrations, "tegn alle øvelser og et kontaktark til DIR"),
                ("plans", kbplans, "standardplanen for hver casefil som Markdown (docs/plans.md)"),
            ],
        ),
        ("fhir", "HL7 FHIR R4", [("export", fhir, "skriv en case som FHIR R4-Bundle (JSON)")]),
        ("audit", "adgangsloggen", [("verify", audit, "tjek at adgangsloggen er urørt")]),
        ("clinic", "klinikkerne i installationen", clinic.COMMANDS),
    ):
        group_parser = sub.add_parser(group, help=summary, description=summary)
        group_sub = group_parser.add_subparsers(dest=f"{group}_command", required=True)
        for name, module, command_summary in commands:
            _add(group_sub, name, module, command_summary)
    return parser


def _add(sub: Any, name: str, module: Any, summary: str) -> None:
    command = sub.add_parser(name, help=summary, description=summary)
    module.add_arguments(command)
    command.set_defaults(run=module.run)


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

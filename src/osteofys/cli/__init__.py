"""The `osteofys` command. Each subcommand imports what it needs only when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="osteofys",
        description="OsteoFys: osteoporose – opsporing, funktionskategori og træningsplan.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    assess = sub.add_parser("assess", help="vurdér en case (JSON) og vis forslag og plan")
    assess.add_argument("case", help="case-fil i JSON (case-format), eller - for standard input")
    assess.add_argument("--json", action="store_true", help="udskriv resultatformatet som JSON")
    assess.add_argument("--lang", choices=("da", "en"), default="da", help="sprog (standard: da)")
    assess.add_argument(
        "--hirit-med-hensyn",
        action="store_true",
        help="terapeuten åbner for HiRIT ved træningsaktiv med hensyn (SPEC P13)",
    )
    kb = sub.add_parser("kb", help="videnbasen")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="tjek videnbasens integritet (exit 1 ved fejl)")
    check.add_argument("--data-dir", help="en anden videnbase-mappe (standard: den indbyggede)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "assess":
            from osteofys.cli.assess import run_assess

            return run_assess(
                args.case, as_json=args.json, lang=args.lang, hirit=args.hirit_med_hensyn
            )
        from osteofys.cli.kbcheck import run_kb_check

        return run_kb_check(args.data_dir)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; nothing left to say.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

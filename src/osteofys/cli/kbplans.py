"""`osteofys kb plans CASE...`: the default plan of each case file as Markdown (docs/plans.md)."""

from __future__ import annotations

import argparse
import sys

from osteofys.cli import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "cases", metavar="CASE", nargs="+", help="casefiler (fx tests/cases/S*.json), i rækkefølge"
    )
    parser.add_argument("--out", metavar="FILE", help="skriv til FILE (standard: standard-output)")
    parser.add_argument("--lang", choices=["da", "en"], default="da", help="sprog (standard: da)")
    parser.add_argument("--data-dir", help="en anden videnbase-mappe (standard: den indbyggede)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from osteofys import kb
    from osteofys.kb.plans import plans_markdown, read_cases

    base = kb.load(Path(args.data_dir) if args.data_dir else kb.DATA_DIR)
    text = plans_markdown(base, read_cases(Path(p) for p in args.cases), args.lang)
    if args.out:
        Path(args.out).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK

"""`osteofys kb illustrations DIR`: every exercise's drawing and a contact sheet, to look at."""

from __future__ import annotations

import argparse

from osteofys.cli import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="DIR", help="mappen tegningerne og index.html skrives i")
    parser.add_argument("--lang", choices=["da", "en"], default="da", help="sprog (standard: da)")
    parser.add_argument("--data-dir", help="en anden videnbase-mappe (standard: den indbyggede)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from osteofys import kb
    from osteofys.illustrations import write_sheet

    base = kb.load(Path(args.data_dir) if args.data_dir else kb.DATA_DIR)
    out = Path(args.out)
    written = write_sheet(out, base.exercises, args.lang)
    print(f"{len(written)} illustrationer og index.html i {out}")
    return EXIT_OK

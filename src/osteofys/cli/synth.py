"""`osteofys synth`: synthetic registry data for tests, demos and benchmarks."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from osteofys.cli import EXIT_OK, EXIT_USAGE


def _share(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{raw} is not between 0 and 1")
    return value


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{raw} is not a positive whole number")
    return value


def _rate(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{raw} is negative")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--citizens", type=_positive, required=True, help="antal borgere")
    parser.add_argument("--seed", type=int, default=1, help="frø for tilfældighed (standard: 1)")
    parser.add_argument("--out", required=True, metavar="MAPPE", help="mappe til de tre filer")
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="filformat (standard: csv)"
    )
    parser.add_argument(
        "--date",
        metavar="ÅÅÅÅ-MM-DD",
        help="screeningsdato som data dateres op til (standard: i dag)",
    )
    parser.add_argument(
        "--questionnaire",
        type=_share,
        default=0.0,
        metavar="ANDEL",
        help="andel af borgerne med spørgeskemasvar, 0-1 (standard: 0, kun registerdata)",
    )
    parser.add_argument(
        "--diagnoses-per-citizen",
        type=_rate,
        default=5.0,
        help="diagnoser pr. borger (standard: 5)",
    )
    parser.add_argument(
        "--prescriptions-per-citizen",
        type=_rate,
        default=10.0,
        help="recepter pr. borger (standard: 10)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        on = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print(f"--date skal være en dato som 2026-11-26, ikke {args.date!r}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"--out er en fil, ikke en mappe: {out}", file=sys.stderr)
        return EXIT_USAGE

    from osteofys import kb
    from osteofys.batch import synth
    from osteofys.batch.mapping import load_mapping

    counts = synth.write(
        out,
        citizens=args.citizens,
        seed=args.seed,
        on=on,
        mapping=load_mapping(kb.load()),
        fmt=args.format,
        questionnaire=args.questionnaire,
        diagnoses_per_citizen=args.diagnoses_per_citizen,
        prescriptions_per_citizen=args.prescriptions_per_citizen,
    )
    print(
        f"Skrev {counts.citizens} borgere, {counts.diagnoses} diagnoser og "
        f"{counts.prescriptions} recepter til {out} ({args.format}, frø {args.seed}, "
        f"dateret til {on.isoformat()})."
    )
    return EXIT_OK

"""`osteofys handout`: the patient handout (PDF) for a case: category, safety, exercises, diary."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from osteofys.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from osteofys.cli.assess import read_case


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case-fil i JSON (case-format), eller - for standard input")
    parser.add_argument(
        "-o", "--output", required=True, help="PDF-filen der skrives (- for standard output)"
    )
    parser.add_argument("--lang", choices=("da", "en"), default="da", help="sprog (standard: da)")
    parser.add_argument("--klinik", default="", help="klinikkens navn (ellers en linje at udfylde)")
    parser.add_argument(
        "--patient", default="", help="patientens navn (ellers en linje at udfylde)"
    )
    parser.add_argument(
        "--dato",
        type=date.fromisoformat,
        default=None,
        help="dato på hæftet (ÅÅÅÅ-MM-DD; standard: i dag)",
    )


def run(args: argparse.Namespace) -> int:
    from osteofys.documents import DocumentError, handout_data_from_assessment, handout_pdf
    from osteofys.rules import assess

    read = read_case(args.case, args.lang)
    if read is None:
        return EXIT_USAGE
    base, case, data = read
    assessment = assess(case, base.knowledge)
    try:
        doc = handout_data_from_assessment(
            base,
            assessment,
            data,
            clinic=args.klinik,
            patient=args.patient,
            when=args.dato or date.today(),
            lang=args.lang,
        )
    except DocumentError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEM
    return write_pdf(handout_pdf(doc), args.output, args.lang)


def write_pdf(pdf: bytes, output: str, lang: str) -> int:
    """Write the PDF to a file, or to standard output for '-'."""
    if output == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        Path(output).write_bytes(pdf)
    except OSError as exc:
        from osteofys import kb

        what = kb.load().texts.cli["cannot_write"](lang)
        print(f"{what} '{output}': {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK

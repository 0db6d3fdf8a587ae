"""`osteofys gp-letter`: the letter to the patient's own doctor (PDF, Danish) for a case."""

from __future__ import annotations

import argparse
from datetime import date

from osteofys.cli import EXIT_USAGE
from osteofys.cli.assess import read_case
from osteofys.cli.handout import write_pdf

LANG = "da"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case-fil i JSON (case-format), eller - for standard input")
    parser.add_argument(
        "-o", "--output", required=True, help="PDF-filen der skrives (- for standard output)"
    )
    parser.add_argument("--klinik", default="", help="klinikkens navn")
    parser.add_argument("--adresse", default="", help="klinikkens adresse")
    parser.add_argument("--telefon", default="", help="klinikkens telefonnummer")
    parser.add_argument("--terapeut", default="", help="fysioterapeutens navn (underskrift)")
    parser.add_argument("--patient", default="", help="patientens navn")
    parser.add_argument("--cpr", default="", help="patientens CPR-nummer (kun hvis registreret)")
    parser.add_argument(
        "--dato",
        type=date.fromisoformat,
        default=None,
        help="brevets dato (ÅÅÅÅ-MM-DD; standard: i dag)",
    )


def run(args: argparse.Namespace) -> int:
    from osteofys.documents import gp_letter_data_from_assessment, gp_letter_pdf
    from osteofys.rules import assess

    read = read_case(args.case, LANG)
    if read is None:
        return EXIT_USAGE
    base, case, data = read
    doc = gp_letter_data_from_assessment(
        base,
        assess(case, base.knowledge),
        data,
        clinic={"name": args.klinik, "address": args.adresse, "phone": args.telefon},
        patient={"name": args.patient, "cpr": args.cpr},
        clinician=args.terapeut,
        when=args.dato or date.today(),
        lang=LANG,
    )
    return write_pdf(gp_letter_pdf(doc), args.output, LANG)

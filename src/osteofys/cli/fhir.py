"""`osteofys fhir export`: a stand-alone case as an HL7 FHIR R4 Bundle (JSON), checked."""

from __future__ import annotations

import argparse
import json
import sys

from osteofys.cli import EXIT_PROBLEM, EXIT_USAGE
from osteofys.cli.assess import read_case
from osteofys.cli.handout import write_pdf

MESSAGES = {
    "cpr": {
        "da": "--cpr: “{value}” er ikke et CPR-nummer; tilladt: DDMMÅÅ-XXXX eller 10 cifre.",
        "en": "--cpr: “{value}” is not a CPR number; allowed: DDMMYY-XXXX or 10 digits.",
    },
    "patient_id": {
        "da": "--patient-id: “{value}” er ikke et FHIR-id; tilladt: 1-64 tegn af A-Z a-z 0-9 - .",
        "en": "--patient-id: “{value}” is not a FHIR id; allowed: 1-64 of A-Z a-z 0-9 - .",
    },
    "problem": {
        "da": "Den eksporterede Bundle er ikke i orden: {value}",
        "en": "The exported Bundle is not sound: {value}",
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case-fil i JSON (case-format), eller - for standard input")
    parser.add_argument(
        "-o", "--output", default="-", help="JSON-filen der skrives (standard: standard output)"
    )
    parser.add_argument("--lang", choices=("da", "en"), default="da", help="sprog (standard: da)")
    parser.add_argument(
        "--patient-id", default="patient", help="Patient-ressourcens id (standard: patient)"
    )
    parser.add_argument("--name", default=None, help="patientens navn (udelades som standard)")
    parser.add_argument("--cpr", default=None, help="patientens CPR-nummer (kun hvis registreret)")


def run(args: argparse.Namespace) -> int:
    from osteofys.fhir import Subject, bundle, check
    from osteofys.fhir.checks import cpr_ok
    from osteofys.fhir.export import FHIR_ID
    from osteofys.rules import assess

    lang: str = args.lang
    cpr = args.cpr.replace("-", "").replace(" ", "") if args.cpr else None
    bad = [
        ("patient_id", args.patient_id) if not FHIR_ID.fullmatch(args.patient_id) else None,
        ("cpr", args.cpr) if cpr is not None and not cpr_ok(cpr) else None,
    ]
    for key, value in filter(None, bad):
        print(MESSAGES[key][lang].format(value=value), file=sys.stderr)
    if any(bad):
        return EXIT_USAGE
    read = read_case(args.case, lang)
    if read is None:
        return EXIT_USAGE
    base, case, _ = read
    subject = Subject(args.patient_id, name=args.name, cpr=cpr)
    doc = bundle(subject, case, assess(case, base.knowledge), base, lang=lang)
    problems = check(doc, base)
    for problem in problems:
        print(MESSAGES["problem"][lang].format(value=problem), file=sys.stderr)
    if problems:
        return EXIT_PROBLEM
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    # The same writer as the PDFs: a file, or standard output for '-'.
    return write_pdf(text.encode("utf-8"), args.output, lang)

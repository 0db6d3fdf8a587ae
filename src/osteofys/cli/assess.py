"""`osteofys assess`: read a case, assess it, print a Danish or English report or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osteofys.cli import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from osteofys.kb.loader import KnowledgeBase
    from osteofys.rules import Case


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case-fil i JSON (case-format), eller - for standard input")
    parser.add_argument("--json", action="store_true", help="udskriv resultatformatet som JSON")
    parser.add_argument("--lang", choices=("da", "en"), default="da", help="sprog (standard: da)")
    parser.add_argument(
        "--hirit-med-hensyn",
        action="store_true",
        help="terapeuten åbner for HiRIT ved træningsaktiv med hensyn (SPEC P13)",
    )


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return Path(source).read_text("utf-8")


def _why(base: KnowledgeBase, exc: Exception, lang: str) -> str:
    """Why a file could not be read, in words (texts.toml `[cli]`)."""
    for kind, key in (
        (FileNotFoundError, "no_such_file"),
        (PermissionError, "permission_denied"),
        (IsADirectoryError, "is_a_directory"),
        (UnicodeDecodeError, "not_utf8"),
    ):
        if isinstance(exc, kind):
            return base.texts.cli[key](lang)
    return str(exc)


def read_case(source: str, lang: str) -> tuple[KnowledgeBase, Case, Any] | None:
    """Read and validate a case file ('-' = standard input) for any command that takes one.

    Returns (knowledge base, parsed case, the JSON data), or None after printing each problem in
    `lang` to standard error; the caller then exits with EXIT_USAGE.
    """
    from osteofys import kb
    from osteofys.kb.explain import issue_text
    from osteofys.rules import CaseError, parse_case
    from osteofys.rules.case import CaseIssue

    base = kb.load()
    k = base.knowledge
    try:
        raw = _read(source)
    except (OSError, UnicodeDecodeError) as exc:
        print(
            issue_text(base, CaseIssue(source, "unreadable", _why(base, exc, lang)), lang),
            file=sys.stderr,
        )
        return None
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and numbers too long to convert.
        where = (
            f" ({base.texts.cli['json_line'](lang).format(line=exc.lineno)})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        print(base.texts.error("invalid_json", lang).format(value=reason + where), file=sys.stderr)
        return None
    try:
        case = parse_case(data, k.input_ranges, k.conditions)
    except CaseError as exc:
        for issue in exc.issues:
            print(issue_text(base, issue, lang), file=sys.stderr)
        return None
    return base, case, data


def run(args: argparse.Namespace) -> int:
    from osteofys.cli.report import render_report
    from osteofys.kb.explain import words
    from osteofys.rules import assess
    from osteofys.rules.result import write_result

    lang = args.lang
    read = read_case(args.case, lang)
    if read is None:
        return EXIT_USAGE
    base, case, _ = read
    result = assess(case, base.knowledge, hirit_for_med_hensyn=args.hirit_med_hensyn)
    if args.json:
        json.dump(write_result(result, words(base, lang)), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(render_report(base, case, result, lang))
    return EXIT_OK

"""`osteofys assess`: read a case, assess it, print a Danish or English report or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from osteofys.cli import EXIT_OK, EXIT_USAGE


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return Path(source).read_text("utf-8")


def run_assess(source: str, *, as_json: bool, lang: str, hirit: bool) -> int:
    from osteofys import kb
    from osteofys.cli.report import render_report
    from osteofys.kb.explain import issue_text, result_document, text
    from osteofys.rules import CaseError, assess, parse_case
    from osteofys.rules.case import CaseIssue

    base = kb.load()
    k = base.knowledge
    try:
        data: Any = json.loads(_read(source))
        case = parse_case(data, k.input_ranges, k.conditions)
    except (OSError, UnicodeDecodeError) as exc:
        problem = CaseIssue(
            source, "unreadable", exc.strerror if isinstance(exc, OSError) else str(exc)
        )
        print(issue_text(base, problem, lang), file=sys.stderr)
        return EXIT_USAGE
    except json.JSONDecodeError as exc:
        message = text(base, "errors", "invalid_json", lang).format(
            value=f"{exc.msg} (linje {exc.lineno})"
        )
        print(message, file=sys.stderr)
        return EXIT_USAGE
    except CaseError as exc:
        for issue in exc.issues:
            print(issue_text(base, issue, lang), file=sys.stderr)
        return EXIT_USAGE
    result = assess(case, k, hirit_for_med_hensyn=hirit)
    if as_json:
        json.dump(result_document(base, result, lang), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(render_report(base, case, result, lang))
    return EXIT_OK

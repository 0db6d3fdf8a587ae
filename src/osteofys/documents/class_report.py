"""The class report (holdrapport) as PDF: a group class's schedule, attendance and test changes.

The web app passes the stored values in as plain Python values (`ClassReport`), with the words of
its own screens (`labels`, in the UI language); the knowledge base gives the test names, the
number and date formats and the version printed. No Django here. Names are printed (the report is
the clinic's own); a CPR number never is: the report has no field for one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from osteofys.documents.render import TEMPLATES, compile_pdf
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.retest import Change, change

CLASS_REPORT = TEMPLATES / "class_report.typ"

# A stored result: a number, "unable" (kunne ikke gennemføre) or None (not tested).
Result = float | str | None
UNABLE = "unable"


@dataclass(frozen=True)
class ReportParticipant:
    name: str
    attended: int
    excused: int
    absent: int
    planned: int  # session dates while on the class
    left_on: date | None = None
    # test id -> (result on the first test day, result on the last test day)
    results: Mapping[str, tuple[Result, Result]] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassReport:
    clinic: Mapping[str, str]  # name, address, phone, email
    name: str
    therapist: str
    schedule: str  # the schedule in words (the class page's line)
    location: str
    first_day: date | None
    last_day: date | None
    planned: int  # session dates on the schedule
    tests: Sequence[str]  # the test ids, in column order
    participants: Sequence[ReportParticipant]
    today: date
    labels: Mapping[str, str]


def _num(base: KnowledgeBase, value: float, lang: str) -> str:
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return base.texts.decimal(text, lang).replace("-", "\u2212")


def _result(base: KnowledgeBase, value: Result, labels: Mapping[str, str], lang: str) -> str:
    if value is None:
        return "–"
    if value == UNABLE:
        return labels["unable"]
    return _num(base, float(value), lang)


def _delta(base: KnowledgeBase, before: Result, after: Result, lang: str) -> str:
    if not isinstance(before, int | float) or not isinstance(after, int | float):
        return "–"
    delta = float(after) - float(before)
    sign = "+" if delta > 0 else ("±" if delta == 0 else "")
    return sign + _num(base, delta, lang)


def _change(base: KnowledgeBase, test: str, before: Result, after: Result) -> Change:
    """rules.retest.change: a real change only beyond the test's MDC (retests.toml)."""
    return change(
        base.knowledge,
        test,
        float(before) if isinstance(before, int | float) else None,
        float(after) if isinstance(after, int | float) else None,
        before_unable=before == UNABLE,
        after_unable=after == UNABLE,
    )


def _share(attended: int, planned: int) -> str:
    return f"{round(100 * attended / planned)} %" if planned else "–"


def class_report_data(base: KnowledgeBase, report: ClassReport, lang: str = "da") -> dict[str, Any]:
    """The template's data: every text already in words, every number formatted."""
    labels = dict(report.labels)
    texts = base.texts
    when = (
        f"{texts.long_date(report.first_day, lang)} – {texts.long_date(report.last_day, lang)}"
        if report.first_day and report.last_day
        else ""
    )
    facts = [
        (labels["therapist"], report.therapist or "–"),
        (labels["schedule"], report.schedule),
        (labels["period"], when or "–"),
        (labels["location"], report.location or "–"),
        (labels["participants"], str(len([p for p in report.participants if p.left_on is None]))),
    ]
    attendance = [
        {
            "name": p.name,
            "left": labels["left_on"].format(day=texts.long_date(p.left_on, lang))
            if p.left_on
            else "",
            "attended": str(p.attended),
            "excused": str(p.excused),
            "absent": str(p.absent),
            "planned": str(p.planned),
            "share": _share(p.attended, p.planned),
        }
        for p in report.participants
    ]
    tests: list[dict[str, Any]] = []
    cited: list[str] = []
    for test in report.tests:
        rows = []
        for p in report.participants:
            before, after = p.results.get(test, (None, None))
            if before is None and after is None:
                continue
            verdict = _change(base, test, before, after).verdict
            rows.append(
                {
                    "name": p.name,
                    "before": _result(base, before, labels, lang),
                    "after": _result(base, after, labels, lang),
                    "delta": _delta(base, before, after, lang),
                    "verdict": str(verdict),
                    "verdict_text": texts.verdict(verdict, lang),
                }
            )
        mdc = base.knowledge.mdc.get(test)
        sources = list(mdc.sources) if mdc else []
        if rows:  # the sources of the tests printed, each once, in order
            cited += [s for s in sources if s not in cited]
        tests.append(
            {
                "label": texts.test_label(test, lang),
                "mdc": texts.mdc_population(test, lang),
                "sources": ", ".join(sources),
                "rows": rows,
            }
        )
    register = texts.sources
    return {
        "lang": lang,
        "labels": labels,
        "clinic": {k: report.clinic.get(k, "") for k in ("name", "address", "phone", "email")},
        "title": labels["title"].format(name=report.name),
        "name": report.name,
        "date": texts.long_date(report.today, lang),
        "facts": [{"label": k, "value": v} for k, v in facts],
        "attendance": attendance,
        "test_days": labels["test_days"].format(
            first=texts.long_date(report.first_day, lang) if report.first_day else "–",
            last=texts.long_date(report.last_day, lang) if report.last_day else "–",
        ),
        "tests": tests,
        "any_results": any(t["rows"] for t in tests),
        "sources": [
            {"id": s, "citation": register[s].citation if s in register else s} for s in cited
        ],
        "footer": labels["footer"].format(
            version=base.version, date=texts.long_date(report.today, lang)
        ),
    }


def class_report_pdf(data: Mapping[str, Any]) -> bytes:
    """The class report as PDF bytes, from `class_report_data` (a logo via render.with_logo)."""
    return compile_pdf(CLASS_REPORT, data)

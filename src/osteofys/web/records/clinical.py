"""The bridge to the clinical core: a case dict in, the assessment and its result document out."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from osteofys import kb
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment, CaseError, CaseIssue, Category, assess, parse_case
from osteofys.rules.result import write_result


def base() -> KnowledgeBase:
    return kb.load()


def lang() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def category_name(category: str) -> str:
    """A category's name in the active language.

    The knowledge base owns the names: the list, the patient page, the result panel, the forms and
    the PDFs all show this one.
    """
    return base().texts.category_name(category, lang())


def test_label(test: str) -> str:
    """A function test's label in the active language (texts.toml `[fields]`, `tests.<test>`)."""
    return base().texts.test_label(test, lang())


def choice_word(path: str, value: str) -> str:
    """The words for a value of a choice field ('patient.sex', 'female'), in the active language."""
    return base().texts.choices[path][value](lang())


@dataclass(frozen=True)
class Evaluated:
    assessment: Assessment | None
    document: dict[str, Any] | None
    issues: list[CaseIssue]
    refusals: list[CaseIssue] = field(default_factory=list)
    """The clinician's acute-phase decision did not take effect (refused or undecided): shown
    with the decision's fields, and the assessment is not stored with it (issue 15, item 6)."""


DECISION_ACTION = "acute_phase_decision.action"


def decision_refusals(document: dict[str, Any]) -> list[CaseIssue]:
    """Why the case's acute-phase decision did not take effect, as issues on its action field.

    The problem is the refusal (rules.model.AcuteRefusal), worded by texts.toml `[errors]`.
    """
    acute = document.get("acute_phase") or {}
    decision = acute.get("decision")
    if not decision or decision.get("applied") is True:
        return []
    refused = decision.get("refused") or "undecided"
    value: Any = decision.get("action")
    allowed = ""
    if refused == "before_earliest_end":
        allowed = acute.get("earliest_end") or ""
    elif refused == "not_recent":
        allowed = f"{base().knowledge.value('acute_phase_months'):g}"
    elif refused == "undecided":
        allowed = ", ".join(document.get("missing") or ())
    return [CaseIssue(DECISION_ACTION, refused, value, allowed)]


def evaluate(
    case: dict[str, Any], *, final_category: str | None = None, hirit: bool = False
) -> Evaluated:
    """Validate and assess a case. Bad input comes back as issues, never as an exception."""
    knowledge = base().knowledge
    try:
        # The clinic's day, not the server's: just after midnight in Denmark it is still
        # yesterday in UTC, and today's assessment must not look like a future one.
        parsed = parse_case(
            case, knowledge.input_ranges, knowledge.conditions, today=timezone.localdate()
        )
    except CaseError as exc:
        return Evaluated(None, None, exc.issues)
    confirmed = Category(final_category) if final_category else None
    result = assess(parsed, knowledge, hirit_for_med_hensyn=hirit, confirmed_category=confirmed)
    document = write_result(result, words(base(), "da"))
    return Evaluated(result, document, [], decision_refusals(document))


def reassessed(
    inputs: dict[str, Any], retests: list[tuple[str, date, float | str | None]]
) -> dict[str, Any] | None:
    """The result document of stored inputs with newer re-test results in place of their tests.

    Re-tests are (test id, date, value or "unable"); the result is dated the latest re-test. None
    without re-tests or when the case no longer passes the core's checks.
    """
    if not retests:
        return None
    case = copy.deepcopy(inputs)
    tests = case.get("tests") or {}
    case["tests"] = tests
    for test, _when, value in retests:
        tests[test] = value
    case["assessment_date"] = max(when for _test, when, _value in retests).isoformat()
    return evaluate(case).document

"""The knowledge base follows the case fields declared in `rules.case`: a label for every field, a
range for every numeric one, words for every value of a choice field, and the rule literals a
choice finding may be compared with (issue 14, item 5)."""

from __future__ import annotations

from pathlib import Path

from osteofys import kb
from osteofys.kb import Code
from osteofys.kb.loader import LITERALS
from osteofys.rules.case import DECISION, DECISION_FIELDS, FRACTURE_FIELDS, FieldKind, case_fields
from osteofys.rules.findings import DIRECT
from tests.kb.problems import problems_at

SITES = "fractures.site"


def _choice_fields() -> dict[str, tuple[str, ...]]:
    fields = {p: s.values for p, s in case_fields().items() if s.kind is FieldKind.CHOICE}
    # The clinician's acute-phase decision has its own value lists (rules.case DECISION_FIELDS).
    decision = {f"{DECISION}.{n}": s.values for n, s in DECISION_FIELDS.items() if s.values}
    return {**fields, SITES: FRACTURE_FIELDS["site"].values, **decision}


def test_the_rule_literals_of_a_choice_finding_are_its_declared_values() -> None:
    chosen = {n: p for n, p in DIRECT.items() if case_fields()[p].kind is FieldKind.CHOICE}
    assert set(LITERALS) == {"category", "bone_status", *chosen}
    for name, path in chosen.items():
        assert LITERALS[name] == frozenset(case_fields()[path].values)


def test_every_declared_field_has_a_label_range_and_value_words() -> None:
    base = kb.load()
    texts = base.raw["texts"]
    assert set(case_fields()) <= texts["fields"].keys()
    ranged = {p for p, s in case_fields().items() if s.ranged}
    assert set(base.knowledge.input_ranges) == ranged
    assert {p: tuple(w) for p, w in texts["choices"].items()} == _choice_fields()


def test_a_value_without_words_is_named_by_the_check(data: Path) -> None:
    path = data / "texts.toml"
    text = path.read_text("utf-8")
    line = 'rollator = { da = "Rollator", en = "Rollator" }\n'
    assert text.count(line) == 1
    path.write_text(text.replace(line, 'walker = { da = "Rollator", en = "Rollator" }\n'), "utf-8")
    problems = kb.check(data)
    at = "texts.choices.function.walking_aid"
    problems_at(problems, Code.CHOICE_WORDS_MISSING, at, "rollator")
    problems_at(problems, Code.CHOICE_NOT_A_VALUE, at, "walker")


def test_words_for_a_field_that_is_no_choice_are_named_by_the_check(data: Path) -> None:
    path = data / "texts.toml"
    path.write_text(
        path.read_text("utf-8")
        + '\n[choices."tests.tug_s"]\nfast = { da = "Hurtig", en = "Fast" }\n',
        "utf-8",
    )
    problems_at(kb.check(data), Code.CHOICE_NOT_A_FIELD, "texts.choices.tests.tug_s")

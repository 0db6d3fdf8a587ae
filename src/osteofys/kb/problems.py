"""Knowledge-base problems with stable codes (issue 14, item 10).

A problem is a code, the place in the knowledge base and a detail in words. The code says what
kind of problem it is and never changes meaning: tests, the Django system check and anyone who
scripts `osteofys kb check` match on it, while the wording of the detail may improve. A new kind
of problem gets the next free number; a retired code is never reused. docs/knowledge-base.md
lists them (tests/kb/test_problem_codes.py holds the two together).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    """Every kind of problem the knowledge-base check reports, with what it means."""

    meaning: str

    def __new__(cls, value: str, meaning: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    FILE_MISSING = "osteofys.E001", "a knowledge-base file is missing"
    SOURCES_MISSING = "osteofys.E002", "an entry needs a non-empty list of source ids"
    UNKNOWN_SOURCE = "osteofys.E003", "a source id is not in sources.toml"
    UNKNOWN_EVIDENCE = "osteofys.E004", "an evidence tag is not one of the known tags"
    TEXT_MISSING = "osteofys.E005", "a text lacks a language or is empty"
    TEXT_LISTS_DIFFER = "osteofys.E006", "the Danish and English lists of a text differ in length"
    SOURCE_INCOMPLETE = "osteofys.E007", "a source lacks publisher, title or url"
    SOURCE_URL = "osteofys.E008", "a source's url is not a web address"
    REGISTER_INCOMPLETE = (
        "osteofys.E009",
        "the source register lacks ids the specification requires",
    )
    THRESHOLD_NOT_A_NUMBER = "osteofys.E010", "a threshold's value is not a number"
    UNIT_MISSING = "osteofys.E011", "a threshold or input range needs a unit"
    RANGE_INVALID = "osteofys.E012", "an input range needs numeric min < max"
    RANGE_MISSING = "osteofys.E013", "a numeric case field has no input range"
    RANGE_NOT_A_FIELD = "osteofys.E014", "an input range names no numeric case field"
    RULE_ID_MISSING = "osteofys.E015", "a rule needs an id"
    RULE_ID_DUPLICATE = "osteofys.E016", "two rules have the same id"
    RULE_SYNTAX = "osteofys.E017", "a rule's expression is not valid rule language"
    UNKNOWN_FINDING = (
        "osteofys.E018",
        "a rule reads a finding that does not exist (or is set by a broken rule)",
    )
    UNKNOWN_THRESHOLD = "osteofys.E019", "a rule compares with a threshold that does not exist"
    UNKNOWN_GROUP = "osteofys.E020", "a rule's group is not one of the groups the core knows"
    LITERAL_NEVER = (
        "osteofys.E021",
        "a rule compares a choice finding with a value it can never have",
    )
    UNKNOWN_CONDITION = "osteofys.E022", "a rule names a condition that is not in conditions.toml"
    TABLE_OUTCOME = (
        "osteofys.E023",
        "a decision-table row's outcome or alternatives are not allowed values",
    )
    TABLE_DEFAULT = "osteofys.E024", "a decision table's default is not an allowed value"
    TABLE_EMPTY = "osteofys.E025", "a decision table has no rows"
    CAPS_NOT_A_TABLE = "osteofys.E026", "caps must be a table"
    CAP_SCALE = "osteofys.E027", "a cap is not on a known scale"
    CATEGORY_MISSING = "osteofys.E028", "a function category is missing"
    CATEGORY_ORDER = "osteofys.E029", "the categories' order must run 1..5"
    ACTIVITY_LEVELS = "osteofys.E030", "a category allows activity levels that do not exist"
    DOSE_NOT_A_TABLE = "osteofys.E031", "a dose must be a table"
    DOSE_KEYS = "osteofys.E032", "a dose has unknown keys"
    DOSE_RANGE = "osteofys.E033", "a dose range must be [min, max] with 0 < min <= max"
    DOSE_DAYS = "osteofys.E034", "days per week must be within 1..7"
    DOSE_EMPTY = "osteofys.E035", "a dose needs reps, hold_s, minutes or impacts"
    EXERCISE_CATEGORIES = "osteofys.E036", "an exercise names categories that do not exist"
    EXERCISE_TAG = "osteofys.E037", "an exercise's safety tag is not on its scale"
    EXERCISE_EQUIPMENT = "osteofys.E038", "an exercise's equipment is not in the vocabulary"
    HIRIT_UNSUPERVISED = "osteofys.E039", "a HiRIT exercise must be supervised only (SPEC P13)"
    EXERCISE_PRIORITY = "osteofys.E040", "an exercise's priority must be a whole number"
    EXERCISE_STEPS = "osteofys.E041", "an exercise's how-to needs 2 to 8 steps"
    EXERCISE_KEYS = "osteofys.E042", "an exercise lacks required keys"
    EXERCISE_FILE_NAME = "osteofys.E043", "an exercise's id differs from its file name"
    EXERCISE_DOMAIN = "osteofys.E044", "an exercise's domain or component is unknown"
    EXERCISE_COMPONENT = "osteofys.E045", "an exercise's component does not belong to its domain"
    DOSE_CATEGORY = "osteofys.E046", "an exercise has a dose for a category it is not for"
    DOSE_MISSING = (
        "osteofys.E047",
        "an exercise has no dose for one of its categories and no default",
    )
    DOSE_LINE_UNKNOWN = (
        "osteofys.E048",
        "a dose line names an unknown category, domain or component",
    )
    GOAL_MISSING = "osteofys.E049", "a category and domain have no goal"
    DOSE_LINE_MISSING = "osteofys.E050", "a category and domain have no dose line"
    COVERAGE = (
        "osteofys.E051",
        "a category has too few safe exercises in a domain under every precaution",
    )
    GROUP_HEADING_MISSING = "osteofys.E052", "a reason group has no heading"
    RULE_TEXT_MISSING = "osteofys.E053", "a rule has no explanation text"
    RULE_TEXT_ORPHAN = "osteofys.E054", "a text explains a rule that does not exist"
    PLACEHOLDER_UNKNOWN = "osteofys.E055", "a text uses a placeholder that does not exist"
    ERROR_TEXT_MISSING = "osteofys.E056", "an input error code has no message"
    FIELD_LABEL_MISSING = "osteofys.E057", "a case field has no label"
    CHOICE_WORDS_MISSING = "osteofys.E058", "a value of a choice field has no words"
    CHOICE_NOT_A_VALUE = (
        "osteofys.E059",
        "words are given for a value the choice field does not have",
    )
    CHOICE_NOT_A_FIELD = "osteofys.E060", "words are given for a field that is not a choice field"
    CONDITION_ID = "osteofys.E061", "a condition's id is malformed or repeated"
    CONDITION_INCOMPLETE = (
        "osteofys.E062",
        "a condition needs a risk factor of risk_factors.toml and ICD-10 codes",
    )
    REGISTRY_THRESHOLD = (
        "osteofys.E063",
        "the registry mapping names a threshold that does not exist",
    )
    REGISTRY_CODE = (
        "osteofys.E064",
        "the registry mapping has a malformed ICD-10 or ATC code or range",
    )
    REGISTRY_SITES = "osteofys.E065", "the registry's fracture sites must be distinct known sites"
    FHIR_CANONICAL = "osteofys.E066", "the FHIR canonical base must be an https:// URL"
    FHIR_SYSTEM_URL = "osteofys.E067", "a FHIR code system is not a URL or urn:oid"
    FHIR_LOCAL_SYSTEMS = (
        "osteofys.E068",
        "the FHIR local code systems are not exactly the ones the mapping uses",
    )
    FHIR_UNITS = "osteofys.E069", "the FHIR T-score units need a non-empty list of UCUM codes"
    FHIR_TEXT_MISSING = "osteofys.E070", "a FHIR text the export needs is missing"
    FHIR_CODE_MISSING = "osteofys.E071", "a FHIR code the export needs is missing"
    FHIR_NOT_A_TABLE = "osteofys.E072", "a FHIR code entry must be a table"
    FHIR_UNKNOWN_KEY = "osteofys.E073", "a FHIR code entry has an unknown key"
    FHIR_SYSTEM_UNKNOWN = "osteofys.E074", "a FHIR code's system is neither declared nor local"
    FHIR_KEY_MISSING = "osteofys.E075", "a FHIR code entry lacks a required key"
    FHIR_TEXT_INCOMPLETE = "osteofys.E076", "a FHIR code needs a text in Danish and English"
    FHIR_REFERENCE_MISSING = (
        "osteofys.E077",
        "a standard FHIR code needs a reference (https://) to verify it",
    )
    FHIR_FIELD = "osteofys.E078", "a FHIR code names a field that is not a case field"
    FHIR_BODY_SITE = "osteofys.E079", "a FHIR code's body site is not a code in fhir.toml"
    ALTERNATIVE_SUGGEST = "osteofys.E080", "an alternative must map categories to categories"
    VERSION_MISSING = "osteofys.E081", "the knowledge base needs a version"
    OUTCOME_SETTERS = "osteofys.E082", "an outcome the core reads is not set by exactly one rule"
    RISK_FACTOR_GRADE = "osteofys.E083", "a risk factor's grade must be strong or ordinary"
    RISK_FACTOR_LABEL = "osteofys.E084", "a risk factor needs a label"
    POSE = "osteofys.E085", "an exercise's illustration pose is not valid"
    READ_FAILED = (
        "osteofys.E086",
        "a knowledge-base file cannot be read (missing directory, bad TOML or encoding)",
    )
    TABLE_ON_UNKNOWN = (
        "osteofys.E087",
        "a decision table's outcome for an unknown row is not allowed",
    )
    FAMILY = (
        "osteofys.E088",
        "a family (progression ladder) is malformed: unknown pattern, no levels or a duplicate id",
    )
    FAMILY_MEMBERSHIP = (
        "osteofys.E089",
        "an exercise is in no family or in more than one, or a family lists an unknown exercise",
    )
    LAYOUT = (
        "osteofys.E090",
        "a plan layout is missing or malformed: unknown pattern or family, or a bad max_items",
    )
    PLAN_VOCABULARY = (
        "osteofys.E091",
        "a dose names an intensity or progression the knowledge base does not define",
    )
    SOURCE_HOST = (
        "osteofys.E092",
        "a source's url is on a host that is not on the allow-list (hosts.toml)",
    )
    RETIRED_SOURCE = (
        "osteofys.E093",
        "a retired source is cited, or a retired source does not name the sources that replace it",
    )
    FOLLOW_UP = (
        "osteofys.E094",
        "a follow-up number ([follow_up]) is missing, repeated, not a whole number or range, "
        "has no unit, or names an unknown threshold",
    )
    PROGRESSION_RULE = (
        "osteofys.E095",
        "the progression rules are not exactly the core's (one missing or unknown), or a rule's "
        "step is not the core's",
    )
    MDC = (
        "osteofys.E096",
        "a function test has no MDC entry, or an entry is malformed (not a test of the case, a "
        "value that is not a positive number, `better` not lower/higher, or no population or note)",
    )


_SECTION = re.compile(r"[A-Za-z_]+")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the knowledge-base check."""

    code: Code
    where: str
    """The place: a section and key, e.g. `rules.criterion P8` or `exercises/log_roll.name`."""
    detail: str

    @property
    def file(self) -> str:
        """The knowledge-base file the place is in, relative to the data directory."""
        if self.where.startswith("exercises/"):
            return self.where.split(".", 1)[0].split(" ", 1)[0] + ".toml"
        if self.where.endswith(".toml"):
            return self.where
        match = _SECTION.match(self.where)
        section = match.group(0) if match else self.where
        return "exercises/" if section == "exercises" else f"{section}.toml"

    def __str__(self) -> str:
        return f"{self.code} {self.file} ({self.where}): {self.detail}"


def code_table() -> str:
    """The Markdown table of every code, as docs/knowledge-base.md lists it."""
    rows = [f"| `{c.value}` | `{c.name}` | {c.meaning} |" for c in Code]
    return "\n".join(["| Code | Name | Meaning |", "|---|---|---|", *rows])

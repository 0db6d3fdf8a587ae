"""Typed access to the knowledge base's words, built once from the TOML and checked.

Every word the app, the CLI, the PDFs and the FHIR mapping take from the knowledge base is read
here: category names and cards, field labels, choice words, rule texts, error texts, report
phrases, document wording, exercise texts, tag words, the source register and the FHIR words.
The loader builds `Texts` with `build_texts` and reports each key the code needs but the data
lacks (naming the table and the key), so a renamed key fails `kb check` instead of a page.
UI words that are not knowledge (buttons, headings of the web pages) are gettext's.

Following the training (issue 16; progression.toml, retests.toml), on `Texts`:

- `step(step, lang)`: a progression step's name ("Næste niveau"; rules.progress.Step).
- `progression_rule(rule, lang)`: a progression rule's reason with its {placeholders} unfilled.
- `progression_reason(suggestion, lang)` / `reason(rule, facts, lang)`: the reason with the
  suggestion's facts filled in: numbers with the language's decimal sign, dates as long dates,
  exercise ids (`exercise`, `to`) as names, `event` and `unit` as words, `load_from`/`load_to` as
  the load tag's words, `blocked` as the words of each block ("loftet for stød") and `sets` as
  "Alle 3 sæt" / "Sættet" / "Hvert sæt"; a step down that keeps the exercise adds that it keeps
  it with an easier dose (or that the dose cannot be made easier).
- `event(kind, lang)`: an adverse event's word (training.models.EventKind values).
- `blocked(why, lang)`: why a move up was not suggested (a cap tag or rules.progress.BLOCKS).
- `verdict(verdict, lang)`: a re-test verdict ("inden for måleusikkerheden"; rules.retest.Verdict).
- `mdc_population(test, lang)`: the MDC with its population ("MDC95 2,08 s hos hjemmeboende
  voksne ≥ 50 år"), or "ingen MDC fundet"; `mdc_note(test, lang)`: the entry's note, if any.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from osteofys.rules.assess import RED_FLAG_FIELDS
from osteofys.rules.model import (
    CAP_SCALES,
    FALL_RISK_LEVELS,
    FLEXION_LEVELS,
    IMPACT_LEVELS,
    LOAD_LEVELS,
    AcuteSite,
    BoneStatus,
    Category,
    Component,
    Domain,
    Pattern,
    ReferralBasis,
    SlotStatus,
)

T = TypeVar("T")

Fail = Callable[[str, str], None]
"""Reports one problem: (where, what), as the loader's check does."""


# No slots: typing sets `__orig_class__` on an instance made through an alias (`Text(...)`), which
# a slotted frozen dataclass refuses with a TypeError; a plain frozen one refuses it quietly.
@dataclass(frozen=True)
class Bilingual(Generic[T]):
    """One thing of the knowledge base said in Danish and English (a text, a list of lines)."""

    da: T
    en: T

    def __call__(self, lang: str) -> T:
        """It in `lang` ("da" or "en")."""
        match lang:
            case "da":
                return self.da
            case "en":
                return self.en
            case _:
                raise ValueError(f"no language {lang!r}")


Text = Bilingual[str]
"""One text in Danish and English."""
Lines = Bilingual[tuple[str, ...]]
"""A list of texts (steps, month names) in Danish and English."""


@dataclass(frozen=True, slots=True)
class CategoryText:
    """A function category's words (categories.toml): its name and its cards."""

    order: int
    name: Text
    clinician: Text
    patient: Text
    avoid: Text


@dataclass(frozen=True, slots=True)
class ExerciseText:
    """An exercise's words (exercises/<id>.toml)."""

    name: Text
    purpose: Text
    how: Lines
    avoid: Text
    progression: Text
    regression: Text


@dataclass(frozen=True, slots=True)
class Advice:
    """One acute-phase advice (acute_phase.toml), for the clinician and for the patient."""

    id: str
    clinician: Text
    patient: Text


# The fracture sites the acute phase gives advice for (acute_phase.toml [site.*]); "other" is a
# fracture the clinician started the acute phase for (e.g. pelvis).
ACUTE_SITES = tuple(site.value for site in AcuteSite)


@dataclass(frozen=True, slots=True)
class SiteAdvice:
    """The acute-phase advice after a fracture at one site (acute_phase.toml [site.*])."""

    heading: Text
    advice: tuple[Advice, ...]
    avoid: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class FallAdvice:
    """One part of the fall-prevention advice (safety_messages.toml [[fall]])."""

    id: str
    heading: Text
    text: Text
    when: str | None
    """"hip_protectors": only where hip protectors are relevant; None: always."""


@dataclass(frozen=True, slots=True)
class Source:
    """One current entry of the source register (sources.toml; retired entries are left out)."""

    id: str
    publisher: str
    title: str
    url: str
    authors: str = ""
    journal: str = ""
    year: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""

    @property
    def citation(self) -> str:
        """The one way a source is cited: every place that shows a source shows this.

        A journal article as 'Authors. Title. Journal Year;Volume:Pages. doi:…' (Vancouver style),
        any other source as 'Publisher: Title' with its year when it has one.
        """
        if self.journal:
            where = f"{self.journal} {self.year}".strip()
            if self.volume:
                where += f";{self.volume}"
            if self.pages:
                where += f":{self.pages}"
            parts = [self.authors, self.title, where, f"doi:{self.doi}" if self.doi else ""]
            if not self.doi and self.pmid:
                parts[-1] = f"PMID {self.pmid}"
            return " ".join(_sentence(p) for p in parts if p)
        text = f"{self.publisher}: {self.title}"
        return f"{text} ({self.year})" if self.year and self.year not in self.title else text


_CITATION_FIELDS = ("authors", "journal", "year", "volume", "pages", "doi", "pmid")


def _sentence(part: str) -> str:
    """A part of a citation ending with a full stop (unless it ends with one, ? or !)."""
    return part if part.endswith((".", "?", "!")) else f"{part}."


@dataclass(frozen=True, slots=True)
class FhirCode:
    """One code of the FHIR mapping (fhir.toml) as written there; `system` may be 'local:...'."""

    system: str
    code: str
    display: str
    text: Text
    field: str | None
    category: str | None
    unit: str | None
    body_site: str | None


@dataclass(frozen=True, slots=True)
class FhirTexts:
    """The FHIR mapping's table (fhir.toml): systems, codes with their words, and notes."""

    canonical: str
    systems: Mapping[str, str]
    codes: Mapping[str, FhirCode]
    tscore_units: tuple[str, ...]
    notes: Mapping[str, Text]


@dataclass(frozen=True, slots=True)
class Tags:
    """The words for an exercise's tags (texts.toml `[tags]`), by vocabulary and value."""

    equipment: Mapping[str, Text]
    impact: Mapping[str, Text]
    spinal_flexion: Mapping[str, Text]
    fall_risk: Mapping[str, Text]
    load: Mapping[str, Text]
    component: Mapping[str, Text]
    pattern: Mapping[str, Text]
    slot_status: Mapping[str, Text]
    supervised_only: Text


@dataclass(frozen=True, slots=True)
class FollowUpTexts:
    """The words of following the training (progression.toml, retests.toml)."""

    steps: Mapping[str, Text]
    rules: Mapping[str, Text]
    events: Mapping[str, Text]
    units: Mapping[str, Text]
    blocked: Mapping[str, Text]
    words: Mapping[str, Text]
    """progression.toml [words]: the sets of a reason, and the easier-dose sentences."""
    verdicts: Mapping[str, Text]
    phrases: Mapping[str, Text]
    """retests.toml [population]: "mdc", "meaningful" and "none"."""
    mdc_units: Mapping[str, Text]
    """retests.toml [unit]: each MDC unit in words."""
    mdc: Mapping[str, tuple[str, str, str, Text | None, Text | None]]
    """Per test: (the value written with a decimal point or "", its unit, its phrase, the
    population, the note)."""


@dataclass(frozen=True, slots=True)
class DocumentTexts:
    """The fixed wording of the printed documents (texts.toml `[documents]`)."""

    common: Mapping[str, Text]
    handout: Mapping[str, Text]
    letter: Mapping[str, Text]
    months: Lines
    weekdays: Lines
    sex: Mapping[str, Text]
    sites: Mapping[str, Text]
    energy: Mapping[str, Text]
    risk_factors: Mapping[str, Text]

    def labels(self, kind: str, lang: str) -> dict[str, str]:
        """Every heading and sentence of the handout or the letter (`kind`) in `lang`."""
        own = self.handout if kind == "handout" else self.letter
        return {k: t(lang) for table in (self.common, own) for k, t in table.items()}


# The referral sentence for each basis (texts.toml `[referral]`).
REFERRAL_TEXT: Mapping[ReferralBasis, str] = MappingProxyType(
    {
        ReferralBasis.NEUROLOGICAL: "neurological",
        ReferralBasis.RED_FLAG: "urgent",
        ReferralBasis.NEW_FRACTURE: "new_fracture",
        ReferralBasis.DIAGNOSED: "diagnosed",
        ReferralBasis.BY_DEFINITION: "by_definition",
        ReferralBasis.DXA_OSTEOPOROSIS: "dxa_osteoporosis",
        ReferralBasis.SPINE_XRAY: "spine_xray",
        ReferralBasis.RISK_FACTORS: "recommended",
        ReferralBasis.UNDER_AGE: "under_age",
        ReferralBasis.UNDECIDED: "undecided",
        ReferralBasis.NONE: "not_needed",
    }
)

# The keys the code reads from each table of texts.toml; `kb check` names each one missing. The
# tables the loader checks itself (rules, errors, fields, choices, groups) are not listed here.
UI_KEYS = (
    "title kb category suggestion no_category provisional alternatives why red_flags acute"
    " acute_active acute_precaution acute_unknown acute_none bone fall low_performance yes no"
    " not_assessed referral risk_factors_found strong missing nothing_missing plan exercise_set"
    " no_plan exercise dose supervised acute_advice precautions sources"
).split()
CLI_KEYS = (
    "cannot_write no_such_file permission_denied is_a_directory not_utf8 json_line date_format"
).split()
FORMAT_KEYS = ("decimal", "thousands", "long_date")
DOCUMENT_KEYS = "kb page of made_with texts_from phone email".split()
HANDOUT_KEYS = (
    "title subtitle patient clinic date category_heading category_label no_category"
    " red_flag_heading red_flag safety_heading avoid_heading acute_heading acute_until"
    " acute_started acute_ended"
    " acute_precaution_heading acute_precaution acute_avoid_heading exercises_heading exercise"
    " exercises_intro purpose how dose harder easier take_care illustration diary_heading"
    " diary_intro week questions later_heading falls_heading floor_exercise withheld_heading"
    " load"
    " withheld withheld_now_heading red_flag_withheld"
).split()
LETTER_KEYS = (
    "to to_own_gp re born cpr phone title_urgent title_by_definition title_recommended"
    " title_neurological title_new_fracture title_dxa_osteoporosis title_spine_xray"
    " title_info greeting intro the_patient recommendation_heading rec_urgent rec_by_definition"
    " rec_recommended rec_diagnosed rec_info rec_neurological rec_new_fracture"
    " rec_dxa_osteoporosis rec_spine_xray dxa_scan dxa_scan_dated xray_height_loss xray_kyphosis"
    " xray_note"
    " and risk_factors_heading strong modifiable"
    " findings_heading fractures no_fractures dxa unable assessment_heading category bone_status"
    " fall_risk acute acute_until acute_precaution plan_note plan_note_withheld closing regards"
    " physio footer"
).split()
ENERGY_KEYS = ("low", "high", "unknown", "no_date")
SEXES = ("female", "male")


@dataclass(frozen=True, slots=True)
class Texts:
    """Every word the knowledge base holds for the app, typed; see the module docstring."""

    categories: Mapping[str, CategoryText]
    fields: Mapping[str, Text]
    choices: Mapping[str, Mapping[str, Text]]
    rules: Mapping[str, Text]
    risk_factors: Mapping[str, Text]
    conditions: Mapping[str, Text]
    errors: Mapping[str, Text]
    errors_inline: Mapping[str, Text]
    """The problems of one field as said next to it on a form (no field name)."""
    referral: Mapping[str, Text]
    bone_status: Mapping[str, Text]
    groups: Mapping[str, Text]
    domains: Mapping[str, Text]
    ui: Mapping[str, Text]
    cli: Mapping[str, Text]
    formats: Mapping[str, Text]
    documents: DocumentTexts
    exercises: Mapping[str, ExerciseText]
    acute_advice: tuple[Advice, ...]
    acute_avoid: tuple[Text, ...]
    acute_sites: Mapping[str, SiteAdvice]
    """The advice by fracture site (ACUTE_SITES); see `acute_site`."""
    safety_messages: tuple[Text, ...]
    safety_lead: Text | None
    """The take-home message said first (safety_messages.toml `lead = true`), also in the list."""
    fall_advice: tuple[FallAdvice, ...]
    tags: Tags
    sources: Mapping[str, Source]
    fhir: FhirTexts
    dose_words: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)
    """plan.toml's `intensity`, `progression` and `note` texts, by kind and key."""
    follow_up: FollowUpTexts | None = None
    """Issue 16: steps, progression reasons, events, re-test verdicts and MDC populations."""

    @property
    def _fu(self) -> FollowUpTexts:
        assert self.follow_up is not None, "built by build_texts"
        return self.follow_up

    def step(self, step: str, lang: str) -> str:
        """A progression step's name (rules.progress.Step)."""
        return self._fu.steps[step](lang)

    def progression_rule(self, rule: str, lang: str) -> str:
        """A progression rule's reason, its {placeholders} unfilled."""
        return self._fu.rules[rule](lang)

    def event(self, kind: str, lang: str) -> str:
        """An adverse event's word (fall, new_back_pain, new_pain, other)."""
        return self._fu.events[kind](lang)

    def blocked(self, why: str, lang: str) -> str:
        """Why a move up was not suggested: a cap tag or one of rules.progress.BLOCKS."""
        return self._fu.blocked[why](lang)

    def verdict(self, verdict: str, lang: str) -> str:
        """A re-test verdict in words (rules.retest.Verdict)."""
        return self._fu.verdicts[verdict](lang)

    def reason(self, rule: str, facts: Iterable[tuple[str, object]], lang: str) -> str:
        """A progression rule's reason with the facts filled in (see the module docstring).

        A step down that keeps the exercise says so after the reason (fact `easier`).
        """
        given = dict(facts)
        words = {name: self._fact(name, value, lang) for name, value in given.items()}
        words.setdefault("sets", self._fact("sets", None, lang))
        text = self.progression_rule(rule, lang).format_map(_Blank(words))
        if "easier" in given:
            after = self._fu.words["easier" if given["easier"] else "no_easier"](lang)
            text = f"{text} {after}"
        return text

    def progression_reason(self, suggestion: Any, lang: str) -> str:
        """The reason of a rules.progress.Suggestion in `lang`."""
        return self.reason(suggestion.rule, suggestion.facts, lang)

    def _fact(self, name: str, value: object, lang: str) -> str:
        if name == "sets" and not isinstance(value, bool):
            if value == 1:
                return self._fu.words["one_set"](lang)
            if isinstance(value, int):
                return self._fu.words["all_sets"](lang).format(n=value)
            return self._fu.words["each_set"](lang)
        if value is None:
            return "–"
        match name:
            case "exercise" | "to" if isinstance(value, str) and value in self.exercises:
                return self.exercise_name(value, lang)
            case "event" if isinstance(value, str):
                return self.event(value, lang)
            case "unit" if isinstance(value, str) and value in self._fu.units:
                return self._fu.units[value](lang)
            case "load_from" | "load_to" if isinstance(value, str) and value in self.tags.load:
                # Inside a sentence: the tag's word ("Tung belastning") in lower case.
                word = self.tags.load[value](lang)
                return word[:1].lower() + word[1:]
            case "blocked" if isinstance(value, tuple):
                return ", ".join(self.blocked(str(v), lang) for v in value)
        if isinstance(value, bool):
            return self.ui["yes" if value else "no"](lang)
        if isinstance(value, date):
            return self.long_date(value, lang)
        if isinstance(value, float):
            return self.decimal(_written(value), lang)
        return str(value)

    def mdc_population(self, test: str, lang: str) -> str:
        """A test's MDC with its population, or that none was found."""
        value, unit, phrase, population, _ = self._fu.mdc[test]
        if not value or population is None:
            return self._fu.phrases["none"](lang)
        words = self._fu.mdc_units.get(unit)
        return self._fu.phrases[phrase](lang).format(
            value=self.decimal(value, lang),
            unit=words(lang) if words else unit,
            population=population(lang),
        )

    def mdc_note(self, test: str, lang: str) -> str | None:
        """The MDC entry's note (why none was found, or how to read it); None without one."""
        note = self._fu.mdc[test][4]
        return note(lang) if note else None

    def acute_site(self, site: str | None) -> SiteAdvice:
        """The acute-phase advice after a fracture at `site`; a vertebral one's when unknown."""
        return self.acute_sites.get(site or "vertebra") or self.acute_sites["vertebra"]

    def category_name(self, category: str, lang: str) -> str:
        """A category's name; the list, the pages, the forms, the PDFs and the CLI show this."""
        return self.categories[category].name(lang)

    def categories_in_order(self) -> list[str]:
        """The category slugs from the most active to the most limited (order 5 .. 1)."""
        return sorted(self.categories, key=lambda c: -self.categories[c].order)

    def field_label(self, path: str, lang: str) -> str | None:
        """The label of a case field ('tests.tug_s'), or None when the field has none."""
        label = self.fields.get(path)
        return label(lang) if label else None

    def test_label(self, test: str, lang: str) -> str:
        """The label of a function test by its case name ('tug_s')."""
        return self.fields[f"tests.{test}"](lang)

    def red_flag(self, flag: str, lang: str) -> str:
        """The name of a red flag (a finding of `rules.assess.RED_FLAG_FIELDS`): its field label."""
        return self.field_label(f"function.{flag}", lang) or flag

    def choice_words(self, path: str, values: Iterable[str], lang: str) -> list[tuple[str, str]]:
        """The values of a choice field (rules.case) with their words, in the given order."""
        words = self.choices[path]
        return [(value, words[value](lang)) for value in values]

    def rule_text(self, rule: str, lang: str) -> str | None:
        """The name of a risk factor, or the explanation of any other rule; None when unknown."""
        text = self.risk_factors.get(rule) or self.rules.get(rule)
        return text(lang) if text else None

    def error(self, problem: str, lang: str) -> str:
        """The sentence template of a case problem (texts.toml `[errors]`)."""
        return self.errors[problem](lang)

    def error_inline(self, problem: str, lang: str) -> str:
        """The template of a field's problem as said next to the field (`[errors_inline]`)."""
        return self.errors_inline[problem](lang)

    def referral_text(self, basis: ReferralBasis | str, lang: str) -> str:
        """The referral sentence for a basis (SPEC P4, P10), its {placeholders} unfilled."""
        return self.referral[REFERRAL_TEXT[ReferralBasis(basis)]](lang)

    def domain_name(self, domain: str, lang: str) -> str:
        """A training domain's name (Stærk, Stabil, Strakt)."""
        return self.domains[domain](lang)

    def exercise_name(self, exercise: str, lang: str) -> str:
        """An exercise's name."""
        return self.exercises[exercise].name(lang)

    def condition(self, condition: str, lang: str) -> str:
        """A disease of the `conditions` vocabulary by its id; the id itself when unknown."""
        label = self.conditions.get(condition)
        return label(lang) if label else condition

    def decimal(self, written: str, lang: str) -> str:
        """A number written with a decimal point ('8.5') with the language's decimal sign."""
        return written.replace(".", self.formats["decimal"](lang))

    def whole(self, n: int, lang: str) -> str:
        """A whole number with the language's thousands separator (12.345 in Danish)."""
        return f"{n:,}".replace(",", self.formats["thousands"](lang))

    def long_date(self, when: date, lang: str) -> str:
        """'5. januar 2027' in Danish, '5 January 2027' in English."""
        month = self.documents.months(lang)[when.month - 1]
        return self.formats["long_date"](lang).format(day=when.day, month=month, year=when.year)

    def short_date(self, when: date, lang: str) -> str:
        """The terminal's date: 05.01.2027 in Danish, 2027-01-05 in English."""
        return when.strftime(self.cli["date_format"](lang))


class _Blank(dict[str, str]):
    """Placeholders a suggestion does not carry are left empty (the loader checks their names)."""

    def __missing__(self, key: str) -> str:
        return "–"


def _written(value: float) -> str:
    """A number written with a decimal point: 2.08, 2.5, 24.1; below 1 with two decimals (0.10)."""
    text = f"{value:g}"
    if abs(value) < 1 and len(text.partition(".")[2]) < 2:
        text = f"{value:.2f}"
    return text


# --- building and checking ----------------------------------------------------------------------


_MISSING = Text("?", "?")


class _Reader:
    """Reads the raw tables into typed texts, reporting each key the code needs but lacks."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail

    def text(self, node: Any, where: str) -> Text:
        """A {da, en} table as a `Text`. Its languages are checked by the loader (check_texts)."""
        if not isinstance(node, dict):
            self.fail(where, "needs a text in da and en")
            return _MISSING
        return Text(*(str(node.get(lang, "")) for lang in ("da", "en")))

    def lines(self, node: Any, where: str) -> Lines:
        if not isinstance(node, dict):
            self.fail(where, "needs a list of texts in da and en")
            return Lines((), ())
        da, en = (node.get(lang) for lang in ("da", "en"))
        return Lines(*(tuple(v) if isinstance(v, list) else (str(v),) for v in (da, en)))

    def table(self, node: Any, where: str, required: Iterable[str] = ()) -> Mapping[str, Text]:
        """The {da, en} texts of a table by key; `required` keys must be there."""
        found = node if isinstance(node, dict) else {}
        for key in required:
            if key not in found:
                self.fail(where, f"lacks the text {key!r}")
        return MappingProxyType(
            {
                str(k): self.text(v, f"{where}.{k}")
                for k, v in found.items()
                if isinstance(v, dict)
                and v.keys() & {"da", "en"}
                and not isinstance(v.get("da"), list)  # a list of texts is read by `lines`
            }
        )

    def section(self, raw: Mapping[str, Any], name: str) -> dict[str, Any]:
        section = raw.get(name)
        return section if isinstance(section, dict) else {}


def _acute_sites(r: _Reader, acute: Mapping[str, Any]) -> Mapping[str, SiteAdvice]:
    """acute_phase.toml [site.*]: each site's advice and avoid lists, by id, in their order."""
    advice = {
        str(a.get("id")): Advice(
            str(a.get("id")),
            r.text(a.get("clinician"), f"acute_phase.advice[{i}].clinician"),
            r.text(a.get("patient"), f"acute_phase.advice[{i}].patient"),
        )
        for i, a in enumerate(acute.get("advice", []))
    }
    avoid = {
        str(a.get("id")): r.text(a.get("text"), f"acute_phase.avoid[{i}].text")
        for i, a in enumerate(acute.get("avoid", []))
    }
    found = acute.get("site")
    sites: dict[str, Any] = found if isinstance(found, dict) else {}
    out = {}
    for site in ACUTE_SITES:
        where = f"acute_phase.site.{site}"
        entry = sites.get(site)
        if not isinstance(entry, dict):
            r.fail(where, "needs the site's heading, advice and avoid")
            entry = {}

        def pick(
            key: str, register: Mapping[str, T], where: str = where, e: Any = entry
        ) -> list[T]:
            ids = e.get(key) if isinstance(e.get(key), list) else []
            for unknown in (i for i in ids if i not in register):
                r.fail(f"{where}.{key}", f"names {unknown!r}, which acute_phase.toml lacks")
            return [register[i] for i in ids if i in register]

        out[site] = SiteAdvice(
            r.text(entry.get("heading"), f"{where}.heading"),
            tuple(pick("advice", advice)),
            tuple(pick("avoid", avoid)),
        )
    for extra in sorted(sites.keys() - set(ACUTE_SITES)):
        r.fail(f"acute_phase.site.{extra}", f"is not a site ({', '.join(ACUTE_SITES)})")
    return MappingProxyType(out)


def build_texts(
    raw: Mapping[str, Any], exercises: Mapping[str, Mapping[str, Any]], fail: Fail
) -> Texts:
    """The typed texts of a knowledge base read by `loader.read_raw`.

    Every missing key is reported through `fail` (the loader's check).
    """
    from osteofys.kb.loader import EQUIPMENT  # noqa: PLC0415 (the loader imports this module)

    r = _Reader(fail)
    texts = r.section(raw, "texts")
    docs = texts.get("documents", {}) if isinstance(texts.get("documents"), dict) else {}
    categories = {}
    for slug, entry in r.section(raw, "categories").items():
        if isinstance(entry, dict) and slug in set(Category):
            where = f"categories.{slug}"
            order = entry.get("order")
            categories[slug] = CategoryText(
                order=order if isinstance(order, int) else 0,  # the loader checks the order
                name=r.text(entry.get("name"), f"{where}.name"),
                clinician=r.text(entry.get("clinician"), f"{where}.clinician"),
                patient=r.text(entry.get("patient"), f"{where}.patient"),
                avoid=r.text(entry.get("avoid"), f"{where}.avoid"),
            )
    risk_factors = {
        str(f.get("id")): r.text(f.get("label"), f"risk_factors.{f.get('id')}.label")
        for f in r.section(raw, "risk_factors").get("factor", [])
        if isinstance(f, dict) and f.get("label")  # the loader reports a factor without one
    }
    conditions = {
        str(c): r.text(e.get("label"), f"conditions.{c}.label")
        for c, e in r.section(raw, "conditions").items()
        if isinstance(e, dict)
    }
    fields = r.table(texts.get("fields"), "texts.fields")
    for flag in RED_FLAG_FIELDS:
        if f"function.{flag}" not in fields:
            fail("texts.fields", f"no name for the red flag function.{flag}")
    tags = r.section(texts, "tags")
    vocabularies = {
        "equipment": sorted(EQUIPMENT),
        "impact": IMPACT_LEVELS,
        "spinal_flexion": FLEXION_LEVELS,
        "fall_risk": FALL_RISK_LEVELS,
        "load": LOAD_LEVELS,
        "component": [c.value for c in Component],
        "pattern": [p.value for p in Pattern],
        "slot_status": [s.value for s in SlotStatus],
    }
    tag_words = {
        name: r.table(tags.get(name), f"texts.tags.{name}", values)
        for name, values in vocabularies.items()
    }
    acute = r.section(raw, "acute_phase")
    return Texts(
        categories=MappingProxyType(categories),
        fields=fields,
        choices=MappingProxyType(
            {
                str(path): r.table(words, f"texts.choices.{path}")
                for path, words in r.section(texts, "choices").items()
            }
        ),
        rules=r.table(texts.get("rules"), "texts.rules"),
        risk_factors=MappingProxyType(risk_factors),
        conditions=MappingProxyType(conditions),
        errors=r.table(texts.get("errors"), "texts.errors"),
        errors_inline=r.table(texts.get("errors_inline"), "texts.errors_inline"),
        referral=r.table(
            texts.get("referral"),
            "texts.referral",
            [*REFERRAL_TEXT.values(), "modifiable", "act_now", "xray_note"],
        ),
        bone_status=r.table(texts.get("bone_status"), "texts.bone_status", list(BoneStatus)),
        groups=r.table(texts.get("groups"), "texts.groups"),
        domains=r.table(texts.get("domains"), "texts.domains", list(Domain)),
        ui=r.table(texts.get("ui"), "texts.ui", UI_KEYS),
        cli=r.table(texts.get("cli"), "texts.cli", CLI_KEYS),
        formats=r.table(texts.get("formats"), "texts.formats", FORMAT_KEYS),
        documents=DocumentTexts(
            common=r.table(docs, "texts.documents", DOCUMENT_KEYS),
            handout=r.table(docs.get("handout"), "texts.documents.handout", HANDOUT_KEYS),
            letter=r.table(docs.get("letter"), "texts.documents.letter", LETTER_KEYS),
            months=r.lines(docs.get("months"), "texts.documents.months"),
            weekdays=r.lines(docs.get("weekdays"), "texts.documents.weekdays"),
            sex=r.table(docs.get("sex"), "texts.documents.sex", SEXES),
            sites=r.table(docs.get("sites"), "texts.documents.sites"),
            energy=r.table(docs.get("energy"), "texts.documents.energy", ENERGY_KEYS),
            risk_factors=r.table(docs.get("risk_factors"), "texts.documents.risk_factors"),
        ),
        exercises=MappingProxyType(
            {
                eid: ExerciseText(
                    name=r.text(e.get("name"), f"exercises/{eid}.name"),
                    purpose=r.text(e.get("purpose"), f"exercises/{eid}.purpose"),
                    how=r.lines(e.get("how"), f"exercises/{eid}.how"),
                    avoid=r.text(e.get("avoid"), f"exercises/{eid}.avoid"),
                    progression=r.text(e.get("progression"), f"exercises/{eid}.progression"),
                    regression=r.text(e.get("regression"), f"exercises/{eid}.regression"),
                )
                for eid, e in exercises.items()
            }
        ),
        acute_advice=tuple(
            Advice(
                str(a.get("id")),
                r.text(a.get("clinician"), f"acute_phase.advice[{i}].clinician"),
                r.text(a.get("patient"), f"acute_phase.advice[{i}].patient"),
            )
            for i, a in enumerate(acute.get("advice", []))
        ),
        acute_avoid=tuple(
            r.text(a.get("text"), f"acute_phase.avoid[{i}].text")
            for i, a in enumerate(acute.get("avoid", []))
        ),
        acute_sites=_acute_sites(r, acute),
        safety_messages=tuple(
            r.text(m.get("text"), f"safety_messages.message[{i}].text")
            for i, m in enumerate(r.section(raw, "safety_messages").get("message", []))
        ),
        safety_lead=next(
            (
                r.text(m.get("text"), f"safety_messages.message[{i}].text")
                for i, m in enumerate(r.section(raw, "safety_messages").get("message", []))
                if m.get("lead") is True
            ),
            None,
        ),
        fall_advice=tuple(
            FallAdvice(
                str(f.get("id")),
                r.text(f.get("heading"), f"safety_messages.fall[{i}].heading"),
                r.text(f.get("text"), f"safety_messages.fall[{i}].text"),
                str(f["when"]) if f.get("when") else None,
            )
            for i, f in enumerate(r.section(raw, "safety_messages").get("fall", []))
        ),
        tags=Tags(
            **tag_words,
            supervised_only=r.text(tags.get("supervised_only"), "texts.tags.supervised_only"),
        ),
        dose_words=MappingProxyType(
            {
                kind: MappingProxyType(
                    {
                        str(key): r.text(entry.get("text"), f"plan.{kind}.{key}.text")
                        for key, entry in r.section(raw, "plan").get(kind, {}).items()
                    }
                )
                for kind in ("intensity", "progression", "note")
            }
        ),
        sources=MappingProxyType(
            {
                str(sid): Source(
                    str(sid),
                    *(str(e.get(k, "")) for k in ("publisher", "title", "url")),
                    **{k: str(e[k]) for k in _CITATION_FIELDS if k in e},
                )
                for sid, e in r.section(raw, "sources").items()
                # the loader checks publisher, title and url, and that nobody cites a retired id
                if isinstance(e, dict) and e.get("retired") is not True
            }
        ),
        fhir=_fhir(r, r.section(raw, "fhir")),
        follow_up=_follow_up(r, raw),
    )


def _follow_up(r: _Reader, raw: Mapping[str, Any]) -> FollowUpTexts:
    """progression.toml and retests.toml's words; the loader checks the rules and MDC entries."""
    from osteofys.rules.progress import BLOCKS, RULES, Event, Step  # noqa: PLC0415
    from osteofys.rules.retest import Verdict  # noqa: PLC0415

    progression, retests = r.section(raw, "progression"), r.section(raw, "retests")
    rules = {
        str(rid): r.text(e.get("text"), f"progression.rule.{rid}.text")
        for rid, e in r.section(progression, "rule").items()
        if isinstance(e, dict) and rid in RULES
    }
    mdc = {}
    for test, e in r.section(retests, "mdc").items():
        if not isinstance(e, dict):
            continue
        value = e.get("value")
        written = _written(float(value)) if isinstance(value, int | float) else ""
        population = e.get("population")
        note = e.get("note")
        mdc[str(test)] = (
            written,
            str(e.get("unit", "")),
            str(e.get("phrase", "mdc")),
            r.text(population, f"retests.mdc.{test}.population") if population else None,
            r.text(note, f"retests.mdc.{test}.note") if isinstance(note, dict) else None,
        )
    return FollowUpTexts(
        steps=r.table(progression.get("step"), "progression.step", list(Step)),
        rules=MappingProxyType(rules),
        events=r.table(progression.get("event"), "progression.event", list(Event)),
        units=r.table(
            progression.get("unit"), "progression.unit", ("reps", "hold_s", "minutes", "impacts")
        ),
        blocked=r.table(progression.get("blocked"), "progression.blocked", [*CAP_SCALES, *BLOCKS]),
        words=r.table(
            progression.get("words"),
            "progression.words",
            ("all_sets", "one_set", "each_set", "easier", "no_easier"),
        ),
        verdicts=r.table(retests.get("verdict"), "retests.verdict", list(Verdict)),
        phrases=r.table(
            retests.get("population"), "retests.population", ("mdc", "meaningful", "none")
        ),
        mdc=MappingProxyType(mdc),
        mdc_units=r.table(
            retests.get("unit"), "retests.unit", sorted({unit for _, unit, *_ in mdc.values()})
        ),
    )


def _fhir(r: _Reader, fhir: dict[str, Any]) -> FhirTexts:
    """fhir.toml as typed data; the loader checks its systems, codes and sources (check_fhir)."""

    def optional(entry: dict[str, Any], key: str) -> str | None:
        value = entry.get(key)
        return None if value is None else str(value)

    codes = {
        str(cid): FhirCode(
            system=str(e.get("system", "")),
            code=str(e.get("code", "")),
            display=str(e.get("display", "")),
            text=r.text(e["text"], f"fhir.code.{cid}.text") if "text" in e else _MISSING,
            field=optional(e, "field"),
            category=optional(e, "category"),
            unit=optional(e, "unit"),
            body_site=optional(e, "body_site"),
        )
        for cid, e in r.section(fhir, "code").items()
        if isinstance(e, dict)
    }
    return FhirTexts(
        canonical=str(fhir.get("canonical", "")),
        systems=MappingProxyType({str(k): str(v) for k, v in r.section(fhir, "systems").items()}),
        codes=MappingProxyType(codes),
        tscore_units=tuple(str(u) for u in fhir.get("tscore_units") or ()),
        # The loader names each note fhir.text lacks (FHIR_TEXTS).
        notes=r.table(fhir.get("text"), "fhir.text"),
    )

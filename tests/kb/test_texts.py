"""The typed texts of the knowledge base (kb/texts.py, issue 14 item 6).

The words come out as the TOML holds them, and a key the code reads that a copy of `kb/data`
renames is reported by `kb.check` naming the table and the key, instead of failing on a page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from osteofys import kb
from osteofys.kb.loader import KnowledgeBase
from osteofys.kb.texts import Text
from osteofys.rules.model import Category, ReferralBasis
from tests.kb.problems import edit


def reported(problems: list[object], where: str, key: str) -> None:
    """Some problem names the place `where` and the key `key`."""
    shown = [str(p) for p in problems]
    assert any(where in p and key in p for p in shown), "\n".join(shown)


# --- the words are the TOML's ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["da", "en"])
def test_category_names_and_cards_are_the_toml_ones(shipped: KnowledgeBase, lang: str) -> None:
    for category in Category:
        raw = shipped.raw["categories"][category.value]
        info = shipped.texts.categories[category.value]
        assert shipped.texts.category_name(category.value, lang) == raw["name"][lang]
        assert info.patient(lang) == raw["patient"][lang]
        assert info.avoid(lang) == raw["avoid"][lang]
        assert info.order == raw["order"]
    # Most active first, as the library and the forms list them.
    assert shipped.texts.categories_in_order()[0] == "traeningsaktiv"
    assert shipped.texts.categories_in_order()[-1] == "funktionsbegraenset"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_labels_rules_errors_and_exercises_are_the_toml_ones(
    shipped: KnowledgeBase, lang: str
) -> None:
    raw = shipped.raw["texts"]
    texts = shipped.texts
    for path, label in raw["fields"].items():
        assert texts.field_label(path, lang) == label[lang]
    assert texts.field_label("no.such_field", lang) is None
    assert texts.test_label("tug_s", lang) == raw["fields"]["tests.tug_s"][lang]
    for rule, text in raw["rules"].items():
        assert texts.rule_text(rule, lang) == text[lang]
    for factor in shipped.raw["risk_factors"]["factor"]:
        assert texts.rule_text(factor["id"], lang) == factor["label"][lang]
    assert texts.rule_text("NO_SUCH_RULE", lang) is None
    for code, text in raw["errors"].items():
        assert texts.error(code, lang) == text[lang]
    words = raw["choices"]["risk_factors.smoking"]
    assert texts.choice_words("risk_factors.smoking", ["current", "never"], lang) == [
        ("current", words["current"][lang]),
        ("never", words["never"][lang]),
    ]
    for eid, exercise in shipped.exercises.items():
        typed = texts.exercises[eid]
        assert typed.name(lang) == exercise["name"][lang]
        assert list(typed.how(lang)) == exercise["how"][lang]
        assert typed.regression(lang) == exercise["regression"][lang]
    advice = shipped.raw["acute_phase"]["advice"]
    assert [a.id for a in texts.acute_advice] == [a["id"] for a in advice]
    assert [a.patient(lang) for a in texts.acute_advice] == [a["patient"][lang] for a in advice]


def test_referral_sentences_cover_every_basis(shipped: KnowledgeBase) -> None:
    referral = shipped.raw["texts"]["referral"]
    assert shipped.texts.referral_text(ReferralBasis.RED_FLAG, "da") == referral["urgent"]["da"]
    assert shipped.texts.referral_text("none", "en") == referral["not_needed"]["en"]
    for basis in ReferralBasis:
        assert shipped.texts.referral_text(basis, "da")


def test_red_flags_are_named_by_their_field_labels(shipped: KnowledgeBase) -> None:
    assert shipped.texts.red_flag("new_sudden_back_pain", "da") == "Nye, pludselige rygsmerter"
    assert shipped.texts.red_flag("neurological_symptoms", "en") == "Neurological symptoms"
    assert shipped.texts.red_flag("not_a_flag", "da") == "not_a_flag"


def test_numbers_and_dates_as_each_language_writes_them(shipped: KnowledgeBase) -> None:
    texts = shipped.texts
    when = date(2027, 1, 5)
    assert texts.long_date(when, "da") == "5. januar 2027"
    assert texts.long_date(when, "en") == "5 January 2027"
    assert texts.short_date(when, "da") == "05.01.2027"
    assert texts.short_date(when, "en") == "2027-01-05"
    assert texts.whole(1234567, "da") == "1.234.567"
    assert texts.whole(1234567, "en") == "1,234,567"
    assert texts.decimal("12.5 %", "da") == "12,5 %"
    assert texts.decimal("12.5 %", "en") == "12.5 %"


def test_a_text_has_only_the_two_languages() -> None:
    text = Text("hej", "hello")
    assert (text("da"), text("en")) == ("hej", "hello")
    with pytest.raises(ValueError, match="'de'"):
        text("de")


def test_sources_are_cited_as_the_pages_show_them(shipped: KnowledgeBase) -> None:
    raw = shipped.raw["sources"]
    assert set(shipped.texts.sources) == {s for s, e in raw.items() if not e.get("retired")}
    source = shipped.texts.sources["S54"]
    assert source.url == raw["S54"]["url"]
    # An article: authors, title, journal, year (Vancouver style; tests/kb/test_sources.py).
    assert source.citation == (
        f"{raw['S54']['authors']}. {raw['S54']['title']}. Age Ageing 2019;48(1):16–31."
        " doi:10.1093/ageing/afy169."
    )


def test_the_shipped_texts_have_every_key_the_code_reads() -> None:
    assert kb.check() == []


# --- a renamed key is a problem of the check, naming table and key --------------------------------


RENAMED = [
    # (text before, text after, the table reported, the key reported)
    (
        'title = { da = "OsteoFys – vurdering"',
        'titel = { da = "OsteoFys – vurdering"',
        "ui",
        "title",
    ),
    ("nothing_missing = {", "nothing_gone = {", "ui", "nothing_missing"),
    ("[referral.urgent]", "[referral.akut]", "referral", "urgent"),
    ("[bone_status.severe]", "[bone_status.svaer]", "bone_status", "severe"),
    ("[domains.strakt]", "[domains.straight]", "domains", "strakt"),
    ("rec_urgent = {", "rec_acute = {", "documents.letter", "rec_urgent"),
    ("diary_heading = {", "diary_title = {", "documents.handout", "diary_heading"),
    ("made_with = {", "made_by = {", "documents", "made_with"),
    ("no_date = {", "undated = {", "documents.energy", "no_date"),
    ("no_such_file = {", "missing_file = {", "cli", "no_such_file"),
    ("long_date = {", "date_long = {", "formats", "long_date"),
    ('walking = { da = "Stød', 'gang = { da = "Stød', "tags.impact", "walking"),
    ('kettlebell = { da = "K', 'kugle = { da = "K', "tags.equipment", "kettlebell"),
    (
        '"function.new_sudden_back_pain" =',
        '"function.new_pain" =',
        "fields",
        "new_sudden_back_pain",
    ),
]


@pytest.mark.parametrize(("old", "new", "table", "key"), RENAMED)
def test_a_renamed_text_key_is_reported(
    data: Path, old: str, new: str, table: str, key: str
) -> None:
    edit(data / "texts.toml", old, new)
    reported(kb.check(data), f"texts.{table}", key)


def test_a_renamed_category_name_is_reported(data: Path) -> None:
    edit(
        data / "categories.toml",
        'name = { da = "Hverdagsaktiv", en = "Everyday-active" }',
        'navn = { da = "Hverdagsaktiv", en = "Everyday-active" }',
    )
    problems = [str(p) for p in kb.check(data)]
    assert any("categories.hverdagsaktiv.name" in p for p in problems), problems


def test_a_renamed_fhir_note_is_reported(data: Path) -> None:
    edit(data / "fhir.toml", "[text.overridden]", "[text.changed]")
    reported(kb.check(data), "fhir.text", "overridden")

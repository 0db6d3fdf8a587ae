"""The handout's issue-15 content: the take-home message, the acute phase by fracture site, the
category as what comes later, fall prevention, and no exercise pages while exercises are withheld.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from osteofys.documents import handout_data, handout_data_from_assessment, handout_pdf
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.result import write_result
from tests.conftest import vary
from tests.documents.helpers import all_text, flat, page_texts

CASES_DIR = Path(__file__).parents[1] / "cases"

WHEN = date(2026, 11, 27)
VERTEBRAL = vary(fractures=[{"site": "vertebra", "date": "2026-10-01", "low_energy": True}])
HIP = vary(
    fractures=[{"site": "hip", "date": "2026-10-01", "low_energy": True}],
    function__walking_aid="rollator",
)
FALLS_FB = vary(function__walking_aid="rollator", risk_factors__falls_last_12_months=2)
FALLS_HA = vary(risk_factors__falls_last_12_months=1)
FALLS_HA_RECURRENT = vary(risk_factors__falls_last_12_months=2)
NEUROLOGICAL = vary(function__neurological_symptoms=True)


def _handout(
    base: KnowledgeBase, run: Callable[..., Assessment], case: dict[str, Any], lang: str = "da"
) -> tuple[Assessment, dict[str, Any], bytes]:
    assessment = run(case)
    data = handout_data_from_assessment(base, assessment, case, when=WHEN, lang=lang)
    return assessment, data, handout_pdf(data)


def test_the_take_home_message_is_on_the_first_page(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    _, data, pdf = _handout(base, run, vary())
    first = page_texts(pdf)[0]
    assert "Træning øger ikke risikoen for knoglebrud." in first
    # Said once: the list of safety messages below does not repeat it.
    assert all_text(pdf).count("Træning øger ikke risikoen for knoglebrud") == 1
    assert data["lead"] not in data["safety"]


def test_after_a_vertebral_fracture_the_back_advice_and_the_category_comes_later(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, pdf = _handout(base, run, VERTEBRAL)
    assert assessment.category is not None
    text = all_text(pdf)
    assert data["acute"]["site"] == "vertebra"
    assert "korset" in text
    assert "lænden stabil" in text
    # The base category's card is presented as what comes after the acute phase.
    later = text.index("Når den første tid efter bruddet er overstået")
    assert text.index("Den første tid efter bruddet i ryggen") < later
    card = flat(base.texts.categories[str(assessment.category)].patient("da"))
    assert text.index(card) > later
    # The non-drug pain relief the physiotherapist offers.
    assert "varmepude" in text
    assert "Træk vejret roligt" in text


def test_after_a_hip_fracture_the_advice_is_about_the_hip_not_the_back(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, pdf = _handout(base, run, HIP)
    if str(getattr(assessment.acute_phase, "site", "hip")) != "hip":  # pragma: no cover
        raise AssertionError("the core does not say the acute phase is after a hip fracture")
    text = all_text(pdf)
    assert "Den første tid efter hoftebruddet" in text
    assert "genoptræningsplan" in text
    assert "så meget kirurgen har sagt" in text
    assert "korset" not in text
    assert "låsning" not in text
    assert "lænden stabil" not in text
    # Fall prevention with hip protectors follows a hip fracture.
    assert "Undgå fald" in text
    assert "Hoftebeskyttere" in text
    assert data["acute"]["avoid"]
    assert "Undgå at løfte ting op fra gulvet" in text


def test_a_stored_result_without_a_site_reads_as_a_vertebral_fracture(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment = run(VERTEBRAL)
    stored = write_result(assessment, words(base, "da"))
    phase = {k: v for k, v in stored["acute_phase"].items() if k != "site"}
    data = handout_data(base, result={**stored, "acute_phase": phase}, items=[], lang="da")
    assert data["acute"]["site"] == "vertebra"
    assert data["acute"]["heading"] == "Den første tid efter bruddet i ryggen"


def test_fall_risk_brings_the_fall_prevention_section(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, pdf = _handout(base, run, FALLS_FB)
    assert assessment.fall_risk is True
    text = all_text(pdf)
    for words_ in ("Undgå fald", "faldforebyggelse", "faldklinik", "natlys", "Hvis du falder"):
        assert words_ in text, words_
    # Fall risk in the function-limited category: hip protectors are relevant.
    assert "Hoftebeskyttere" in text
    floor = [e for d in data["domains"] for e in d["exercises"] if e["id"] == "floor_recovery"]
    if floor:
        assert "Øv det trin for trin med øvelse" in text
        assert flat(floor[0]["name"]) in text


def test_hip_protectors_only_where_relevant(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, _ = _handout(base, run, FALLS_HA)
    assert assessment.fall_risk is True
    headings = [p["heading"] for p in data["falls"]["parts"]]
    assert "Gør dit hjem sikkert" in headings
    assert "Hoftebeskyttere" not in headings
    _, none, _ = _handout(base, run, vary())
    assert none["falls"] is None
    # Recurrent falls are a high fall risk: hip protectors are relevant.
    _, recurrent, _ = _handout(base, run, FALLS_HA_RECURRENT)
    assert "Hoftebeskyttere" in [p["heading"] for p in recurrent["falls"]["parts"]]


def test_withheld_exercises_print_no_exercise_pages(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, pdf = _handout(base, run, NEUROLOGICAL)
    assert data["withheld"] is not None
    assert data["domains"] == []
    text = all_text(pdf)
    assert "Træningen venter, til dine symptomer er afklaret" in text
    assert "Øvelse 1 af" not in text
    assert "Min træningsdagbog" not in text
    act_now = base.texts.referral.get("act_now")
    if act_now is not None:
        assert flat(act_now("da")) in text
    assert len(page_texts(pdf)) <= 2
    en = handout_pdf(handout_data_from_assessment(base, assessment, NEUROLOGICAL, lang="en"))
    assert "Your training waits until your symptoms have been clarified" in all_text(en)


def test_another_fracture_the_clinician_started_the_acute_phase_for_gets_its_own_advice(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    stored = write_result(run(VERTEBRAL), words(base, "da"))
    # The stored advice ids are the vertebral site's; a stored list that is empty means all.
    other = {
        **stored,
        "acute_phase": {**stored["acute_phase"], "site": "other"},
        "plan": {**stored["plan"], "acute_advice": []},
    }
    data = handout_data(base, result=other, items=[], acute_advice=True, lang="da")
    assert data["acute"]["heading"] == "Den første tid efter bruddet"
    advice = " ".join(data["acute"]["advice"])
    assert "hvor meget du må belaste og bevæge det sted, hvor bruddet er" in advice
    assert "korset" not in advice
    assert "genoptræningsplan" not in advice


def test_the_clinicians_acute_phase_decision_is_printed_with_its_reason(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """Issue 15 item 6: a start for another fracture and an early end are on the handout."""
    for name, said in (
        ("A01-pelvic-fracture-4-weeks-acute-started", "også gælder efter dit brud"),
        (
            "A02-vertebral-fracture-acute-ended-13-weeks",
            "den første tid efter bruddet er overstået",
        ),
    ):
        case = json.loads((CASES_DIR / f"{name}.json").read_text("utf-8"))["case"]
        assessment = run(case)
        data = handout_data_from_assessment(base, assessment, case, lang="da")
        text = flat(all_text(handout_pdf(data)))
        assert said in text, name
        assert flat(assessment.acute_phase.reason[:40]) in text, name


def test_at_fall_risk_the_handout_gives_the_balance_dose_and_each_load_text_once(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """Issue 15 item 3: about 3 hours of balance a week; how hard, and when to make it harder."""
    case = json.loads((CASES_DIR / "S06-77-two-falls-tandem-6s.json").read_text("utf-8"))["case"]
    assessment = run(case)
    data = handout_data_from_assessment(base, assessment, case, lang="da")
    text = flat(all_text(handout_pdf(data)))
    assert "3 timer om ugen" in text
    rule = base.texts.dose_words["progression"]["double"]("da")
    assert text.count(flat(rule)) == 1

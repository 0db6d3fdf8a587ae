"""The patient handout and the GP letter: rendered, read back with pypdf, checked for content."""

from __future__ import annotations

import importlib.util
import re
import string
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from osteofys.documents import (
    gp_letter_data,
    gp_letter_data_from_assessment,
    gp_letter_pdf,
    handout_data,
    handout_data_from_assessment,
    handout_pdf,
    illustration,
)
from osteofys.documents.model import plan_items
from osteofys.kb.explain import dose_text, words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment
from osteofys.rules.findings import FINDINGS
from osteofys.rules.model import Dose
from osteofys.rules.result import write_result
from tests.conftest import vary
from tests.documents.helpers import all_text, figures_by_page, flat, page_texts, text_sizes

WHEN = date(2026, 11, 27)
CLINIC = "Fysioterapi Østerbro"
PATIENT = "Søren Ærø Åberg"
VERTEBRA_2024 = [{"site": "vertebra", "date": "2024-01-10", "low_energy": True}]
TRAINS = {"function__training_days_per_week": 3, "function__training_months": 24}

# One case per category (BASE_CASE is everyday-active), the acute phase and a red flag.
CASES: dict[str, dict[str, Any]] = {
    "traeningsaktiv": vary(**TRAINS),
    "traeningsaktiv_med_hensyn": vary(**TRAINS, fractures=VERTEBRA_2024),
    "hverdagsaktiv": vary(),
    "hverdagsaktiv_med_hensyn": vary(fractures=VERTEBRA_2024),
    "funktionsbegraenset": vary(function__walking_aid="rollator"),
}
ACUTE = vary(fractures=[{"site": "vertebra", "date": "2026-10-01", "low_energy": True}])
RED_FLAG = vary(function__new_sudden_back_pain=True)


def _handout(
    base: KnowledgeBase, run: Callable[..., Assessment], case: dict[str, Any], lang: str = "da"
) -> tuple[Assessment, dict[str, Any], bytes]:
    assessment = run(case)
    data = handout_data_from_assessment(
        base, assessment, case, clinic=CLINIC, patient=PATIENT, when=WHEN, lang=lang
    )
    return assessment, data, handout_pdf(data)


def _home_items(assessment: Assessment) -> list[dict[str, Any]]:
    return [i for i in plan_items(assessment) if not i.get("supervised")]


def _check_exercise_pages(
    base: KnowledgeBase, items: list[dict[str, Any]], pdf: bytes, lang: str = "da"
) -> None:
    """Each exercise has its own page with its name, dose and its drawing (a tagged figure)."""
    pages = page_texts(pdf)
    figures = figures_by_page(pdf)
    word, of, diary = {
        "da": ("Øvelse", "af", "Min træningsdagbog"),
        "en": ("Exercise", "of", "My exercise diary"),
    }[lang]
    at = []
    for n, item in enumerate(items, start=1):
        name = base.exercises[item["exercise"]]["name"][lang]
        marker = f"{word} {n} {of} {len(items)} {flat(name)}"
        found = [i for i, text in enumerate(pages) if marker in text]
        assert len(found) == 1, f"no single page for {marker!r}"
        page = found[0]
        assert dose_text(Dose.from_dict(item["dose"]), lang) in pages[page]
        assert [alt for alt in figures.get(page, []) if name in alt], f"{name}: no drawing"
        at.append(page)
    # One page each, nothing spills over: exercise pages follow each other, then the diary.
    assert at == list(range(at[0], at[0] + len(items)))
    assert pages[at[-1] + 1].startswith(diary)


# --- the renderer behind the drawings -----------------------------------------------------------


def test_the_drawings_come_from_the_illustrations_renderer(base: KnowledgeBase) -> None:
    """No placeholder: every exercise of a handout is drawn by `osteofys.illustrations`."""
    assert importlib.util.find_spec("osteofys.illustrations") is not None
    from osteofys import illustrations as renderer

    data = handout_data(
        base,
        result={"category": "hverdagsaktiv", "plan": {}},
        items=[{"exercise": "sit_to_stand", "domain": "staerk", "dose": {}}],
        lang="en",
    )
    raw = base.exercises["sit_to_stand"]
    assert data["illustrations"] == {"sit_to_stand": renderer.render("sit_to_stand", raw, "en")}
    assert illustration("sit_to_stand", raw, "da") == renderer.render("sit_to_stand", raw, "da")
    assert data["illustrations"]["sit_to_stand"].lstrip().startswith("<svg")


# --- the handout: five categories, the acute phase, a red flag ----------------------------------


@pytest.mark.parametrize("category", list(CASES))
def test_handout_for_each_category(
    base: KnowledgeBase, run: Callable[..., Assessment], category: str
) -> None:
    assessment, _, pdf = _handout(base, run, CASES[category])
    assert assessment.category == category
    text = all_text(pdf)
    info = base.raw["categories"][category]
    for expected in (
        CLINIC,
        PATIENT,
        "27. november 2026",
        "Dit træningsprogram",
        "Hvad betyder det for dig?",
        f"Din gruppe: {info['name']['da']}",
        flat(info["patient"]["da"]),
        "Det skal du undgå",
        flat(info["avoid"]["da"]),
        "Træning og dine knogler",
        # The safety messages: exercise rarely causes fractures, and how to lift and bend.
        flat(base.raw["safety_messages"]["message"][1]["text"]["da"]),
        "Bøj i hofter og knæ, når du løfter, og hold tingene tæt ind til kroppen.",
        "Sådan gør du",
        "Så meget og så tit",
        "Gør den sværere",
        "Gør den lettere",
        "Min træningsdagbog",
        "Man Tir Ons Tor Fre Lør Søn",
    ):
        assert expected in text, expected
    assert all(f"videnbase {base.version}" in page for page in page_texts(pdf))
    assert "Den første tid efter bruddet" not in text
    items = _home_items(assessment)
    assert len(items) >= 6
    _check_exercise_pages(base, items, pdf)
    # Every drawing in the PDF belongs to an exercise of the plan.
    assert sum(len(a) for a in figures_by_page(pdf).values()) == len(items)


def test_the_handout_leaves_out_supervised_hirit(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, data, pdf = _handout(base, run, CASES["traeningsaktiv"])
    assert assessment.plan is not None
    assert assessment.plan.supervised, "training-active offers HiRIT"
    text = all_text(pdf)
    for item in assessment.plan.supervised:
        assert base.exercises[item.exercise]["name"]["da"] not in text
        assert item.exercise not in data["illustrations"]


def test_handout_in_the_acute_phase_gives_the_acute_advice(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, _, pdf = _handout(base, run, ACUTE)
    assert assessment.acute_phase.active is True
    text = all_text(pdf)
    site = base.texts.acute_site("vertebra")
    assert "Den første tid efter bruddet i ryggen" in text
    assert "til 1. april 2027" in text  # six months after the fracture, in Danish
    for advice in site.advice:
        assert flat(advice.patient("da")) in text
    for avoid in site.avoid:
        assert flat(avoid("da")) in text
    _check_exercise_pages(base, _home_items(assessment), pdf)


def test_handout_with_a_red_flag_sends_the_patient_to_the_doctor(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    assessment, _, pdf = _handout(base, run, RED_FLAG)
    assert assessment.category is None
    assert assessment.red_flags
    text = all_text(pdf)
    docs = base.raw["texts"]["documents"]["handout"]
    assert "Kontakt din læge i dag" in text
    assert flat(docs["red_flag"]["da"]) in text
    assert flat(docs["no_category"]["da"]) in text
    assert "Din gruppe:" not in text
    assert "Indtil din læge har set på det" in text
    _check_exercise_pages(base, _home_items(assessment), pdf)


def test_handout_in_english(base: KnowledgeBase, run: Callable[..., Assessment]) -> None:
    assessment, _, pdf = _handout(base, run, CASES["hverdagsaktiv"], lang="en")
    text = all_text(pdf)
    assert "Your exercise programme" in text
    assert "27 November 2026" in text
    assert "Your group: Everyday-active" in text
    assert "My exercise diary" in text
    _check_exercise_pages(base, _home_items(assessment), pdf, lang="en")


def test_handout_body_text_is_at_least_12_pt(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    _, data, pdf = _handout(base, run, ACUTE)
    pages = page_texts(pdf)
    small = [(page, run) for page, run, size in text_sizes(pdf) if size < 12]
    assert small, "the footer is smaller"
    for page, run_text in small:
        footer = f"{data['footer']} Side {page + 1} af {len(pages)}"
        assert flat(run_text) in footer, f"page {page + 1}: {run_text!r} is under 12 pt"


def test_every_exercise_of_the_library_fits_one_page_with_its_drawing(
    base: KnowledgeBase,
) -> None:
    exercises = sorted(
        (e for e in base.knowledge.exercises if not e.supervised_only),
        key=lambda e: ("staerk", "stabil", "strakt").index(e.domain) * 1000 + e.priority,
    )
    items = [
        {"exercise": e.id, "domain": e.domain.value, "dose": dict(e.dose_for("default").as_dict())}
        for e in exercises
    ]
    result = {"category": "hverdagsaktiv", "knowledge_version": base.version, "plan": {}}
    data = handout_data(base, result=result, items=items, when=WHEN)
    pdf = handout_pdf(data)
    _check_exercise_pages(base, items, pdf)


def test_handout_prints_the_stored_category_and_plan(base: KnowledgeBase) -> None:
    """From stored data: the clinician's category and the edited items, whatever the rules say."""
    stored = write_result(_run_plain(base, CASES["hverdagsaktiv"]), words(base))
    items = [
        {"exercise": "heel_raise", "domain": "staerk", "dose": {"sets": 3, "reps": [10, 15]}},
        {"exercise": "hirit_deadlift", "domain": "staerk", "dose": {"sets": 5}, "supervised": True},
    ]
    data = handout_data(
        base, result=stored, items=items, category="funktionsbegraenset", patient=PATIENT
    )
    text = all_text(handout_pdf(data))
    assert "Din gruppe: Funktionsbegrænset/stillesiddende" in text
    assert "Øvelse 1 af 1" in text
    assert "3 × 10–15 gentagelser" in text
    assert base.exercises["hirit_deadlift"]["name"]["da"] not in text


def _run_plain(base: KnowledgeBase, case: dict[str, Any]) -> Assessment:
    from osteofys.rules import assess, parse_case

    k = base.knowledge
    return assess(parse_case(case, k.input_ranges, k.conditions), k)


# --- the GP letter -------------------------------------------------------------------------------


def _letter(
    base: KnowledgeBase, run: Callable[..., Assessment], case: dict[str, Any], cpr: str = ""
) -> tuple[dict[str, Any], str]:
    data = gp_letter_data_from_assessment(
        base,
        run(case),
        case,
        clinic={"name": CLINIC, "address": "Østerbrogade 1, 2100 København Ø", "phone": "3535"},
        patient={"name": PATIENT, "cpr": cpr},
        clinician="Kim Fysio",
        when=WHEN,
    )
    return data, all_text(gp_letter_pdf(data))


def test_gp_letter_osteoporosis_by_definition(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    case = vary(
        fractures=VERTEBRA_2024,
        risk_factors__height_loss_cm=3,
        risk_factors__falls_last_12_months=1,
    )
    data, text = _letter(base, run, case, cpr="0204581234")
    pages = page_texts(gp_letter_pdf(data))
    for expected in (
        CLINIC,
        "Østerbrogade 1, 2100 København Ø",
        "Til patientens egen læge",
        f"Vedrørende: {PATIENT}, født 2. april 1958, kvinde, CPR-nr. 020458-1234",
        "Osteoporose pr. definition – henvisning til vurdering af behandling",
        "osteoporose pr. definition",
        "DXA-skanning",
        "Fundne risikofaktorer",
        "Lavenergibrud i ryg eller hofte (osteoporose pr. definition)",
        "Fund ved undersøgelsen",
        "Timed Up and Go (s) 8,5",
        "Højdetab (cm) 3",
        "Fald de seneste 12 måneder 1",
        "Brud: Ryghvirvel, 10. januar 2024, lavenergi",
        "T-score lænderyg −1,8",
        "Fysioterapeutisk vurdering",
        "Funktionskategori Hverdagsaktiv med hensyn",
        "Øget faldrisiko Ja",  # one fall in 12 months
        "27. november 2026",
        "Med venlig hilsen",
        "Kim Fysio",
    ):
        assert expected in text, expected
    footer = f"videnbase {base.version} ({base.content_hash[:12]}), på grundlag af vurderingen"
    assert all(footer in page for page in pages)
    assert data["urgent"] is False


def test_gp_letter_lists_each_risk_factor_with_its_values(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    case = vary(
        risk_factors__menopause_age=42,
        risk_factors__glucocorticoid_mg_per_day=7.5,
        risk_factors__glucocorticoid_months=4,
        risk_factors__smoking="current",
        risk_factors__conditions=["rheumatoid_arthritis"],
        patient__weight_kg=48,
    )
    data, text = _letter(base, run, case)
    assert "Anbefaling om udredning for osteoporose" in text
    assert "evt. med en DXA-skanning" in text
    assert "CPR" not in text  # not recorded: not printed
    lines = {rf["id"]: rf["explanation"] for rf in data["risk_factors"]}
    assert set(lines) >= {"RF2", "RF3", "RF4", "RF8", "RF17"}
    assert lines["RF3"] == "Overgangsalder ved 42 år (grænse: før 45 år)."
    assert lines["RF2"].startswith("Prednisolon 7,5 mg/dag i 4 måneder")
    assert lines["RF4"] == "BMI 17,6 (grænse: under 19)."
    assert lines["RF17"] == "Oplyst sygdom: Leddegigt (reumatoid artritis)."
    for rf in data["risk_factors"]:
        assert "?" not in rf["explanation"], rf
        assert flat(rf["label"]) in text
        assert flat(rf["explanation"]) in text
    assert "(stærk risikofaktor)" in text  # RF2
    assert "kan påvirkes" in text  # RF8 smoking


def test_gp_letter_with_a_red_flag_is_urgent(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    data, text = _letter(base, run, RED_FLAG)
    assert data["urgent"] is True
    assert "Akut: mistanke om nyt brud i ryggen" in text
    assert "neurologiske symptomer" not in text  # P4_neuro has a letter of its own
    assert "(rødt flag): nye, pludselige rygsmerter." in text
    assert "snarest" in text


NEUROLOGICAL = vary(patient__osteoporosis_diagnosed=True, function__neurological_symptoms=True)
DXA_OSTEOPOROSIS = vary(dxa__lumbar_spine=-2.9)
NEW_FRACTURE = vary(
    patient__osteoporosis_diagnosed=True,
    fractures=[{"site": "wrist", "date": "2026-08-14", "low_energy": True}],
)
SPINE_XRAY = vary(
    dxa=None, risk_factors__height_loss_cm=5, risk_factors__unexplained_back_pain=True
)


def test_gp_letter_for_neurological_symptoms_asks_for_today_and_names_the_signs(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """Issue 15, item 8: its own letter, also when diagnosed; what was found and when."""
    data, text = _letter(base, run, NEUROLOGICAL)
    assert data["urgent"] is True
    assert "Akut: neurologiske symptomer – bedes vurderet i dag" in text
    assert "Ved vores undersøgelse den 26. november 2026 fandt vi neurologiske symptomer" in text
    assert "vurderes i dag" in text
    assert "1813 (Akuttelefonen, Region Hovedstaden) eller 112" in text
    for sign in ("lade vandet", "afføring", "følelsesløshed i skridtet", "kraftnedsættelse"):
        assert sign in text, sign
    assert "ingen øvelser" in text
    assert "Træningen hos os venter, til symptomerne er afklaret" in text
    assert "fortsætter med knoglevenlig træning" not in text
    assert "Neurologiske symptomer Ja" in text  # the finding, in the findings table
    assert "mistanke om nyt brud i ryggen" not in text
    both = vary(function__neurological_symptoms=True, function__new_sudden_back_pain=True)
    assert (
        "fandt vi nye, pludselige rygsmerter og neurologiske symptomer"
        in _letter(base, run, both)[1]
    )


def test_gp_letter_when_the_dxa_already_shows_osteoporosis_asks_for_treatment(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """Issue 15, item 10: not "udredning, evt. DXA" when the DXA is there."""
    data, text = _letter(base, run, DXA_OSTEOPOROSIS)
    assert data["urgent"] is False
    assert "DXA viser osteoporose – henvisning til vurdering af behandling" in text
    assert (
        "DXA-skanningen fra 10. marts 2026 viser osteoporose: laveste T-score −2,9"
        " (grænse: −2,5 eller lavere)" in text
    )
    assert "vurdere behovet for medicinsk behandling" in text
    assert "udredning" not in data["recommendation"]
    assert "evt. med en DXA-skanning" not in text


def test_gp_letter_after_a_new_fracture_in_known_osteoporosis_asks_for_a_treatment_review(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    _, text = _letter(base, run, NEW_FRACTURE)
    assert "Nyt lavenergibrud ved kendt osteoporose – revurdering af behandlingen" in text
    assert "nyt lavenergibrud (håndled, 14. august 2026, lavenergi)" in text
    assert "om behandlingen af osteoporosen skal justeres" in text


def test_gp_letter_with_height_loss_and_back_pain_suggests_a_spine_x_ray(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """R-OPS-3: height loss of 4 cm or more, or kyphosis, with back pain."""
    _, text = _letter(base, run, SPINE_XRAY)
    assert "Mistanke om sammenfaldsbrud i ryggen – forslag om røntgen" in text
    assert "Patienten har et højdetab på 5 cm og rygsmerter uden klar årsag" in text
    assert "røntgen af ryggen (columna)" in text
    kyphosis = vary(dxa=None, risk_factors__kyphosis=True, risk_factors__unexplained_back_pain=True)
    assert "Patienten har øget kyfose og rygsmerter" in _letter(base, run, kyphosis)[1]


def test_gp_letter_suggests_a_spine_x_ray_whatever_the_basis(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """R-OPS-3 with a DXA that shows osteoporosis: the treatment letter, plus the X-ray."""
    signs = {"risk_factors__height_loss_cm": 6, "risk_factors__unexplained_back_pain": True}
    data, text = _letter(base, run, vary(dxa__lumbar_spine=-2.9, **signs))
    assert data["title"] == "DXA viser osteoporose – henvisning til vurdering af behandling"
    assert data["xray_note"] == (
        "Patienten har desuden et højdetab på 6 cm og rygsmerter uden klar årsag, hvilket kan"
        " tyde på et sammenfaldsbrud i ryggen. Vi foreslår, at du overvejer røntgen af ryggen"
        " (columna)."
    )
    assert "overvejer røntgen af ryggen (columna)" in text
    diagnosed = _letter(base, run, vary(patient__osteoporosis_diagnosed=True, **signs))[0]
    assert diagnosed["xray_note"] is not None
    # The X-ray letter says it once; the other letters without the signs say nothing of it.
    assert _letter(base, run, SPINE_XRAY)[0]["xray_note"] is None
    assert _letter(base, run, DXA_OSTEOPOROSIS)[0]["xray_note"] is None


def test_gp_letter_in_english_for_the_new_bases(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    for case, title in (
        (NEUROLOGICAL, "Urgent: neurological symptoms – please assess today"),
        (DXA_OSTEOPOROSIS, "DXA shows osteoporosis – referral for treatment assessment"),
        (NEW_FRACTURE, "New low-energy fracture in known osteoporosis – treatment review"),
        (SPINE_XRAY, "Suspected vertebral compression fracture – spine X-ray suggested"),
    ):
        data = gp_letter_data_from_assessment(base, run(case), case, when=WHEN, lang="en")
        assert data["title"] == title
        assert "?" not in data["recommendation"], data["recommendation"]


def test_gp_letter_from_stored_data_uses_the_stored_values(base: KnowledgeBase) -> None:
    stored = write_result(_run_plain(base, CASES["hverdagsaktiv"]), words(base))
    stored["referral"].update(
        recommended=True, basis="risk_factors", reasons=["RF5"], modifiable=[]
    )
    data = gp_letter_data(
        base,
        result=stored,
        inputs=CASES["hverdagsaktiv"],
        patient={"name": PATIENT, "birth_date": "1958-04-02", "sex": "female"},
        category="funktionsbegraenset",
        when=WHEN,
    )
    text = all_text(gp_letter_pdf(data))
    assert "Arvelig disposition" in text
    assert "Funktionskategori Funktionsbegrænset/stillesiddende" in text


def test_every_risk_factor_has_a_letter_line_in_both_languages(base: KnowledgeBase) -> None:
    lines = base.raw["texts"]["documents"]["risk_factors"]
    known = FINDINGS | base.knowledge.thresholds.keys() | {"conditions"}
    for factor in base.raw["risk_factors"]["factor"]:
        assert factor["id"] in lines, factor["id"]
        for lang in ("da", "en"):
            names = {n for _, n, _, _ in string.Formatter().parse(lines[factor["id"]][lang]) if n}
            assert names <= known, (factor["id"], names - known)
    assert set(lines) == {f["id"] for f in base.raw["risk_factors"]["factor"]}


def test_documents_have_no_leftover_placeholders(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    for case in (ACUTE, RED_FLAG, CASES["traeningsaktiv"]):
        _, _, pdf = _handout(base, run, case)
        assert not re.search(r"\{[a-z_]+\}", all_text(pdf))
        _, text = _letter(base, run, case)
        assert not re.search(r"\{[a-z_]+\}", text)


def test_documents_embed_the_packaged_font(
    base: KnowledgeBase, run: Callable[..., Assessment]
) -> None:
    """System fonts are ignored: a handout looks the same on every clinic PC."""
    from io import BytesIO

    from pypdf import PdfReader

    _, _, pdf = _handout(base, run, CASES["hverdagsaktiv"])
    fonts = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert fonts
    assert all("DejaVuSans" in f for f in fonts), fonts

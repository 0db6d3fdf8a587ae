"""The plain data (dicts) the PDF templates print, from stored results or from a core assessment.

Two ways in, one way out. The web app passes what it stored (the result document, the edited plan
items and the names); the CLI passes a fresh `Assessment` and its case, which is first turned
into the same stored form. Clinical wording comes from the knowledge base: the texts of the
categories, safety messages, acute-phase advice and exercises, and the `[documents]` table of
`texts.toml` for the fixed headings and letter sentences.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from osteofys.documents.render import illustration
from osteofys.kb.explain import dose_text, number, rule_label, words
from osteofys.kb.loader import KnowledgeBase
from osteofys.kb.texts import DocumentTexts
from osteofys.rules.model import Assessment, Dose
from osteofys.rules.plan import kept_items
from osteofys.rules.result import write_result

DOMAIN_ORDER = ("staerk", "stabil", "strakt")
DIARY_WEEKS = 2
# The letter's title and recommendation by referral basis (rules.model.ReferralBasis); any other
# basis gets the plain information letter.
LETTER_TITLE = {
    "neurological": "title_neurological",
    "red_flag": "title_urgent",
    "new_fracture": "title_new_fracture",
    "by_definition": "title_by_definition",
    "dxa_osteoporosis": "title_dxa_osteoporosis",
    "spine_xray": "title_spine_xray",
    "risk_factors": "title_recommended",
}
LETTER_RECOMMENDATION = {
    "neurological": "rec_neurological",
    "red_flag": "rec_urgent",
    "new_fracture": "rec_new_fracture",
    "by_definition": "rec_by_definition",
    "dxa_osteoporosis": "rec_dxa_osteoporosis",
    "spine_xray": "rec_spine_xray",
    "risk_factors": "rec_recommended",
    "diagnosed": "rec_diagnosed",
}
# The referral-table row behind each basis whose sentence prints what the row read.
_BASIS_ROW = {
    "new_fracture": "P10_new_fracture",
    "dxa_osteoporosis": "P10_dxa_osteoporosis",
    "spine_xray": "R-OPS-3",
}
# R-OPS-3 (rules.toml): height loss or kyphosis with back pain. Whatever the referral's basis, the
# letter then suggests a spine X-ray; the bases that ask for it (or for more) already say so.
SPINE_XRAY_RULE = "R-OPS-3"
_XRAY_SAID = frozenset({"spine_xray", "neurological", "red_flag"})

Illustrate = Callable[[str, Mapping[str, Any], str], str]


class DocumentError(ValueError):
    """The stored or computed data cannot make this document (e.g. no training plan yet)."""


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _docs(base: KnowledgeBase) -> DocumentTexts:
    return base.texts.documents


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _num(base: KnowledgeBase, value: Any, lang: str) -> str:
    """A number for print: one decimal at most, decimal comma in Danish, a real minus sign."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float):
        value = round(value, 1)
    return number(base, value, lang).replace("-", "\u2212")


def plan_items(assessment: Assessment) -> list[dict[str, Any]]:
    """The plan of a core assessment as stored plan items (home exercises, then supervised)."""
    if assessment.plan is None:
        return []
    return [
        {
            "exercise": i.exercise,
            "domain": i.domain,
            "dose": i.dose,
            **({"supervised": True} if i.supervised else {}),
        }
        for i in kept_items(assessment.plan)
    ]


# --- the patient handout -------------------------------------------------------------------------


def handout_data(
    base: KnowledgeBase,
    *,
    result: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    illustrate: Illustrate = illustration,
    clinic: str = "",
    contact: Mapping[str, str] | None = None,
    patient: str = "",
    when: date | None = None,
    category: str | None = None,
    exercise_set: str | None = None,
    acute_advice: bool | None = None,
    lang: str = "da",
) -> dict[str, Any]:
    """The handout from stored data.

    Args:
        base: the knowledge base the texts come from.
        result: the stored result document (`osteofys.result/1`); its category, red flags and
            acute phase are printed as stored, never recomputed.
        items: the plan's items as stored: {"exercise", "domain", "dose", "supervised"?}.
            Supervised (HiRIT) items are left out: they are never a home programme.
        illustrate: (exercise id, raw exercise, lang) -> SVG of the exercise; the knowledge
            base's illustration renderer by default.
        clinic: the clinic's name to print (a blank line to write on when empty).
        patient: the patient's name to print (a blank line to write on when empty).
        contact: the clinic's {"address", "phone", "email"} (any may be missing), printed where
            the handout says to contact the physiotherapist.
        when: the date printed (today when None).
        category: the clinician's final category; the stored suggestion when None.
        exercise_set: the stored plan's exercise set (whose "what to avoid" applies while there
            is no category); the result's plan when None.
        acute_advice: whether the stored plan carries the acute-phase advice; read from the
            result's plan when None.
        lang: "da" or "en".
    """
    docs = _docs(base)
    labels = docs.labels("handout", lang)
    texts = base.texts
    plan = result.get("plan") or {}
    category = category or result.get("category")
    categories = texts.categories
    exercise_set = exercise_set or plan.get("exercise_set") or category
    red_flag = bool(result.get("red_flags"))

    shown = categories.get(category) if category else None
    avoid_from = shown or (categories.get(exercise_set) if exercise_set else None)
    home = [i for i in items if not i.get("supervised")]
    withheld = _withheld(result, home)
    if withheld:
        # P4_neuro: no exercise is printed until the clinician has clarified the symptoms.
        home = []
    order = [d for d in plan.get("order", ()) if d in DOMAIN_ORDER] or list(DOMAIN_ORDER)
    order += [d for d in DOMAIN_ORDER if d not in order]
    domains = []
    illustrations: dict[str, str] = {}
    for domain in order:
        exercises = []
        for item in (i for i in home if i.get("domain") == domain):
            exercises.append(_exercise(base, item, lang, labels))
            raw = base.exercises.get(item["exercise"])
            if raw is not None and item["exercise"] not in illustrations:
                illustrations[item["exercise"]] = illustrate(item["exercise"], raw, lang)
        if exercises:
            domains.append(
                {"name": texts.domain_name(domain, lang), "id": domain, "exercises": exercises}
            )

    if acute_advice is None:
        acute_advice = bool(plan.get("acute_advice"))
    if withheld and "new_sudden_back_pain" not in (result.get("red_flags") or ()):
        # The precautionary acute phase's advice is about a suspected fracture; the withheld
        # page says what to do about the neurological signs instead.
        acute_advice = False
    acute = _acute(base, result, lang, labels) if acute_advice else None
    numbers = {e["id"]: n for n, e in enumerate((e for d in domains for e in d["exercises"]), 1)}
    lead = texts.safety_lead
    return {
        "kind": "handout",
        "lang": lang,
        "labels": labels,
        "clinic": clinic,
        "contact": _contact(contact),
        "patient": patient,
        "date": base.texts.long_date(when or date.today(), lang),
        "footer": _made_with(base, result, lang),
        "category": {"name": shown.name(lang), "text": shown.patient(lang)} if shown else None,
        "no_category": labels["no_category"] if not shown else None,
        # In the acute phase the category's card is what comes after it, printed below its advice.
        "category_later": acute is not None and shown is not None,
        "red_flag": red_flag,
        "red_flag_text": labels["red_flag_withheld" if withheld else "red_flag"],
        "lead": lead(lang) if lead and not withheld else None,
        "safety": [m(lang) for m in texts.safety_messages if m != lead],
        "avoid": avoid_from.avoid(lang) if avoid_from else None,
        "acute": acute,
        "acute_ended": labels["acute_ended"].format(reason=phase_reason)
        if (phase_reason := _ended_early(result))
        else None,
        "falls": None
        if withheld
        else _falls(
            base,
            result,
            shown_category=category if shown else None,
            acute=acute,
            numbers=numbers,
            domains=domains,
            lang=lang,
            labels=labels,
        ),
        "withheld": {
            "heading": labels["withheld_heading"],
            "text": labels["withheld"],
            "now_heading": labels["withheld_now_heading"],
            "now": texts.referral["act_now"](lang) if "act_now" in texts.referral else None,
        }
        if withheld
        else None,
        "domains": domains,
        "dose_guide": _dose_guide(domains, numbers),
        # plan.toml notes on the whole plan (e.g. about 3 hours of balance a week at fall risk).
        "plan_notes": [
            base.texts.dose_words["note"][n["id"]](lang)
            for n in plan.get("notes") or ()
            if n.get("id") in base.texts.dose_words["note"]
        ]
        if home
        else [],
        "illustrations": illustrations,
        "diary": {
            "weeks": DIARY_WEEKS,
            "days": list(docs.weekdays(lang)),
            "rows": [e["name"] for d in domains for e in d["exercises"]],
        },
    }


def _exercise(
    base: KnowledgeBase, item: Mapping[str, Any], lang: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    eid = item["exercise"]
    texts = base.texts.exercises.get(eid)
    name = texts.name(lang) if texts else eid
    dose = Dose.from_dict(item.get("dose") or {})
    return {
        "id": eid,
        "pattern": known.pattern.value if (known := base.knowledge.exercise(eid)) else None,
        "name": name,
        "purpose": texts.purpose(lang) if texts else None,
        "how": list(texts.how(lang)) if texts else [],
        "dose": dose_text(dose, lang),
        # The load in words a patient can follow, and the rule for when to progress (plan.toml).
        "load": _dose_words(base, "intensity", dose.intensity, lang),
        "when_harder": _dose_words(base, "progression", dose.progression, lang),
        "harder": texts.progression(lang) if texts else None,
        "easier": texts.regression(lang) if texts else None,
        "avoid": texts.avoid(lang) if texts else None,
        "alt": f"{labels['illustration']}: {name}",
        "illustrated": eid in base.exercises,
    }


def _dose_guide(
    domains: Sequence[Mapping[str, Any]], numbers: Mapping[str, int]
) -> list[dict[str, Any]]:
    """How heavy, and when to make it harder: each text of the plan once, with its exercises.

    Said once for the exercises it applies to, not on every exercise page, where the drawing
    needs the room.
    """
    guide: dict[str, list[int]] = {}
    for exercise in (e for d in domains for e in d["exercises"]):
        for text in (exercise["load"], exercise["when_harder"]):
            if text:
                guide.setdefault(text, []).append(numbers[exercise["id"]])
    return [{"text": text, "exercises": found} for text, found in guide.items()]


def _dose_words(base: KnowledgeBase, kind: str, key: str | None, lang: str) -> str | None:
    words = base.texts.dose_words[kind].get(key) if key else None
    return words(lang) if words else None


def _withheld(result: Mapping[str, Any], home: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the plan holds back every exercise (the neurological red flag, P4_neuro).

    The core says so in `plan.withheld`; a result stored before it did is read as withheld when
    the neurological red flag is raised and the plan has no home exercise.
    """
    plan = result.get("plan") or {}
    if plan.get("withheld"):
        return True
    return not home and "neurological_symptoms" in (result.get("red_flags") or ())


def acute_site(result: Mapping[str, Any]) -> str:
    """The fracture site of the stored acute phase; a vertebral fracture's when not stored."""
    return str((result.get("acute_phase") or {}).get("site") or "vertebra")


def _acute(
    base: KnowledgeBase, result: Mapping[str, Any], lang: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    texts = base.texts
    stored = (result.get("plan") or {}).get("acute_advice") or []
    site = texts.acute_site(acute_site(result))
    advice = [a for a in site.advice if not stored or a.id in stored]
    phase = result.get("acute_phase") or {}
    note, heading = None, site.heading(lang)
    if phase.get("precautionary"):
        # P4: an acute phase as a precaution until the red flag is clarified; no fracture date.
        note, heading = labels["acute_precaution"], labels["acute_precaution_heading"]
    elif phase.get("until"):
        until = base.texts.long_date(date.fromisoformat(phase["until"]), lang)
        note = labels["acute_until"].format(until=until)
    if phase.get("source") == "clinician" and phase.get("reason"):
        # R-ACU-2: the clinician started it for another recent fracture; their reason is printed.
        note = " ".join(
            filter(None, (labels["acute_started"].format(reason=phase["reason"]), note))
        )
    return {
        "site": acute_site(result),
        "heading": heading,
        "note": note,
        "advice": [a.patient(lang) for a in advice],
        "avoid": [a(lang) for a in site.avoid],
    }


def _ended_early(result: Mapping[str, Any]) -> str | None:
    """R-ACU-EXIT-2: the clinician's reason, when they ended the acute phase early."""
    phase = result.get("acute_phase") or {}
    if not phase.get("ended_by_clinician"):
        return None
    return str(phase.get("reason") or "") or None


HIP_PROTECTOR_CATEGORIES = ("funktionsbegraenset",)


def _falls_recorded(result: Mapping[str, Any]) -> float:
    """The falls in the last 12 months the fall-risk rule (P8) read that day; 0 when unknown."""
    for step in result.get("trace") or ():
        if step.get("rule") == "P8":
            value = (step.get("inputs") or {}).get("falls_last_12_months")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return 0.0


def _falls(
    base: KnowledgeBase,
    result: Mapping[str, Any],
    *,
    shown_category: str | None,
    acute: Mapping[str, Any] | None,
    numbers: Mapping[str, int],
    domains: Sequence[Mapping[str, Any]],
    lang: str,
    labels: Mapping[str, str],
) -> dict[str, Any] | None:
    """The handout's fall-prevention section (safety_messages.toml [[fall]]), or None.

    Printed when the fall risk is positive, and in the acute phase after a hip fracture. Hip
    protectors are included where they are relevant: a high fall risk (the function-limited
    category, or at least `hip_protector_min_falls` falls in 12 months), or after a hip fracture
    (in the acute phase or recorded, rule P2_hip).
    """
    after_hip = (acute is not None and acute.get("site") == "hip") or any(
        r.get("rule") == "P2_hip" for r in result.get("reasons") or ()
    )
    fall_risk = result.get("fall_risk") is True
    if not (fall_risk or (acute is not None and acute.get("site") == "hip")):
        return None
    protectors = after_hip or (
        fall_risk
        and (
            shown_category in HIP_PROTECTOR_CATEGORIES
            or _falls_recorded(result) >= base.knowledge.value("hip_protector_min_falls")
        )
    )
    floor = next(
        (
            e
            for d in domains
            for e in d["exercises"]
            if e.get("pattern") == "floor_recovery" or e["id"] == "floor_recovery"
        ),
        None,
    )
    parts = []
    for f in base.texts.fall_advice:
        if f.when == "hip_protectors" and not protectors:
            continue
        text = f.text(lang)
        if f.id == "F4" and floor is not None:
            text += " " + labels["floor_exercise"].format(
                number=numbers[floor["id"]], name=floor["name"]
            )
        parts.append({"heading": f.heading(lang), "text": text})
    return {"heading": labels["falls_heading"], "parts": parts}


def _made_with(base: KnowledgeBase, result: Mapping[str, Any], lang: str) -> str:
    docs = _docs(base)
    version = result.get("knowledge_version") or base.version
    line = docs.common["made_with"](lang).format(version=version)
    if version != base.version:
        # Texts (exercise instructions) come from the installed base; say so.
        line += " (" + docs.common["texts_from"](lang).format(version=base.version) + ")"
    return line


def handout_data_from_assessment(
    base: KnowledgeBase,
    assessment: Assessment,
    case: Mapping[str, Any],
    *,
    illustrate: Illustrate = illustration,
    clinic: str = "",
    patient: str = "",
    when: date | None = None,
    lang: str = "da",
) -> dict[str, Any]:
    """The handout for a fresh core assessment (CLI). Raises DocumentError without a plan."""
    if assessment.plan is None:
        raise DocumentError(base.texts.ui["no_plan"](lang))
    result = write_result(assessment, words(base, lang))
    phase = result.get("acute_phase") or {}
    site = getattr(assessment.acute_phase, "site", None)
    if site and "site" not in phase:
        # The result document does not carry the site yet; the core's acute phase does.
        result = {**result, "acute_phase": {**phase, "site": str(site)}}
    return handout_data(
        base,
        result=result,
        items=plan_items(assessment),
        illustrate=illustrate,
        clinic=clinic,
        patient=patient,
        when=when or _as_date(case.get("assessment_date")),
        lang=lang,
    )


# --- the GP letter -------------------------------------------------------------------------------


def gp_letter_data(
    base: KnowledgeBase,
    *,
    result: Mapping[str, Any],
    inputs: Mapping[str, Any],
    clinic: Mapping[str, str] | None = None,
    patient: Mapping[str, Any] | None = None,
    gp: Mapping[str, str] | None = None,
    clinician: str = "",
    when: date | None = None,
    category: str | None = None,
    lang: str = "da",
) -> dict[str, Any]:
    """The GP letter from stored data.

    Args:
        base: the knowledge base the texts come from.
        result: the stored result document: referral, risk factors with the trace values and
            cut-offs of that day, bone status, fall risk, acute phase.
        inputs: the stored case (case format): tests, height loss, falls, fractures, DXA.
        clinic: {"name", "address", "phone", "email"} (any may be missing).
        gp: the patient's own doctor {"name", "clinic", "address", "phone"}; the letter is
            addressed to them. Without one, the address block says "to the patient's own
            doctor" above blank lines to write the address on.
        patient: {"name", "birth_date", "sex", "cpr"}; the CPR is printed in full when given
            (the letter goes to the patient's own doctor), and left out when not recorded.
        clinician: the physiotherapist who signs.
        when: the letter's date (today when None).
        category: the clinician's final category; the stored suggestion when None.
        lang: "da" or "en".
    """
    labels = _docs(base).labels("letter", lang)
    referral = result.get("referral") or {}
    basis = str(referral.get("basis", "none"))
    patient = dict(patient or {})
    clinic = dict(clinic or {})
    assessed = _as_date(inputs.get("assessment_date"))

    name = str(patient.get("name") or "")
    recommendation = _recommendation(base, result, inputs, basis=basis, labels=labels, lang=lang)
    footer = labels["footer"].format(
        version=result.get("knowledge_version") or base.version,
        hash=str(result.get("knowledge_hash") or "")[:12],
        date=base.texts.long_date(assessed, lang) if assessed else "?",
    )
    return {
        "kind": "gp_letter",
        "lang": lang,
        "labels": labels,
        "clinic": {"name": str(clinic.get("name") or ""), **_contact(clinic)},
        "recipient": _recipient(gp, labels),
        "date": base.texts.long_date(when or date.today(), lang),
        "patient_line": _patient_line(base, patient, labels, lang),
        "title": labels[LETTER_TITLE.get(basis, "title_info")],
        "urgent": bool(referral.get("urgent")),
        "intro": labels["intro"].format(
            name=name or labels["the_patient"],
            date=base.texts.long_date(assessed, lang) if assessed else "?",
        ),
        "recommendation": recommendation,
        "xray_note": _xray_note(base, result, labels, lang),
        # P4_neuro: no exercises until the neurological red flag is clarified (rules.plan).
        "plan_note": labels["plan_note_withheld" if basis == "neurological" else "plan_note"],
        "by_definition": bool(referral.get("osteoporosis_by_definition")),
        "risk_factors": _risk_factors(base, result, inputs, labels, lang),
        "findings": _findings(base, inputs, labels, lang),
        "fractures": _fractures(base, inputs, lang) or [labels["no_fractures"]],
        "assessment": _assessment_rows(base, result, category, labels, lang),
        "clinician": clinician,
        "footer": footer,
    }


def _recommendation(
    base: KnowledgeBase,
    result: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    basis: str,
    labels: Mapping[str, str],
    lang: str,
) -> str:
    """The letter's recommendation for its referral basis, with what was found filled in.

    The values (T-score, months, height loss) are those the deciding row read that day, from the
    stored trace; the dates and sites come from the stored case.
    """
    texts = base.texts
    assessed = _as_date(inputs.get("assessment_date"))
    flags = [_lower_first(texts.red_flag(f, lang)) for f in result.get("red_flags", [])]
    found = _trace_values(base, result).get(_BASIS_ROW.get(basis, ""), {})
    filled = {k: _num(base, v, lang) for k, v in found.items() if not isinstance(v, list | tuple)}
    filled["flags"] = _joined(flags, labels)
    filled["date"] = texts.long_date(assessed, lang) if assessed else "?"
    if basis == "dxa_osteoporosis":
        dxa_date = _as_date((inputs.get("dxa") or {}).get("date"))
        filled["dxa"] = (
            labels["dxa_scan_dated"].format(date=texts.long_date(dxa_date, lang))
            if dxa_date
            else labels["dxa_scan"]
        )
    elif basis == "new_fracture":
        filled["fracture"] = _latest_low_energy_fracture(base, inputs, lang)
    elif basis == "spine_xray":
        filled["signs"] = _spine_signs(base, found, labels, lang)
    template = labels[LETTER_RECOMMENDATION.get(basis, "rec_info")]
    return string.Formatter().vformat(template, (), _Blank(filled))


def spine_xray_note(reasons: Iterable[str], basis: str) -> bool:
    """R-OPS-3 is among the rules that fired and the basis's own sentence lacks the X-ray.

    The letter, the result page and the CLI report then add a note that suggests one.
    """
    return SPINE_XRAY_RULE in set(reasons) and str(basis) not in _XRAY_SAID


def _xray_note(
    base: KnowledgeBase, result: Mapping[str, Any], labels: Mapping[str, str], lang: str
) -> str | None:
    fired = (str(r.get("rule")) for r in result.get("reasons", []))
    if not spine_xray_note(fired, str((result.get("referral") or {}).get("basis"))):
        return None
    found = _trace_values(base, result).get(SPINE_XRAY_RULE, {})
    return labels["xray_note"].format(signs=_spine_signs(base, found, labels, lang))


def _spine_signs(
    base: KnowledgeBase, found: Mapping[str, Any], labels: Mapping[str, str], lang: str
) -> str:
    """R-OPS-3's signs as the step read them: 'et højdetab på 5 cm og øget kyfose'."""
    signs = []
    loss, least = found.get("height_loss_cm"), found.get("height_loss_min_cm")
    if isinstance(loss, int | float) and isinstance(least, int | float) and loss >= least:
        signs.append(labels["xray_height_loss"].format(height_loss_cm=_num(base, loss, lang)))
    if found.get("kyphosis") is True:
        signs.append(labels["xray_kyphosis"])
    return _joined(signs, labels)


def _joined(parts: Sequence[str], labels: Mapping[str, str]) -> str:
    """'a, b og c': a list inside a sentence."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {labels['and']} {parts[-1]}"


def _latest_low_energy_fracture(base: KnowledgeBase, inputs: Mapping[str, Any], lang: str) -> str:
    """The newest dated fracture that is not high-energy, as the fracture list prints it."""
    dated = [
        f
        for f in inputs.get("fractures") or []
        if f.get("low_energy") is not False and _as_date(f.get("date"))
    ]
    if not dated:
        return "?"
    latest = max(dated, key=lambda f: str(f.get("date")))
    return _lower_first(_fractures(base, {"fractures": [latest]}, lang)[0])


def _contact(given: Mapping[str, str] | None) -> dict[str, str]:
    """The clinic's address, phone and e-mail as printed ("" for what is not recorded)."""
    given = given or {}
    return {k: str(given.get(k) or "").strip() for k in ("address", "phone", "email")}


def _recipient(gp: Mapping[str, str] | None, labels: Mapping[str, str]) -> dict[str, Any]:
    """The letter's address block: the patient's GP, or where to write it when none is known."""
    gp = gp or {}
    lines = [str(gp.get(k) or "").strip() for k in ("name", "clinic", "address")]
    lines = [line for line in lines if line]
    phone = str(gp.get("phone") or "").strip()
    if phone:
        lines.append(f"{labels['phone']} {phone}")
    if not lines:
        return {"known": False, "heading": labels["to_own_gp"], "lines": []}
    return {"known": True, "heading": labels["to"], "lines": lines}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _patient_line(
    base: KnowledgeBase, patient: Mapping[str, Any], labels: Mapping[str, str], lang: str
) -> str:
    parts = [str(patient.get("name") or "")]
    born = _as_date(patient.get("birth_date"))
    if born:
        parts.append(f"{labels['born']} {base.texts.long_date(born, lang)}")
    sex = str(patient.get("sex"))
    if sex in _docs(base).sex:
        parts.append(_docs(base).sex[sex](lang))
    cpr = str(patient.get("cpr") or "").replace("-", "").strip()
    if cpr:
        shown = f"{cpr[:6]}-{cpr[6:]}" if len(cpr) == 10 and cpr.isdigit() else cpr
        parts.append(f"{labels['cpr']} {shown}")
    return ", ".join(p for p in parts if p)


def _trace_values(base: KnowledgeBase, result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The values each step read and the cut-offs it used, as stored that day, by rule id."""
    current = {t.id: t.value for t in base.knowledge.thresholds.values()}
    out = {}
    for step in result.get("trace", []):
        values: dict[str, Any] = dict(current)
        values.update(step.get("cutoffs") or {})
        values.update(step.get("inputs") or {})
        out[step["rule"]] = values
    return out


def _risk_factors(
    base: KnowledgeBase,
    result: Mapping[str, Any],
    inputs: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
) -> list[dict[str, Any]]:
    referral = result.get("referral") or {}
    explanations = _docs(base).risk_factors
    strong = {f.id for f in base.knowledge.risk_factors if f.strong}
    values = _trace_values(base, result)
    texts = base.texts
    out = []
    for rf in referral.get("reasons", []):
        found = values.get(rf, {})
        filled = {
            k: _num(base, v, lang) for k, v in found.items() if not isinstance(v, list | tuple)
        }
        listed = found.get("conditions") or (inputs.get("risk_factors") or {}).get("conditions")
        filled["conditions"] = ", ".join(texts.condition(str(c), lang) for c in listed or ())
        explanation = explanations.get(rf)
        template = explanation(lang) if explanation else ""
        notes = []
        if rf in strong:
            notes.append(labels["strong"])
        if rf in referral.get("modifiable", []):
            notes.append(labels["modifiable"])
        out.append(
            {
                "id": rf,
                "label": rule_label(base, rf, lang),
                "explanation": string.Formatter().vformat(template, (), _Blank(filled)),
                "notes": notes,
            }
        )
    return out


def _fractures(base: KnowledgeBase, inputs: Mapping[str, Any], lang: str) -> list[str]:
    docs = _docs(base)
    out = []
    for f in inputs.get("fractures") or []:
        named = docs.sites.get(str(f.get("site")))
        site = named(lang) if named else str(f.get("site"))
        when = _as_date(f.get("date"))
        energy = {True: "low", False: "high"}.get(f.get("low_energy"), "unknown")
        out.append(
            ", ".join(
                (
                    site[:1].upper() + site[1:],
                    base.texts.long_date(when, lang) if when else docs.energy["no_date"](lang),
                    docs.energy[energy](lang),
                )
            )
        )
    return out


def _findings(
    base: KnowledgeBase, inputs: Mapping[str, Any], labels: Mapping[str, str], lang: str
) -> list[dict[str, str]]:
    fields = base.texts.fields
    ui = base.texts.ui
    rows = []

    def add(path: str, value: Any) -> None:
        if value is None:
            return
        if value == "unable":
            shown = labels["unable"]
        elif isinstance(value, bool):
            shown = ui["yes" if value else "no"](lang)
        else:
            shown = _num(base, value, lang)
        rows.append({"label": fields[path](lang), "value": shown})

    for test, value in (inputs.get("tests") or {}).items():
        if f"tests.{test}" in fields:
            add(f"tests.{test}", value)
    risk = inputs.get("risk_factors") or {}
    for key in ("height_loss_cm", "kyphosis", "falls_last_12_months"):
        add(f"risk_factors.{key}", risk.get(key))
    function = inputs.get("function") or {}
    # P4: a red flag the clinician recorded is part of what the letter reports as found.
    for key in ("neurological_symptoms", "new_sudden_back_pain"):
        if function.get(key) is True:
            add(f"function.{key}", True)
    for key in ("pain_rest", "pain_activity"):
        add(f"function.{key}", function.get(key))
    dxa = inputs.get("dxa") or {}
    scores = [k for k in ("lumbar_spine", "femoral_neck", "total_hip", "forearm") if dxa.get(k)]
    if scores:
        when = _as_date(dxa.get("date"))
        if when:
            rows.append(
                {"label": fields["dxa.date"](lang), "value": base.texts.long_date(when, lang)}
            )
        for key in scores:
            add(f"dxa.{key}", dxa[key])
    return rows


def _assessment_rows(
    base: KnowledgeBase,
    result: Mapping[str, Any],
    category: str | None,
    labels: Mapping[str, str],
    lang: str,
) -> list[dict[str, str]]:
    texts = base.texts
    ui = texts.ui

    def tri(value: Any) -> str:
        return ui[{True: "yes", False: "no"}.get(value, "not_assessed")](lang)

    category = category or result.get("category")
    rows = [
        {
            "label": labels["category"],
            "value": texts.category_name(str(category), lang)
            if category in texts.categories
            else "—",
        },
        {
            "label": labels["bone_status"],
            "value": texts.bone_status[result.get("bone_status", "unknown")](lang),
        },
        {"label": labels["fall_risk"], "value": tri(result.get("fall_risk"))},
        {"label": ui["low_performance"](lang), "value": tri(result.get("low_performance"))},
    ]
    phase = result.get("acute_phase") or {}
    if phase.get("active") is True:
        if phase.get("precautionary"):
            acute = labels["acute_precaution"]
        elif phase.get("until"):
            until = base.texts.long_date(date.fromisoformat(phase["until"]), lang)
            acute = labels["acute_until"].format(until=until)
        else:
            acute = tri(True)
    else:
        acute = tri(phase.get("active"))
    rows.append({"label": labels["acute"], "value": acute})
    return rows


def gp_letter_data_from_assessment(
    base: KnowledgeBase,
    assessment: Assessment,
    case: Mapping[str, Any],
    *,
    clinic: Mapping[str, str] | None = None,
    patient: Mapping[str, Any] | None = None,
    gp: Mapping[str, str] | None = None,
    clinician: str = "",
    when: date | None = None,
    lang: str = "da",
) -> dict[str, Any]:
    """The GP letter for a fresh core assessment and its case (CLI)."""
    who = {
        "birth_date": (case.get("patient") or {}).get("birth_date"),
        "sex": (case.get("patient") or {}).get("sex"),
        **(patient or {}),
    }
    return gp_letter_data(
        base,
        result=write_result(assessment, words(base, lang)),
        inputs=case,
        clinic=clinic,
        patient=who,
        gp=gp,
        clinician=clinician,
        when=when,
        lang=lang,
    )

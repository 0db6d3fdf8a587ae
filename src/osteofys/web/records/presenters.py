"""Turns stored results and records into what the templates show, in the current language."""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from osteofys.documents import gp_letter_data
from osteofys.documents.model import spine_xray_note
from osteofys.kb.explain import (
    by_group,
    cited,
    dose_text,
    field_label,
    group_heading,
    issue_inline,
    issue_text,
    rule_label,
    slot_text,
    step_text,
)
from osteofys.kb.texts import SiteAdvice, Source
from osteofys.rules import retest
from osteofys.rules.case import DECISION, DECISION_FIELDS
from osteofys.rules.model import Dose, Group, ReferralBasis, SlotStatus
from osteofys.rules.plan import within
from osteofys.rules.result import read_result, read_slot, to_json
from osteofys.web.progress import adherence
from osteofys.web.progress.presenters import PlanProgress
from osteofys.web.records import clinical, selectors, services
from osteofys.web.records.forms import FROM_PATIENT, AssessmentForm, DoseForm
from osteofys.web.records.models import Assessment, Plan, Retest, Sex, TestName
from osteofys.web.records.templatetags.numbers import num
from osteofys.web.training.models import EventKind, SessionKind

# Tests with a cut-off on the chart: (threshold id, or one id per sex, True when higher is worse).
# The numbers themselves live in the knowledge base (kb/data/thresholds.toml) with their sources.
CHART_CUTOFFS: dict[str, tuple[str | dict[str, str], bool]] = {
    "tug_s": ("tug_fall_risk_s", True),
    "sit_to_stand_5x_s": ("sts5_fall_risk_s", True),
    "tandem_stance_s": ("tandem_fall_risk_s", False),
    "one_leg_stance_s": ("one_leg_fall_risk_s", False),
    "chair_stand_30s": ("chair_stand_low_performance", False),
    "gait_speed_m_s": ("gait_low_performance_m_s", False),
    # EWGSOP2 low grip strength differs by sex (S54).
    "grip_kg": ({"female": "grip_low_women_kg", "male": "grip_low_men_kg"}, False),
}


def _name(category: str | None) -> str:
    return clinical.category_name(category) if category else ""


# Django date-format letters with a plain strftime equivalent (the short formats of da and en).
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y"}


@functools.lru_cache
def _strftime_pattern(django_format: str) -> str | None:
    parts = []
    for char in django_format:
        if char in _STRFTIME:
            parts.append(_STRFTIME[char])
        elif char.isalpha() or char == "\\":
            return None  # a letter strftime cannot say: let Django format it
        else:
            parts.append(char.replace("%", "%%"))
    return "".join(parts)


def short_date(value: date) -> str:
    """The locale's SHORT_DATE_FORMAT, ten times faster than date_format for the plain formats."""
    pattern = _strftime_pattern(str(get_format("SHORT_DATE_FORMAT")))
    return value.strftime(pattern) if pattern else date_format(value, "SHORT_DATE_FORMAT")


def patient_rows(patients: list[Any]) -> SafeString:
    """The patient list's table rows as HTML.

    The list is the busiest page of the app. Django's template language cost about 0.1 ms per
    row here, and format_html about 0.05 ms, so the 25 rows are one f-string each, with every
    value that is not a fixed tag escaped by the standard library's `html.escape` (what Django's
    `escape` calls, without its lazy-string wrapper; names are typed by users).
    """
    escape = html.escape
    # One reverse() for the page, not one per row.
    detail = reverse("records:patient_detail", args=[0]).removesuffix("0/")
    sexes = {value: escape(str(label)) for value, label in Sex.choices}
    muted = '<span class="muted">{}</span>'.format
    none = muted("—")
    no_category = muted(escape(_("Ingen kategori")))
    no_assessment = muted(escape(_("Ingen vurdering")))
    registered = escape(_("Registreret"))
    # Column names on each cell: on a phone the table becomes one labelled block per row (app.css).
    born, sex, cpr = escape(_("Fødselsdato")), escape(_("Køn")), escape(_("CPR"))
    latest_cat, latest_on = escape(_("Seneste kategori")), escape(_("Seneste vurdering"))
    attention = escape(_("Kræver opmærksomhed"))
    categories: dict[str, str] = {}
    rows = []
    for p in patients:
        badges = "".join(
            f'<span class="badge attention attention--{escape(b["flag"])}">'
            f"{escape(b['text'])}</span>"
            for b in attention_badges(getattr(p, "flags", ()))
        )
        if badges:
            badges = f'<span class="attention-list">{badges}</span>'
        category = p.latest_category
        if category:
            if category not in categories:
                name = escape(_name(category))
                categories[category] = f'<span class="cat cat--{escape(category)}">{name}</span>'
            latest = categories[category]
        else:
            latest = no_category if p.latest_date else no_assessment
        rows.append(
            f'<tr><td><a class="row-link" href="{detail}{int(p.pk)}/">{escape(p.name)}</a></td>'
            f'<td data-label="{born}">{short_date(p.birth_date)}</td>'
            f'<td data-label="{sex}">{sexes.get(p.sex) or escape(p.sex)}</td>'
            f'<td data-label="{cpr}">{registered if p.cpr else none}</td>'
            f'<td data-label="{latest_cat}">{latest}</td>'
            f'<td data-label="{latest_on}">'
            f"{short_date(p.latest_date) if p.latest_date else '—'}</td>"
            f'<td data-label="{attention}">{badges}</td></tr>'
        )
    return mark_safe("\n".join(rows))


def list_sorts(sort: str, query: str) -> list[dict[str, Any]]:
    """The patient list's sort control: each order's label, address and whether it is shown."""
    target = reverse("records:patient_list")
    out = []
    for value, label in (
        (selectors.SORT_NAME, _("Navn")),
        (selectors.SORT_ATTENTION, _("Kræver opmærksomhed")),
    ):
        params = {"q": query} if query else {}
        if value != selectors.SORT_NAME:
            params["sorter"] = value
        out.append(
            {
                "value": value,
                "label": label,
                "url": f"{target}?{urlencode(params)}" if params else target,
                "current": value == sort,
            }
        )
    return out


def _event_word(kind: str) -> str:
    return str(dict(EventKind.choices).get(kind, kind))


def attention_badges(found: Iterable[adherence.Found]) -> list[dict[str, str]]:
    """The patient list's short words for a patient's flags, most severe first."""
    out = []
    for f in found:
        if f.flag == adherence.Flag.ADVERSE_EVENT:
            text = _("%(event)s %(date)s") % {
                "event": _event_word(f.kind),
                "date": short_date(f.when) if f.when else "",
            }
        elif f.flag == adherence.Flag.HIGH_PAIN:
            text = _("Smerte %(value)s/10") % {"value": f.value}
        elif f.flag == adherence.Flag.INACTIVE:
            text = ngettext(
                "Ingen træning i %(days)s dag", "Ingen træning i %(days)s dage", f.days or 0
            ) % {"days": f.days}
        elif f.kind == "overdue":
            text = _("Gentest forfalden (over %(weeks)s uger)") % {
                "weeks": adherence.follow_up().retest_weeks[1]
            }
        else:
            text = _("Gentest forfalden")
        out.append({"flag": str(f.flag), "text": text.strip()})
    return out


def _date(iso: str | None) -> str:
    return date_format(date.fromisoformat(iso), "j. F Y") if iso else ""


def _sources(ids: Iterable[str]) -> list[Source]:
    """The sources behind `ids`; the templates show each as its citation (kb.explain.cited)."""
    return cited(clinical.base(), ids)


def result(stored: dict[str, Any]) -> dict[str, Any]:
    """The result document as the result panel shows it.

    A result stored by an earlier version is read with the defaults of the keys it lacks
    (rules.result owns the format).
    """
    base, lang = clinical.base(), clinical.lang()
    typed = read_result(stored)
    doc: dict[str, Any] = to_json(typed)
    steps = {s.rule: s.step() for s in typed.trace}
    reasons = [
        {
            "rule": r["rule"],
            "text": step_text(base, steps[r["rule"]], lang),
            "sources": _sources(r["sources"]),
            "group": r.get("group"),
        }
        for r in doc["reasons"]
        if r["rule"] in steps
    ]
    referral = doc["referral"]
    texts = base.texts
    plan = doc.get("plan")
    return {
        "doc": doc,
        "category": doc["category"],
        "category_name": _name(doc["category"]),
        "provisional": doc["provisional"],
        "alternatives": [
            {"name": _name(a["category"]), "rule": a["rule"]} for a in doc["alternatives"]
        ],
        "acute": {
            **doc["acute_phase"],
            "advice_heading": _acute_site(stored).heading(lang),
            "advice": [a.clinician(lang) for a in _acute_site(stored).advice],
            "until_text": _date(doc["acute_phase"]["until"]),
            "earliest_text": _date(doc["acute_phase"]["earliest_end"]),
            "fracture_text": _date(doc["acute_phase"]["fracture_date"]),
        },
        "bone_status": texts.bone_status[doc["bone_status"]](lang),
        "fall_risk": doc["fall_risk"],
        "low_performance": doc["low_performance"],
        "red_flags": doc["red_flags"],
        "red_flag_names": [texts.red_flag(f, lang) for f in doc["red_flags"]],
        "referral": {
            **referral,
            "text": texts.referral_text(referral.get("basis", "none"), lang).format(
                referral_min_age_years=int(base.knowledge.value("referral_min_age_years"))
            ),
            "factors": [
                {"id": rf, "label": rule_label(base, rf, lang)} for rf in referral["reasons"]
            ],
            # P4, SPEC §5.5: the signs that cannot wait for the GP (1813 or 112 at once).
            "act_now": texts.referral["act_now"](lang)
            if referral.get("basis") == ReferralBasis.NEUROLOGICAL
            else None,
            # R-OPS-3: a spine X-ray, when the basis's own sentence does not ask for it.
            "xray_note": texts.referral["xray_note"](lang)
            if spine_xray_note((r["rule"] for r in doc["reasons"]), referral.get("basis", ""))
            else None,
        },
        "reasons": reasons,
        # Every source the reasons cite, listed once with its citation under the panel.
        "sources": _sources(s for r in doc["reasons"] for s in r["sources"]),
        **_reason_groups(base, reasons, lang),
        "missing": [plain_label(m) for m in doc["missing"]],
        "plan": _plan_summary(plan) if plan else None,
        "kb_version": doc["knowledge_version"],
        "acute_decision": acute_decision(doc),
    }


def read_result_json(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored result in today's keys (an earlier version's too), as plain JSON."""
    doc: dict[str, Any] = to_json(read_result(stored))
    return doc


def acute_decision(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The clinician's acute-phase decision as the result panel, plan page and detail show it.

    Whether it took effect, in words; a refusal in the words of its error (texts.toml).
    """
    acute = doc.get("acute_phase") or {}
    decision = acute.get("decision")
    if not decision:
        return None
    base, lang = clinical.base(), clinical.lang()
    refusals = clinical.decision_refusals(doc)
    site = decision.get("site")
    if refusals:
        text = issue_text(base, refusals[0], lang)
    elif decision["action"] == "end":
        text = _("Den akutte fase er afsluttet af terapeuten (tidligst muligt %(earliest)s).") % {
            "earliest": _date(acute.get("earliest_end"))
        }
    else:
        text = _("Den akutte fase er startet af terapeuten efter brud: %(site)s, %(date)s.") % {
            "site": base.texts.choices["fractures.site"][site](lang) if site else "",
            "date": _date(acute.get("fracture_date")),
        }
    return {
        "action": decision["action"],
        "action_text": base.texts.choices[clinical.DECISION_ACTION][decision["action"]](lang),
        "applied": decision.get("applied"),
        "reason": decision.get("reason", ""),
        "text": text,
    }


# Groups shown inside their own box of the result panel (as in the CLI report); the risk factors
# are listed in the referral box.
_BOXED = (Group.CATEGORY, Group.RED_FLAG, Group.ACUTE_PHASE, Group.REFERRAL)


def _reason_groups(base: Any, reasons: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The reasons under the group each rule declares.

    A boxed group goes inside its box, every other group under its own heading.
    """
    by_rule = {r["rule"]: r for r in reasons}
    stored = {x: r["group"] for x, r in by_rule.items()}
    found = by_group(base, list(by_rule), stored)
    groups = {g: [by_rule[x] for x in ids] for g, ids in found.items()}
    return {
        "category_reasons": groups.get(Group.CATEGORY, []),
        "red_flag_reasons": groups.get(Group.RED_FLAG, []),
        "acute_reasons": groups.get(Group.ACUTE_PHASE, []),
        "reason_groups": [
            {"heading": group_heading(base, group, lang), "reasons": found}
            for group, found in groups.items()
            if group not in _BOXED
        ],
    }


def _plan_summary(plan: dict[str, Any]) -> dict[str, Any]:
    texts, lang = clinical.base().texts, clinical.lang()
    return {
        "exercise_set": _name(plan["exercise_set"]),
        "domains": [
            {
                "name": texts.domain_name(d, lang),
                "items": [
                    {
                        "name": texts.exercise_name(i["exercise"], lang),
                        "dose": dose_text(Dose.from_dict(i["dose"]), lang),
                    }
                    for i in plan["domains"][d]
                ],
            }
            for d in plan["order"]
        ],
    }


def plain_label(path: str) -> str:
    """A case field's label without its technical path (fractures[2].date -> 'Brud 3: dato')."""
    base, lang = clinical.base(), clinical.lang()
    if path.startswith("fractures["):
        index = int(path[len("fractures[") : path.index("]")])
        part = {"date": _("dato"), "low_energy": _("lavenergi"), "site": _("sted")}.get(
            path.rsplit(".", maxsplit=1)[-1], ""
        )
        return f"{_('Brud')} {index + 1}: {part}"
    return base.texts.field_label(path, lang) or field_label(base, path, lang)


def issue_message(issue: Any) -> str:
    """Inline message for a field: the problem and what is allowed, without repeating the label."""
    return issue_inline(clinical.base(), issue, clinical.lang())


def attach_issues(form: AssessmentForm, formset: Any, evaluated: clinical.Evaluated) -> None:
    """Put the core's validation messages on the fields they name (refusals of the decision too)."""
    for issue in [*evaluated.issues, *evaluated.refusals]:
        path, message = issue.field, issue_message(issue)
        if path.startswith("fractures["):
            index = int(path[len("fractures[") : path.index("]")])
            name = path.split(".")[-1]
            forms_ = [f for f in formset.forms if f.as_case()]
            if index < len(forms_) and name in forms_[index].fields:
                forms_[index].add_error(name, message)
                continue
        name = path.replace(".", "__")
        form.add_error(name if name in form.fields else None, message)


def error_list(form: AssessmentForm, formset: Any) -> list[str]:
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [f"{label}: {e}" if label else str(e) for e in errors]
    for i, f in enumerate(formset.forms):
        for name, errors in f.errors.items():
            out += [f"{_('Brud')} {i + 1}, {f.fields[name].label}: {e}" for e in errors]
    return out


@dataclass
class AssessmentStart:
    """What a new assessment form starts from, and where each pre-filled value came from.

    Attributes:
        initial: The form's initial values.
        fractures: The fracture rows' initial values.
        carried: Field names filled in from the previous assessment.
        from_record: Field names filled in from the patient record (height, weight).
        source_date: The date of the previous assessment the values came from, if any.
    """

    initial: dict[str, Any]
    fractures: list[dict[str, Any]] = field(default_factory=list)
    carried: set[str] = field(default_factory=set)
    from_record: set[str] = field(default_factory=set)
    source_date: date | None = None


def _shown(value: Any) -> Any:
    """A stored case value as the form field takes it (so `has_changed` compares like with like)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def assessment_initial(patient: Any, latest: Assessment | None) -> AssessmentStart:
    """Start a new assessment: blank for a first one; from the last one for a follow-up.

    A first assessment answers nothing in advance (an unticked fracture box is "not recorded").
    A follow-up starts from what rarely changes (risk factors, DXA, function, fractures; never
    the tests, which are measured anew), and every such field is marked in the form. Height and
    weight may come from the patient record, marked as such.
    """
    start = AssessmentStart(initial={"assessment_date": timezone.localdate()})
    inputs = latest.inputs if latest else {}
    for section in ("patient", "risk_factors", "dxa", "function"):
        for name, stored in (inputs.get(section) or {}).items():
            key, value = f"{section}__{name}", stored
            if key == "risk_factors__conditions" and value == []:
                key, value = "risk_factors__conditions_none", True  # said "none" last time
            if value is None or f"{section}.{name}" in FROM_PATIENT or value == []:
                continue
            start.initial[key] = _shown(value)
            start.carried.add(key)
    for name in ("height_cm", "weight_kg"):
        key, stored = f"patient__{name}", getattr(patient, name)
        if key not in start.initial and stored is not None:
            start.initial[key] = stored
            start.from_record.add(key)
    if latest is not None and inputs.get("fractures") is not None:
        start.initial["fractures_recorded"] = True
        start.carried.add("fractures_recorded")
        start.fractures = [
            {
                "site": f.get("site") or "",
                "date": _shown(f.get("date")),
                "low_energy": {True: "true", False: "false"}.get(f.get("low_energy"), ""),
            }
            for f in inputs["fractures"]
        ]
    _carry_decision(start, latest)
    if start.carried or start.fractures:
        start.source_date = latest.assessment_date if latest else None
    return start


def _carry_decision(start: AssessmentStart, latest: Assessment | None) -> None:
    """A follow-up keeps the acute phase as the clinician decided it last time (issue 15, item 6).

    Only a decision that took effect, and only while its acute phase would still run (before
    `until`): after that the phase is over anyway, and the core would refuse the decision.
    """
    if latest is None:
        return
    decision = latest.inputs.get(DECISION)
    acute = (latest.result or {}).get("acute_phase") or {}
    until = acute.get("until")
    applied = (acute.get("decision") or {}).get("applied") is True
    if not decision or not applied or not until:
        return
    if date.fromisoformat(until) <= start.initial["assessment_date"]:
        return
    for name in DECISION_FIELDS:
        if decision.get(name):
            key = f"{DECISION}__{name}"
            start.initial[key] = decision[name]
            start.carried.add(key)


def mark_prefilled(form: AssessmentForm, start: AssessmentStart) -> None:
    """Mark the fields still holding a pre-filled value (`bound_field.mark`).

    includes/field.html shows the mark. A value the clinician has changed since is no longer marked.
    """
    changed = set(form.changed_data) if form.is_bound else set()
    # The date is in the note at the top of the form; the mark stays short beside each label.
    for name in start.carried - changed:
        if name in form.fields:
            form[name].mark = _("fra vurderingen")  # type: ignore[attr-defined]
    for name in start.from_record - changed:
        if name in form.fields:
            form[name].mark = _("fra stamdata")  # type: ignore[attr-defined]


def charts(series: dict[str, list[Point]], *, sex: str | None = None) -> list[dict[str, Any]]:
    """One chart per recorded test: points, the cut-off line and the change since last time.

    A cut-off that differs by sex (grip strength, EWGSOP2) is the patient's; without a known sex
    there is no line. A "kunne ikke" result has no value: the chart marks it at the worse side
    of the cut-off (the top when higher is worse), and the text alternative names it.
    """
    base = clinical.base()
    thresholds = base.knowledge.thresholds
    sexes = {"female": _("kvinder"), "male": _("mænd")}
    out = []
    labels = dict(TestName.choices)
    for test, points in series.items():
        values = [p for p in points if p[1] is not None]
        threshold = _cutoff_id(test, sex)
        cutoff = base.knowledge.value(threshold) if threshold else None
        higher_is_worse = CHART_CUTOFFS[test][1] if test in CHART_CUTOFFS else None
        by_sex = test in CHART_CUTOFFS and not isinstance(CHART_CUTOFFS[test][0], str)
        change = None
        if len(values) >= 2:
            change = round(values[-1][1] - values[-2][1], 2)  # type: ignore[operator]
        label = str(labels.get(test, test))
        mdc = mdc_info(test)
        band = _mdc_band(points, mdc)
        changes = retest_changes(test, points)
        out.append(
            {
                "test": test,
                "label": label,
                "points": points,
                "last": points[-1] if points else None,
                "change": change,
                "cutoff": cutoff,
                "cutoff_for": sexes.get(sex or "", "") if by_sex and cutoff is not None else "",
                "cutoff_sources": _sources(thresholds[threshold].sources) if threshold else [],
                "higher_is_worse": higher_is_worse,
                "unable_count": sum(1 for p in points if p[2]),
                # Issue 16, item 4: the change against the MDC, since last time and since the first.
                "changes": changes,
                "mdc": mdc,
                "summary": _chart_summary(label, points, cutoff, changes, mdc) if points else "",
                "data": {
                    "x": [p[0].isoformat() for p in points],
                    "y": [p[1] for p in points],
                    "unable": [p[2] for p in points],
                    "slot": _same_day_slots(points),
                    "cutoff": cutoff,
                    # Where a "kunne ikke" marker goes: the side of the cut-off that is worse.
                    "worse": "low" if higher_is_worse is False else "high",
                    "label": label,
                    "unable_label": str(_("kunne ikke")),
                    "band": band,
                },
            }
        )
    return sorted(out, key=lambda c: list(labels).index(c["test"]) if c["test"] in labels else 99)


# One result of a test: (date, value, unable). "unable" ("kunne ikke") has no value.
Point = tuple[date, float | None, bool]


def _cutoff_id(test: str, sex: str | None) -> str | None:
    spec = CHART_CUTOFFS.get(test)
    if spec is None:
        return None
    ids = spec[0]
    return ids if isinstance(ids, str) else ids.get(sex or "")


def _same_day_slots(points: list[Point]) -> list[int]:
    """0 for the first result of a day, 1 for the second, and so on.

    The chart spreads them apart, so two results of one day are both seen instead of one drawn over
    the other.
    """
    slots: list[int] = []
    seen: dict[date, int] = {}
    for when, _value, _unable in points:
        seen[when] = seen.get(when, -1) + 1
        slots.append(seen[when])
    return slots


def _chart_summary(
    label: str,
    points: list[Point],
    cutoff: float | None,
    changes: list[dict[str, Any]] | None = None,
    mdc: dict[str, Any] | None = None,
) -> str:
    """The chart in words, for screen readers (the table under the chart has every value)."""
    last = points[-1]
    parts = [
        ngettext(
            "Graf over %(label)s: %(count)s måling fra %(first)s til %(last)s.",
            "Graf over %(label)s: %(count)s målinger fra %(first)s til %(last)s.",
            len(points),
        )
        % {
            "label": label,
            "count": len(points),
            "first": short_date(points[0][0]),
            "last": short_date(last[0]),
        },
        _("Seneste: %(value)s.") % {"value": _("kunne ikke") if last[2] else num(last[1])},
    ]
    unable = sum(1 for p in points if p[2])
    if unable:
        parts.append(
            ngettext(
                "Kunne ikke gennemføre %(count)s gang, vist ved grænsens dårlige side.",
                "Kunne ikke gennemføre %(count)s gange, vist ved grænsens dårlige side.",
                unable,
            )
            % {"count": unable}
        )
    if cutoff is not None:
        parts.append(_("Grænseværdi: %(value)s.") % {"value": num(cutoff)})
    for c in changes or []:
        parts.append(f"{c['what']}: {c['delta_text']}, {c['text']}.")
    if mdc and mdc["band"]:
        parts.append(
            _("Det skraverede bånd er måleusikkerheden (±%(mdc)s) omkring %(which)s.")
            % {"mdc": mdc["short"], "which": mdc["band_around"]}
        )
    parts.append(_("Alle målinger står i tabellen under grafen."))
    return " ".join(str(p) for p in parts)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def mdc_info(test: str) -> dict[str, Any] | None:
    """A test's MDC as the chart says it: its value with its population and sources.

    Or that none was found (retests.toml). None for a test the knowledge base has no entry for.
    """
    base, lang = clinical.base(), clinical.lang()
    mdc = base.knowledge.mdc.get(test)
    if mdc is None:
        return None
    words = base.texts.follow_up
    units = words.mdc_units if words else {}
    unit = units[mdc.unit](lang) if mdc.unit in units else mdc.unit
    # "MDC95 2,08 s"; a meaningful change that is not an MDC95 (gait speed) is its value only.
    written, _unit, phrase, _population, _note = (
        words.mdc[test]
        if words and test in words.mdc
        else (str(mdc.value or ""), "", "mdc", None, None)
    )
    short = f"{base.texts.decimal(written, lang)} {unit}" if mdc.value is not None else ""
    if short and phrase == "mdc":
        short = f"MDC95 {short}"
    return {
        "value": mdc.value,
        "short": short,
        "text": _capital(base.texts.mdc_population(test, lang)),
        "note": base.texts.mdc_note(test, lang),
        "evidence": mdc.evidence,
        "sources": _sources(mdc.sources),
        "band": mdc.value is not None,
        "band_around": "",
    }


def _delta_text(delta: float | None) -> str:
    if delta is None:
        return str(_("ingen ændring kan beregnes"))
    sign = "+" if delta > 0 else ("±" if delta == 0 else "−")
    return f"{sign}{num(abs(delta))}"


def retest_change(test: str, before: Point, after: Point) -> dict[str, Any] | None:
    """The change from one result to another with its verdict against the test's MDC.

    "Reel forbedring" / "Reel forværring" only beyond the MDC (rules.retest.change); within it,
    "Inden for måleusikkerheden (MDC95 2,08 s)"; without an MDC, that none was found; a missing or
    "kunne ikke" result cannot be judged, in words. None for a test without a knowledge-base entry.
    """
    base, lang = clinical.base(), clinical.lang()
    if test not in base.knowledge.mdc:
        return None
    found = retest.change(
        base.knowledge,
        test,
        before[1],
        after[1],
        before_unable=before[2],
        after_unable=after[2],
    )
    info = mdc_info(test) or {}
    text = _capital(base.texts.verdict(found.verdict, lang))
    if found.verdict == retest.Verdict.WITHIN_ERROR:
        text = f"{text} ({info.get('short', '')})"
    elif found.verdict == retest.Verdict.NO_MDC:
        text = _("%(verdict)s — tolk med forsigtighed") % {"verdict": text}
    elif found.verdict == retest.Verdict.UNKNOWN and (before[2] or after[2]):
        text = _("Kan ikke vurderes: “kunne ikke” har ingen værdi at sammenligne med")

    def shown(point: Point) -> str:
        return str(_("kunne ikke")) if point[2] else num(point[1])

    return {
        "verdict": str(found.verdict),
        "text": text,
        "delta": found.delta,
        "delta_text": _delta_text(found.delta),
        "from_text": shown(before),
        "to_text": shown(after),
        "from_date": before[0],
        "to_date": after[0],
    }


def retest_changes(test: str, points: list[Point]) -> list[dict[str, Any]]:
    """The chart's changes: since the previous result, and from the first to the latest."""
    if len(points) < 2:
        return []
    out = []
    last = retest_change(test, points[-2], points[-1])
    if last is not None:
        out.append({**last, "what": str(_("Siden sidst"))})
    if len(points) >= 3:
        whole = retest_change(test, points[0], points[-1])
        if whole is not None:
            out.append({**whole, "what": str(_("Fra første til seneste"))})
    return out


def _mdc_band(points: list[Point], mdc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The MDC band for the chart: ±MDC around the previous result (the only one: the baseline).

    None without an MDC, or when that result has no value ("kunne ikke").
    """
    if not mdc or mdc["value"] is None or not points:
        return None
    index = len(points) - 2 if len(points) >= 2 else 0
    reference = points[index]
    if reference[1] is None:
        mdc["band"] = False
        return None
    mdc["band_around"] = (
        _("forrige måling (%(value)s)") if len(points) >= 2 else _("udgangsværdien (%(value)s)")
    ) % {"value": num(reference[1])}
    return {"center": reference[1], "mdc": mdc["value"], "from": index}


def category_change(latest: Assessment, retests: QuerySet[Retest]) -> dict[str, Any] | None:
    """Re-run the latest assessment with newer re-test values; suggest a change if it moves."""
    newer = [r for r in retests if r.date >= latest.assessment_date]
    results = [(r.test, r.date, "unable" if r.unable else r.value) for r in newer]
    doc = clinical.reassessed(latest.inputs, results)
    if doc is None:
        return None
    # Against the earlier *suggestion*: a deliberate override is not undone by every re-test.
    changed_category = doc["category"] and doc["category"] != latest.suggested_category
    alternatives = {a["category"] for a in doc["alternatives"]} - {
        a["category"] for a in latest.result["alternatives"]
    }
    fall_changed = doc["fall_risk"] != latest.result.get("fall_risk")
    if not (changed_category or alternatives or fall_changed):
        return None
    return {
        "category": _name(doc["category"]) if changed_category else None,
        "alternatives": [_name(a) for a in sorted(alternatives)],
        "fall_risk": doc["fall_risk"] if fall_changed else None,
        # Issue 16, item 4: whether the re-tests that move it changed more than the MDC.
        "tests": _moved_tests(latest, newer),
    }


def _moved_tests(latest: Assessment, newer: list[Retest]) -> list[dict[str, Any]]:
    """Each re-tested test's change from the assessment to its newest re-test, with its verdict.

    A category that moves on a change within measurement error is worth a second look.
    """
    stored = latest.inputs.get("tests") or {}
    labels = dict(TestName.choices)
    newest: dict[str, Retest] = {}
    for r in newer:  # oldest first: the last one of a test wins
        newest[r.test] = r
    out = []
    for test, r in newest.items():
        value = stored.get(test)
        if value is None:
            continue
        before: Point = (
            latest.assessment_date,
            None if value == "unable" else value,
            value == "unable",
        )
        found = retest_change(test, before, (r.date, r.value, r.unable))
        if found is not None:
            out.append({**found, "label": str(labels.get(test, test))})
    return out


def gp_letter(assessment: Assessment) -> dict[str, Any]:
    doc = assessment.result
    shown = result(doc)
    tests = assessment.inputs.get("tests") or {}
    labels = clinical.base().texts.fields
    lang = clinical.lang()
    findings = [
        {"label": labels[f"tests.{k}"](lang), "value": v}
        for k, v in tests.items()
        if v is not None and f"tests.{k}" in labels
    ]
    risk = assessment.inputs.get("risk_factors") or {}
    for key in ("height_loss_cm", "falls_last_12_months"):
        if risk.get(key):
            findings.append({"label": labels[f"risk_factors.{key}"](lang), "value": risk[key]})
    patient = assessment.patient
    # The address block: the patient's own doctor as recorded (empty: the page says so).
    gp = [line for line in (patient.gp_name, patient.gp_clinic, patient.gp_address) if line]
    # The red flags inside the letter's sentence, as the printed letter names them.
    flags = [name[:1].lower() + name[1:] for name in shown["red_flag_names"]]
    # The title and the recommendation as the printed letter words them for its referral basis.
    printed = gp_letter_data(clinical.base(), result=doc, inputs=assessment.inputs, lang=lang)
    return {
        "title": printed["title"],
        "recommendation": printed["recommendation"],
        "plan_note": printed["plan_note"],
        "xray_note": printed["xray_note"],
        "shown": shown,
        "findings": findings,
        "gp": gp,
        "gp_phone": patient.gp_phone,
        "red_flags": flags,
    }


def _acute_site(stored: dict[str, Any]) -> SiteAdvice:
    """The acute-phase advice for the stored result's fracture site (a vertebral one's if none)."""
    return clinical.base().texts.acute_site((stored.get("acute_phase") or {}).get("site"))


PLAN_DOMAINS = ("staerk", "stabil", "strakt")
# Slots the clinician should read: held lower by a cap, left out, or waiting.
OPEN_SLOTS = frozenset(SlotStatus) - {SlotStatus.FILLED}


def plan_row(item: Any) -> dict[str, Any]:
    """One exercise of the plan as its table row shows it, with its dose as an editable form."""
    base, lang = clinical.base(), clinical.lang()
    return {
        "item": item,
        "name": base.texts.exercise_name(item.exercise, lang),
        "dose_text": dose_text(Dose.from_dict(item.dose), lang),
        "form": DoseForm(initial=DoseForm.initial_from(item.dose)),
    }


def plan_group(plan: Plan, domain: str) -> dict[str, Any]:
    """One domain's section of the plan page (the home programme: supervised items apart)."""
    name = clinical.base().texts.domain_name(domain, clinical.lang())
    rows = [plan_row(i) for i in plan.items.all() if i.domain == domain and not i.supervised]
    return {"domain": domain, "name": name, "rows": rows}


def plan_page(plan: Plan, *, show_all: bool) -> dict[str, Any]:
    """The plan with its items, doses as editable forms, and the exercises that may be added."""
    base, lang = clinical.base(), clinical.lang()
    texts = base.texts
    exercises = {e.id: e for e in base.knowledge.exercises}
    caps = services.plan_caps(plan)
    items = list(plan.items.all())
    in_plan = {i.exercise for i in items}
    grouped = [plan_group(plan, domain) for domain in PLAN_DOMAINS]
    addable = [
        {
            "id": e.id,
            "name": texts.exercise_name(e.id, lang),
            "domain": texts.domain_name(e.domain, lang),
            "safe": within(e, caps),
        }
        for e in sorted(exercises.values(), key=lambda e: (e.domain, e.priority, e.id))
        if e.id not in in_plan
        and not e.supervised_only
        and (show_all or (plan.exercise_set in e.categories and within(e, caps)))
    ]
    return {
        "plan": plan,
        "patient": plan.patient,
        # Issue 15, item 6: the clinician ended or started the acute phase the plan follows.
        "acute_decision": acute_decision(read_result_json(plan.assessment.result)),
        "groups": grouped,
        "supervised": [
            {
                "name": texts.exercise_name(i.exercise, lang),
                "dose_text": dose_text(Dose.from_dict(i.dose), lang),
            }
            for i in items
            if i.supervised
        ],
        "addable": addable,
        "show_all": show_all,
        "exercise_set_name": _name(plan.exercise_set),
        # The acute phase's advice for the fracture's site (vertebra, hip, other), and the
        # take-home message said to the patient first (issue 15 items 7 and 12).
        "acute_advice": [a.clinician(lang) for a in _acute_site(plan.assessment.result).advice]
        if plan.acute_advice
        else [],
        "acute_heading": _acute_site(plan.assessment.result).heading(lang)
        if plan.acute_advice
        else "",
        "lead": texts.safety_lead(lang) if texts.safety_lead else "",
        # Issue 16, item 2: the progression suggestions and the plan's history (read when shown).
        "progression": PlanProgress(plan),
        **plan_structure(plan),
    }


def plan_structure(plan: Plan) -> dict[str, Any]:
    """What the plan says about its slots: the filled ones, and why the others are not in it."""
    base, lang = clinical.base(), clinical.lang()
    slots = [read_slot(s) for s in plan.slots]
    withheld = ""
    if plan.withheld:
        rules = ", ".join(plan.withheld)
        withheld = base.texts.ui["plan_withheld"](lang).replace("{rules}", rules)
    return {
        "slots": [
            {"text": slot_text(base, s, lang), "open": s.status in OPEN_SLOTS} for s in slots
        ],
        "withheld": withheld,
        "slots_heading": base.texts.ui["slots"](lang),
        "notes": [
            base.texts.dose_words["note"][n](lang)
            for n in plan.notes
            if n in base.texts.dose_words["note"]
        ],
    }


# --- Issue 16, items 4 and 5: the patient page's training block and re-test due ---------------


def _follow_up_sources(*ids: str) -> list[Source]:
    """The sources of the knowledge base's follow-up numbers (`kb.follow_up.settings`)."""
    settings = adherence.follow_up().settings
    return _sources(s for i in ids if i in settings for s in settings[i].sources)


def _week_label(monday: date) -> str:
    return _("Uge %(week)s") % {"week": monday.isocalendar().week}


def _week_days(monday: date) -> str:
    return f"{date_format(monday, 'j/n')}–{date_format(monday + timedelta(days=6), 'j/n')}"


def _planned_text(planned: tuple[int, int] | None) -> str:
    if planned is None:
        return ""
    low, high = planned
    return str(low) if low == high else f"{low}–{high}"


def flag_texts(found: Iterable[adherence.Found]) -> list[dict[str, Any]]:
    """The patient page's flags in words, most severe first, each with the sources of its number."""
    fu = adherence.follow_up()
    out = []
    for f in found:
        if f.flag == adherence.Flag.ADVERSE_EVENT:
            text = _(
                "%(event)s ved træningen %(date)s: stop øvelsen og genvurdér med spørgsmålene "
                "om røde flag."
            ) % {"event": _event_word(f.kind), "date": short_date(f.when) if f.when else ""}
            sources: list[Source] = []
        elif f.flag == adherence.Flag.HIGH_PAIN:
            text = _(
                "Smerte %(value)s/10 (over grænsen %(limit)s/10) inden for de sidste %(days)s "
                "dage, senest %(date)s."
            ) % {
                "value": f.value,
                "limit": fu.pain_flag_above,
                "days": fu.inactive_days,
                "date": short_date(f.when) if f.when else "",
            }
            sources = _follow_up_sources("pain_flag_above")
        elif f.flag == adherence.Flag.INACTIVE:
            if f.when:
                text = _("Ingen træning registreret i %(days)s dage (sidst %(date)s).") % {
                    "days": f.days,
                    "date": short_date(f.when),
                }
            else:
                text = _(
                    "Ingen træning registreret, siden planen blev lavet for %(days)s dage siden."
                ) % {"days": f.days}
            sources = _follow_up_sources("inactive_days")
        else:
            text = retest_due_text(f.retest)
            sources = _follow_up_sources("retest_weeks")
        out.append({"flag": str(f.flag), "text": text, "sources": sources})
    return out


def retest_due_text(due: adherence.RetestDue | None) -> str:
    """A re-test due in words: the tests and when they were last done, and ended classes."""
    if due is None:
        return ""
    low, high = adherence.follow_up().retest_weeks
    labels = dict(TestName.choices)
    parts = []
    if due.tests:
        by_day: dict[date, list[str]] = {}
        for t, when in due.tests:  # oldest first
            by_day.setdefault(when, []).append(str(labels.get(t, t)))
        tests = "; ".join(
            _("%(tests)s sidst testet %(date)s")
            % {"tests": ", ".join(names), "date": short_date(when)}
            for when, names in by_day.items()
        )
        if due.overdue:
            parts.append(
                _("Gentest forfalden for mere end %(high)s uger siden: %(tests)s.")
                % {"high": high, "tests": tests}
            )
        else:
            parts.append(_("Gentest forfalden: %(tests)s.") % {"tests": tests})
        parts.append(_("Gentest hver %(low)s.–%(high)s. uge.") % {"low": low, "high": high})
    for name, day in due.classes:
        parts.append(
            _("Holdet %(name)s sluttede %(date)s uden sluttest.")
            % {"name": name, "date": short_date(day)}
        )
    return " ".join(str(p) for p in parts)


def training(found: adherence.Adherence) -> dict[str, Any]:
    """The patient page's "Træningsforløb" block: the weeks, the ratings and the flags in words."""
    fu = adherence.follow_up()
    planned = found.planned
    low = planned[0] if planned else None
    top = max([planned[1] if planned else 0, *(w.done for w in found.weeks), 1])
    weeks = [
        {
            "label": _week_label(w.start),
            "days": _week_days(w.start),
            "start": w.start,
            "supervised": w.supervised,
            "home": w.home,
            "done": w.done,
            "missed": w.missed,
            "current": w.current,
            "met": None if low is None or (w.current and w.done < low) else w.done >= low,
            # The bar: sessions done against the top of the scale (planned high end or the most).
            "supervised_pct": round(100 * w.supervised / top),
            "home_pct": round(100 * w.home / top),
            "planned_pct": round(100 * low / top) if low else None,
        }
        for w in reversed(found.weeks)  # newest first
    ]
    kinds = dict(SessionKind.choices)
    ratings = [
        {
            "when": r.when,
            "kind": str(kinds.get(r.kind, r.kind)),
            "pain_during": r.pain_during,
            "pain_next_day": r.pain_next_day,
            "effort": r.effort,
            "hard": r.hard,
            "rated": r.rated,
            "high": any(
                p is not None and p > fu.pain_flag_above for p in (r.pain_during, r.pain_next_day)
            ),
        }
        for r in found.ratings
    ]
    chronological = list(reversed(found.ratings))
    chart = None
    if len(chronological) >= 2:
        chart = {
            "x": [r.when.isoformat() for r in chronological],
            "slot": _same_day_slots([(r.when, None, False) for r in chronological]),
            "series": [
                {"label": str(_("Smerte under")), "y": [r.pain_during for r in chronological]},
                {
                    "label": str(_("Smerte næste dag")),
                    "y": [r.pain_next_day for r in chronological],
                },
                {"label": str(_("Anstrengelse (gns.)")), "y": [r.effort for r in chronological]},
            ],
            "cutoff": fu.pain_flag_above,
            "range": [0, 10],
            "label": str(_("Smerte og anstrengelse")),
        }
    return {
        "weeks": weeks,
        "planned": _planned_text(planned),
        "planned_from_strength": found.planned_from_strength,
        "ratings": ratings,
        "ratings_chart": chart,
        "ratings_summary": _ratings_summary(chronological, fu.pain_flag_above) if chart else "",
        "flags": flag_texts(found.flags),
        "since": found.since,
        "has_plan": found.has_plan,
        "any_session": found.any_session,
        "pain_limit": fu.pain_flag_above,
        "sources": _follow_up_sources("pain_flag_above", "inactive_days", "retest_weeks"),
    }


def _ratings_summary(ratings: list[adherence.Rating], limit: int) -> str:
    """The ratings chart in words, for screen readers (the table has every value)."""
    pains = [p for r in ratings for p in (r.pain_during, r.pain_next_day) if p is not None]
    efforts = [r.effort for r in ratings if r.effort is not None]
    parts = [
        _("Graf over smerte og anstrengelse i %(count)s træninger fra %(first)s til %(last)s.")
        % {
            "count": len(ratings),
            "first": short_date(ratings[0].when),
            "last": short_date(ratings[-1].when),
        }
    ]
    if pains:
        parts.append(_("Højeste smerte: %(value)s/10.") % {"value": max(pains)})
    if efforts:
        parts.append(_("Seneste anstrengelse: %(value)s/10.") % {"value": num(efforts[-1])})
    parts.append(_("Stiplet linje: smertegrænsen %(limit)s/10.") % {"limit": limit})
    parts.append(_("Alle værdier står i tabellen under grafen."))
    return " ".join(str(p) for p in parts)

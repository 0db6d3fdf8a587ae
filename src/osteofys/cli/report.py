"""The terminal report of one assessment: short sections a busy clinician can scan."""

from __future__ import annotations

import textwrap
from datetime import date

from osteofys.kb.explain import (
    by_group,
    cited,
    dose_text,
    field_label,
    goal_text,
    issue_text,
    rule_label,
    slot_text,
    step_text,
)
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.case import DECISION, AcuteAction, Case, CaseIssue
from osteofys.rules.model import (
    AcuteRefusal,
    Assessment,
    Group,
    ReferralBasis,
    SlotStatus,
    Step,
    Tri,
)
from osteofys.rules.result import slot_doc

WIDTH = 100
DECISION_ACTION = f"{DECISION}.action"


class _Report:
    def __init__(self, base: KnowledgeBase, lang: str) -> None:
        self.base, self.lang, self.lines = base, lang, []  # type: ignore[var-annotated]
        self.texts = base.texts
        self.cited: list[str] = []
        """The source ids of every reason shown, for the list of sources at the end."""

    def ui(self, key: str) -> str:
        return self.texts.ui[key](self.lang)

    def date(self, value: date | None) -> str:
        return "?" if value is None else self.texts.short_date(value, self.lang)

    def heading(self, key: str) -> None:
        self.lines += ["", self.ui(key), "-" * len(self.ui(key))]

    def para(self, text: str, indent: int = 2) -> None:
        pad = " " * indent
        self.lines += textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad) or [""]

    def bullet(self, text: str, indent: int = 2) -> None:
        pad = " " * indent
        self.lines += textwrap.wrap(
            text, WIDTH, initial_indent=f"{pad}- ", subsequent_indent=f"{pad}  "
        )

    def reason(self, step: Step) -> None:
        sources = ", ".join(step.sources)
        self.cited += step.sources
        sentence = step_text(self.base, step, self.lang)
        self.bullet(f"[{step.rule}] {sentence} ({self.ui('sources')}: {sources})")

    def reasons(self, steps: list[Step]) -> None:
        for step in steps:
            self.reason(step)

    def tri(self, value: Tri) -> str:
        return self.ui("not_assessed") if value is None else self.ui("yes" if value else "no")

    def category_name(self, slug: str) -> str:
        return self.texts.category_name(slug, self.lang)


def render_report(base: KnowledgeBase, case: Case, a: Assessment, lang: str = "da") -> str:
    r = _Report(base, lang)
    steps = {s.rule: s for s in a.trace}
    # The reasons under the group each rule declares, as on the result page.
    groups = {g: [steps[x] for x in ids] for g, ids in by_group(base, list(a.reasons)).items()}
    r.lines.append(
        f"{r.ui('title')} {r.date(case.assessment_date)}   "
        f"({r.ui('kb')} {a.knowledge_version}, {a.knowledge_hash[:12]})"
    )
    r.lines.append("=" * WIDTH)
    _category(r, a, groups.get(Group.CATEGORY, []))
    if a.red_flags or Group.RED_FLAG in groups:
        r.heading("red_flags")
        r.reasons(groups.get(Group.RED_FLAG, []))
    _acute(r, a)
    r.reasons(groups.get(Group.ACUTE_PHASE, []))
    r.heading("bone")
    r.para(base.texts.bone_status[a.bone_status.value](lang))
    r.reasons(groups.get(Group.BONE_STATUS, []))
    r.heading("fall")
    r.para(f"{r.tri(a.fall_risk)}.  {r.ui('low_performance')}: {r.tri(a.low_performance).lower()}.")
    r.reasons(groups.get(Group.FALL_RISK, []))
    _referral(r, a)
    r.heading("missing")
    for path in a.missing or ():
        r.bullet(field_label(base, path, lang))
    if not a.missing:
        r.para(r.ui("nothing_missing"))
    _plan(r, a, steps, groups.get(Group.TRAINING, []))
    _sources(r)
    return "\n".join(r.lines)


def _sources(r: _Report) -> None:
    """Every source the reasons above cite, once, with its citation and address."""
    sources = cited(r.base, r.cited)
    if sources:
        title = r.ui("sources").upper()
        r.lines += ["", title, "-" * len(title)]
        for source in sources:
            r.bullet(f"{source.id} {source.citation}")
            r.lines.append(f"    {source.url}")  # never wrapped: a terminal can open it


def _category(r: _Report, a: Assessment, why: list[Step]) -> None:
    r.heading("category")
    if a.category is None:
        r.para(f"{r.ui('no_category')}.")
    else:
        note = f"  [{r.ui('provisional')}]" if a.provisional else ""
        r.para(f"{r.ui('suggestion')}: {r.category_name(a.category).upper()}{note}")
    for alt in a.alternatives:
        r.para(f"{r.ui('alternatives')}: {r.category_name(alt.category)} [{alt.rule}]")
    if why:
        r.para(f"{r.ui('why')}:")
        for step in why:
            r.reason(step)


def _acute(r: _Report, a: Assessment) -> None:
    r.heading("acute")
    acute = a.acute_phase
    if acute.precautionary:
        r.para(r.ui("acute_precaution"))
    elif acute.active:
        r.para(
            r.ui("acute_active").format(
                until=r.date(acute.until),
                fracture=r.date(acute.fracture_date),
                earliest=r.date(acute.earliest_end),
            )
        )
    elif acute.active is None:
        r.para(r.ui("acute_unknown"))
    elif not acute.ended_by_clinician:
        r.para(r.ui("acute_none"))
    _acute_decision(r, a)


def _acute_decision(r: _Report, a: Assessment) -> None:
    """The clinician's acute-phase decision (issue 15, item 6): what it did, or why it did not."""
    acute = a.acute_phase
    decision = acute.decision
    if decision is None:
        return
    if decision.applied:
        key = "acute_ended" if decision.action == AcuteAction.END else "acute_started"
        r.para(r.ui(key).format(earliest=r.date(acute.earliest_end), reason=decision.reason))
        return
    refused = decision.refused or AcuteRefusal.UNDECIDED
    allowed = {
        AcuteRefusal.BEFORE_EARLIEST_END: acute.earliest_end.isoformat()
        if acute.earliest_end
        else "",
        AcuteRefusal.NOT_RECENT: f"{r.base.knowledge.value('acute_phase_months'):g}",
        AcuteRefusal.UNDECIDED: ", ".join(a.missing),
    }.get(refused, "")
    issue = CaseIssue(DECISION_ACTION, refused, decision.action, allowed)
    r.para(r.ui("acute_refused").format(text=issue_text(r.base, issue, r.lang)))


def _referral(r: _Report, a: Assessment) -> None:
    ref = a.referral
    r.heading("referral")
    threshold = r.base.knowledge.value("referral_min_age_years")
    r.para(r.texts.referral_text(ref.basis, r.lang).format(referral_min_age_years=int(threshold)))
    if ref.basis is ReferralBasis.NEUROLOGICAL:
        # P4, SPEC §5.5: the signs that cannot wait for the GP (1813 or 112 at once).
        r.para(r.texts.referral["act_now"](r.lang))
    # Imported here: osteofys.documents loads typst, which the report does not need.
    from osteofys.documents.model import spine_xray_note

    if spine_xray_note(a.reasons, ref.basis):
        # R-OPS-3: a spine X-ray, when the basis's own sentence does not ask for it.
        r.para(r.texts.referral["xray_note"](r.lang))
    if ref.reasons:
        r.para(f"{r.ui('risk_factors_found')}:")
        for rf in ref.reasons:
            r.bullet(f"[{rf}] {rule_label(r.base, rf, r.lang)}")
    if ref.modifiable:
        r.para(f"{r.texts.referral['modifiable'](r.lang)}: {', '.join(ref.modifiable)}")


def _plan(r: _Report, a: Assessment, steps: dict[str, Step], training: list[Step]) -> None:
    plan = a.plan
    r.heading("plan")
    if plan is None:
        r.para(r.ui("no_plan"))
        return
    r.para(f"{r.ui('exercise_set')}: {r.category_name(plan.exercise_set)}")
    for domain in plan.domains:
        name = r.texts.domain_name(domain.domain, r.lang)
        r.lines.append("")
        r.para(f"{name.upper()} – {goal_text(r.base, plan.exercise_set, domain.domain, r.lang)}")
        width = max(
            (len(r.texts.exercise_name(i.exercise, r.lang)) for i in domain.items), default=10
        )
        r.lines.append(f"    {r.ui('exercise'):<{width}}  {r.ui('dose')}")
        for item in domain.items:
            name = r.texts.exercise_name(item.exercise, r.lang)
            r.lines.append(f"    {name:<{width}}  {dose_text(item.dose, r.lang)}")
    if plan.supervised:
        r.lines.append("")
        r.para(f"{r.ui('supervised')}:")
        for item in plan.supervised:
            r.bullet(
                f"{r.texts.exercise_name(item.exercise, r.lang)} – {dose_text(item.dose, r.lang)}",
                4,
            )
    for note in plan.notes:
        r.bullet(r.texts.dose_words["note"][note](r.lang))
    r.reasons(training)
    r.lines.append("")
    r.para(f"{r.ui('precautions')}:")
    for rule in plan.cap_rules:
        if rule in steps:
            r.reason(steps[rule])
    # Issue 15 item 1: a slot a cap, the plan's size or a red flag kept out is said, never dropped.
    open_slots = [s for s in plan.slots if s.status is not SlotStatus.FILLED]
    if open_slots:
        r.lines.append("")
        r.para(f"{r.ui('slots')}:")
        for slot in open_slots:
            r.bullet(slot_text(r.base, slot_doc(slot), r.lang), 4)
    if plan.acute_advice:
        r.lines.append("")
        # The advice for the fracture's site (issue 15 item 7); a vertebral one's when unknown.
        site = r.texts.acute_site(getattr(a.acute_phase, "site", None))
        r.para(f"{r.ui('acute_advice')} – {site.heading(r.lang)}:")
        for advice in site.advice:
            r.bullet(f"[{advice.id}] {advice.clinician(r.lang)}", 4)

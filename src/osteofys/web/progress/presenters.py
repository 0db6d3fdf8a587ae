"""What the progression block shows: each suggestion as a card, and the plan's history.

`PlanProgress` is handed to a page's context without reading anything: the suggestions and the
history are read the first time a template shows them, so a partial of the plan page that does
not include the block (an in-place dose edit) costs nothing.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from osteofys.kb.explain import cited, dose_text
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.model import CAP_SCALES, Dose
from osteofys.rules.progress import Step, load_after
from osteofys.rules.result import read_slot
from osteofys.web.progress import selectors
from osteofys.web.progress.selectors import Shown
from osteofys.web.records import clinical
from osteofys.web.records.models import Plan
from osteofys.web.training.models import Decision, ProgressionDecision

# The card's colour by step: up (more load, next level), stay, down, stop.
TONES = {
    Step.MORE_LOAD: "up",
    Step.NEXT_LEVEL: "up",
    Step.STAY: "stay",
    Step.DOWN: "down",
    Step.STOP: "stop",
}


def evidence_text(tag: str) -> str:
    """What an evidence tag (rules.model.Evidence) means, in the active language."""
    words = {
        "SRC": _("fra kilderne"),
        "SRC-2": _("fra kilderne, indirekte"),
        "DERIVED": _("afledt af kilderne (klinisk skøn)"),
        "CONFLICT": _("kilderne er uenige"),
        "SILENT": _("kilderne siger intet: vores valg"),
    }
    return words.get(tag, tag)


class PlanProgress:
    """The progression block of a plan page (or the end of a session's page).

    Args:
        plan: The plan, read through records.selectors.plan_get (scoped and logged).
        session_id: Only the suggestions made from this session (the session page).
        error: (item id, message): a decision on that item was refused; the card says why.
        notice: A refusal whose card is gone (the suggestion changed): shown above the cards.
        reason: What was typed as the decline reason, kept on a refusal.
        focus: Focus the block's heading after an in-place swap (htmx).
        back: The page the forms return to without htmx (the session page's path); None on the
            plan page, which edits in place.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        session_id: int | None = None,
        error: tuple[int, str] | None = None,
        notice: str = "",
        reason: str = "",
        focus: bool = False,
        back: str | None = None,
    ) -> None:
        self.plan = plan
        self.session_id = session_id
        self.error = error
        self._notice = notice
        self.reason = reason
        self.focus = focus
        self.back = back
        self._read_logged = False

    @cached_property
    def _all(self) -> list[dict[str, Any]]:
        base, lang = clinical.base(), clinical.lang()
        rules = cap_rules(self.plan)
        shown = selectors.suggestions_for(self.plan)
        if self.session_id is not None:
            shown = [s for s in shown if s.session_id == self.session_id]
        cards = [card(base, s, rules, lang) for s in shown]
        if cards:
            self._logged()
        for c in cards:
            if self.error and self.error[0] == c["item_id"]:
                c.update(error=self.error[1], typed=self.reason, open=True)
        return cards

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The suggestions to act on: up, down, stop, and stay because of the log."""
        return [c for c in self._all if not c["blocked_only"]]

    @property
    def blocked(self) -> list[dict[str, Any]]:
        """Ready for more, but nothing harder is suggested: shown folded, each still decidable."""
        return [c for c in self._all if c["blocked_only"]]

    @property
    def blocked_open(self) -> bool:
        return any(c.get("error") for c in self.blocked)

    @property
    def red_flags(self) -> dict[str, Any] | None:
        """The red-flag questions, once for the block, when a suggestion says stop."""
        if not any(c["step"] == Step.STOP for c in self._all):
            return None
        return red_flags(clinical.base(), clinical.lang())

    @property
    def any(self) -> bool:
        return bool(self._all or self.notice)

    @property
    def notice(self) -> str:
        """A refusal shown above the cards: its item has no card (any more)."""
        if self.error and not any(c["item_id"] == self.error[0] for c in self._all):
            return self.error[1]
        return self._notice

    @cached_property
    def history(self) -> list[dict[str, Any]]:
        base, lang = clinical.base(), clinical.lang()
        rows = [history_row(base, d, lang) for d in selectors.decision_list(self.plan)]
        if rows:
            self._logged()
        return rows

    def _logged(self) -> None:
        """One access-log entry for the block, when it shows the patient's progression."""
        if not self._read_logged:
            self._read_logged = True
            selectors.progression_read(self.plan)


def cap_rules(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Per cap tag, the rules that set it, as the plan's slot reports name them."""
    found: dict[str, dict[str, None]] = {}
    for stored in plan.slots:
        for cap in read_slot(stored).capped:
            found.setdefault(cap.tag, {}).update(dict.fromkeys(cap.rules))
    return {tag: tuple(rules) for tag, rules in found.items()}


def _level(base: KnowledgeBase, family: str, level: int | None, lang: str) -> str:
    if level is None:
        return ""
    ladder = next((f for f in base.knowledge.families if f.id == family), None)
    of = len(ladder.levels) if ladder else level
    return base.texts.ui["slot_level"](lang).format(level=level, of=of)


def side(
    base: KnowledgeBase, exercise: str, family: str, level: int | None, dose: dict[str, Any]
) -> dict[str, Any]:
    """One side of a change (now or proposed): the exercise's name, its level and dose."""
    lang = clinical.lang()
    known = base.knowledge.exercise(exercise)
    family = family or (known.family if known and known.family else "")
    return {
        "exercise": exercise,
        "name": base.texts.exercise_name(exercise, lang)
        if exercise in base.texts.exercises
        else exercise,
        "level": _level(base, family, level, lang),
        "dose": dose_text(Dose.from_dict(dose), lang),
    }


def blocked_lines(
    base: KnowledgeBase, why: tuple[str, ...], rules: dict[str, tuple[str, ...]], lang: str
) -> list[str]:
    """Why a move up became "stay", one sentence each: a cap with the rules that set it."""
    lines = []
    for block in why:
        words = base.texts.blocked(block, lang)
        if block in CAP_SCALES:
            ids = rules.get(block, ())
            named = f"{words} ({', '.join(ids)})" if ids else words
            lines.append(_("Næste skridt er spærret af %(cap)s.") % {"cap": named})
        else:
            lines.append(_("Næste skridt er spærret: %(why)s.") % {"why": words})
    return lines


def red_flags(base: KnowledgeBase, lang: str) -> dict[str, Any]:
    """The red-flag questions of a reassessment (SPEC §0.2 P4, §5.5), in the knowledge base's words.

    Each flag is the assessment's own question (its field label) with what to do when it holds.
    """
    texts = base.texts
    return {
        "questions": [
            {
                "name": texts.red_flag("new_sudden_back_pain", lang),
                "action": texts.referral["urgent"](lang),
            },
            {
                "name": texts.red_flag("neurological_symptoms", lang),
                "action": texts.referral["neurological"](lang),
            },
        ],
        "act_now": texts.referral["act_now"](lang),
    }


def keep_text(step: Step) -> str:
    """The proposal in words when the item's exercise and dose stay as they are."""
    if step is Step.STOP:
        return _("Stop øvelsen, og genvurdér patienten med spørgsmålene om røde flag.")
    if step is Step.MORE_LOAD:
        return _("Samme øvelse og gentagelser, med mere vægt eller en stærkere elastik.")
    return _("Fortsæt med samme øvelse og dosis.")


def card(
    base: KnowledgeBase, shown: Shown, rules: dict[str, tuple[str, ...]], lang: str
) -> dict[str, Any]:
    """One suggestion as its card shows it: now → proposed, the reason and its sources."""
    s, item = shown.suggestion, shown.item
    texts = base.texts
    target = base.knowledge.exercise(s.exercise)
    family = (target.family if target and target.family else "") or item.family
    now = side(base, item.exercise, item.family, item.level, item.dose)
    proposed = side(base, s.exercise, family, s.level, s.dose.as_dict())
    current = base.knowledge.exercise(item.exercise)
    heavier = ""
    if (
        s.step is Step.MORE_LOAD
        and current is not None
        and load_after(current.load) != current.load
    ):
        heavier = texts.tags.load[load_after(current.load)](lang)
    changes = s.step not in (Step.STAY, Step.STOP)
    if shown.in_plan:
        accepting = _(
            "%(name)s er allerede i planen: fjern denne øvelse, hvis patienten skal fortsætte "
            "med den, eller afvis forslaget."
        ) % {"name": proposed["name"]}
    elif s.step is Step.STOP:
        accepting = _("Accept betyder: øvelsen stoppes og genvurderes. Planen ændres ikke her.")
    elif not changes:
        accepting = _("Accept noteres i planens historik. Øvelsen og dosis ændres ikke.")
    elif s.step is Step.MORE_LOAD:
        accepting = _(
            "Accept noteres i planens historik: øg vægten eller elastikken ved næste træning."
        )
    elif s.exercise == item.exercise:
        accepting = _("Accept ændrer dosis i planen. Den gamle dosis gemmes i historikken.")
    else:
        accepting = _(
            "Accept ændrer øvelsen i planen. Den gamle øvelse og dosis gemmes i historikken."
        )
    return {
        "item_id": item.pk,
        "key": shown.key,
        "step": s.step.value,
        "step_text": texts.step(s.step, lang),
        "tone": TONES[s.step],
        "now": now,
        "to": proposed,
        "changes": changes and (now != proposed or bool(heavier)),
        "heavier": heavier,
        "reason": texts.progression_reason(s, lang),
        "sources": cited(base, s.sources),
        "evidence": s.evidence,
        "evidence_text": evidence_text(s.evidence),
        "blocked": blocked_lines(base, s.blocked_by, rules, lang),
        # What the proposal says when the item does not change (stay, stop).
        "keep": keep_text(s.step),
        "accepting": accepting,
        "blocked_only": s.rule == selectors.BLOCKED_RULE,
        # The next level is another item of the plan already: it cannot be accepted as a move.
        "in_plan": shown.in_plan,
    }


def history_row(base: KnowledgeBase, d: ProgressionDecision, lang: str) -> dict[str, Any]:
    """One decision of the plan's history: when, who, the exercise and dose before and after."""
    who = d.decided_by.first_name or d.decided_by.username
    steps = base.texts.follow_up.steps if base.texts.follow_up else {}
    before = side(base, d.from_exercise, "", d.from_level, d.from_dose)
    after = side(base, d.to_exercise, "", d.to_level, d.to_dose)
    return {
        "id": d.pk,
        "when": date_format(timezone.localtime(d.decided_at), "j. F Y"),
        "when_iso": timezone.localtime(d.decided_at).date().isoformat(),
        "who": who,
        "step_text": steps[d.step](lang) if d.step in steps else d.step,
        "before": before,
        "after": after,
        "changed": d.decision == Decision.ACCEPTED and before != after,
        # A declined proposal of another exercise or dose (more load keeps both: the step says it).
        "proposed_other": d.decision != Decision.ACCEPTED and before != after,
        "accepted": d.decision == Decision.ACCEPTED,
        "decision": d.get_decision_display(),
        "reason": d.reason,
    }

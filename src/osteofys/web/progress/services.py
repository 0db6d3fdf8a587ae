"""Writes of progression: the therapist accepts or declines a suggestion. One transaction each.

The suggestion is computed again here from what is stored (never from what was posted) and must
still be the one that was shown (its key, `selectors.suggestion_key`). Accepting changes the plan
item and keeps its old exercise, level and dose in the decision: the plan's history. Both bump the
plan's version the way every plan edit does (`records.services`), so an editor holding an older
page gets a conflict instead of overwriting; the access log is written last (records' lock order).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from osteofys.rules.limits import MAX_REASON_CHARS
from osteofys.rules.plan import within
from osteofys.rules.progress import Step, load_after
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.progress import selectors
from osteofys.web.progress.selectors import Shown
from osteofys.web.records import clinical
from osteofys.web.records.models import Plan, PlanItem

# Reused, not copied: the plan's optimistic version bump of every plan edit (records.services).
# Private there; imported by name so the two stay one mechanism (see the issue 16 report).
from osteofys.web.records.services import (
    DOSE_KEPT_ON_EDIT,
    EditConflict,
    plan_bump,
    plan_caps,
)
from osteofys.web.training.models import Decision, ProgressionDecision

__all__ = [
    "AlreadyInPlanError",
    "CapCrossedError",
    "DeclineReasonMissingError",
    "EditConflict",
    "ProgressionRefusedError",
    "SuggestionStaleError",
    "progression_accept",
    "progression_decline",
]


class ProgressionRefusedError(ValueError):
    """The decision was not stored; `message` says why in Danish."""

    message: Any = ""

    def __init__(self) -> None:
        super().__init__(str(self.message))


class SuggestionStaleError(ProgressionRefusedError):
    """The suggestion shown is no longer the one the stored sessions give (or there is none)."""

    message = _(
        "Forslaget er ikke længere aktuelt: der er logget en ny træning, eller planen er ændret, "
        "siden siden blev vist. Intet er gemt. Se det aktuelle forslag."
    )


class DeclineReasonMissingError(ProgressionRefusedError):
    message = _("Skriv en begrundelse for at afvise forslaget (feltet “Begrundelse”).")


class DeclineReasonTooLongError(ProgressionRefusedError):
    message = format_lazy(_("Begrundelsen må højst være {max} tegn."), max=MAX_REASON_CHARS)


class CapCrossedError(ProgressionRefusedError):
    """Defence in depth: the core never proposes this, and the service refuses it anyway."""

    message = _(
        "Forslaget er ikke gemt: den foreslåede øvelse eller belastning ligger over et af planens "
        "lofter (stød, foroverbøjning, faldrisiko eller belastning)."
    )


class AlreadyInPlanError(ProgressionRefusedError):
    """The proposed exercise is another item of the plan already."""

    message = _(
        "Forslaget er ikke gemt: den foreslåede øvelse er allerede i planen. Fjern denne øvelse, "
        "hvis patienten skal fortsætte med den anden, eller afvis forslaget med en begrundelse."
    )


def _shown(plan: Plan, item_id: int, suggestion_key: str) -> Shown:
    shown = selectors.suggestion_for(plan, item_id)
    if shown is None or shown.key != suggestion_key:
        raise SuggestionStaleError
    return shown


def _item_change(plan: Plan, shown: Shown) -> dict[str, Any]:
    """The plan item's new values on acceptance; {} when the step changes nothing (stay, stop).

    Raises:
        CapCrossedError: the new exercise, or its heavier load, is above one of the plan's caps.
    """
    s, item = shown.suggestion, shown.item
    if s.step in (Step.STAY, Step.STOP):
        return {}
    knowledge = clinical.base().knowledge
    target = knowledge.exercise(s.exercise)
    if target is None:
        raise SuggestionStaleError
    caps = plan_caps(plan)
    same = s.exercise == item.exercise
    if s.step is Step.MORE_LOAD:
        # The load tag the exercise is taken to after more load (rules.progress.load_after).
        if not within(replace(target, load=load_after(target.load)), caps):
            raise CapCrossedError
    elif not (same and s.step is Step.DOWN) and not within(target, caps):
        # An easier dose of the same exercise crosses nothing new: the item is as confirmed.
        raise CapCrossedError
    proposed = s.dose.as_dict()
    if same:
        kept = {k: v for k, v in item.dose.items() if k in DOSE_KEPT_ON_EDIT}
        return {"dose": {**kept, **proposed}}
    return {
        "exercise": target.id,
        "domain": target.domain.value,
        "family": target.family or item.family,
        "level": s.level,
        "dose": proposed,
        # The new exercise is within every cap (checked above): no precaution to confirm.
        "precaution_confirmed": False,
        "precaution_note": "",
    }


def _decision(
    plan: Plan, shown: Shown, user: User, *, decision: str, reason: str, to: dict[str, Any]
) -> ProgressionDecision:
    s, item = shown.suggestion, shown.item
    return ProgressionDecision.objects.create(
        clinic_id=plan.clinic_id,
        patient_id=plan.patient_id,
        plan_item=item,
        session_id=shown.session_id,
        rule=s.rule,
        step=s.step.value,
        from_exercise=item.exercise,
        from_level=item.level,
        from_dose=dict(item.dose),
        to_exercise=to.get("exercise", s.exercise),
        to_level=to.get("level", s.level),
        to_dose=to.get("dose", s.dose.as_dict()),
        decision=decision,
        reason=reason,
        kb_version=clinical.base().knowledge.version,
        decided_by=user,
    )


@transaction.atomic
def progression_accept(
    *, plan: Plan, item_id: int, suggestion_key: str, user: User, version: int | None
) -> ProgressionDecision:
    """Accept the suggestion shown for one plan item: the item changes, the decision keeps the old.

    Raises:
        SuggestionStaleError: no suggestion, or another one than `suggestion_key`; nothing written.
        CapCrossedError: the change would cross a cap of the plan; nothing written.
        AlreadyInPlanError: the proposed exercise is another item of the plan; nothing written.
        EditConflict: the plan was changed since `version` was loaded; nothing written.
    """
    shown = _shown(plan, item_id, suggestion_key)
    if shown.in_plan:
        raise AlreadyInPlanError
    change = _item_change(plan, shown)
    plan_bump(plan, version)
    if change:
        PlanItem.objects.filter(plan=plan, pk=shown.item.pk).update(**change)
    decision = _decision(plan, shown, user, decision=Decision.ACCEPTED, reason="", to=change)
    audit.record(Action.CREATE, decision)
    audit.record(Action.UPDATE, plan, detail=Detail.ACCEPTED)
    return decision


@transaction.atomic
def progression_decline(
    *,
    plan: Plan,
    item_id: int,
    suggestion_key: str,
    user: User,
    version: int | None,
    reason: str,
) -> ProgressionDecision:
    """Decline the suggestion shown for one plan item, with the therapist's reason.

    The item stays as it is; the suggestion is not shown again until a new session is logged.

    Raises:
        DeclineReasonMissingError: no reason (or only spaces); nothing written.
        DeclineReasonTooLongError: a reason over MAX_REASON_CHARS; nothing written.
        SuggestionStaleError: no suggestion, or another one than `suggestion_key`; nothing written.
        EditConflict: the plan was changed since `version` was loaded; nothing written.
    """
    reason = reason.strip()
    if not reason:
        raise DeclineReasonMissingError
    if len(reason) > MAX_REASON_CHARS:
        raise DeclineReasonTooLongError
    shown = _shown(plan, item_id, suggestion_key)
    plan_bump(plan, version)
    decision = _decision(plan, shown, user, decision=Decision.DECLINED, reason=reason, to={})
    audit.record(Action.CREATE, decision)
    audit.record(Action.UPDATE, plan, detail=Detail.DECLINED)
    return decision

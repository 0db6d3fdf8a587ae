"""Views of progression: accept or decline a suggestion on the plan page. Thin.

POST-only views look the plan up before checking the method, so another clinic's id is a 404
whatever the method (records/views.py). Without JavaScript the forms post and the page reloads;
on the plan page htmx swaps the progression block, the changed domain and the add section in
place, the way the plan's own edits do (records.views `plan_done`, `plan_conflict`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.progress import services
from osteofys.web.progress.forms import DecisionForm
from osteofys.web.progress.presenters import PlanProgress
from osteofys.web.records import conflicts
from osteofys.web.records import presenters as records_presenters
from osteofys.web.records import selectors as records_selectors
from osteofys.web.records.models import Plan, PlanItem

# Reused, not copied: the plan page's in-place answer and its conflict page (records.views).
from osteofys.web.records.views import plan_conflict, plan_done


@login_required
def progression_accept(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    return _decide(request, plan_id, item_id, accept=True)


@login_required
def progression_decline(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    return _decide(request, plan_id, item_id, accept=False)


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _decide(request: HttpRequest, plan_id: int, item_id: int, *, accept: bool) -> HttpResponse:
    plan = records_selectors.plan_get(clinic_of(request.user), plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = next((i for i in plan.items.all() if i.pk == item_id), None)
    if item is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        message = _(
            "Forslaget kunne ikke læses (forslagets nøgle eller planens version mangler). "
            "Genindlæs siden, og prøv igen."
        )
        return _refused(request, plan, item, message, status=400, form=form)
    data = form.cleaned_data
    try:
        if accept:
            services.progression_accept(
                plan=plan,
                item_id=item.pk,
                suggestion_key=data["key"],
                user=request.user,  # type: ignore[arg-type]
                version=data["version"],
            )
        else:
            services.progression_decline(
                plan=plan,
                item_id=item.pk,
                suggestion_key=data["key"],
                user=request.user,  # type: ignore[arg-type]
                version=data["version"],
                reason=data["reason"] or "",
            )
    except services.EditConflict:
        change = (
            _("Acceptér forslaget for %(name)s") if accept else _("Afvis forslaget for %(name)s")
        ) % {"name": conflicts.exercise_name(item.exercise)}
        return plan_conflict(request, plan, change)
    except services.SuggestionStaleError as refused:
        return _refused(request, plan, item, str(refused.message), status=409, form=form)
    except services.ProgressionRefusedError as refused:
        return _refused(request, plan, item, str(refused.message), status=400, form=form)
    message = (
        _("Forslaget er accepteret.")
        if accept
        else _("Forslaget er afvist, og begrundelsen er gemt.")
    )
    back = form.back_to({request.get_host()})
    if not _htmx(request) or back:
        messages.success(request, message)
        return redirect(back or reverse("records:plan_detail", args=[plan.pk]) + "#progression")
    return _in_place(request, plan, item, message)


def _in_place(request: HttpRequest, stale: Plan, item: PlanItem, message: str) -> HttpResponse:
    """The progression block again, its history, and the plan's parts the decision changed."""
    plan = records_selectors.plan_get(clinic_of(request.user), stale.pk)
    saved = next((i for i in plan.items.all() if i.pk == item.pk), item)
    progress = PlanProgress(plan, focus=True)
    parts: list[tuple[str, dict[str, Any]]] = [
        ("progress/_suggestions.html", {"progression": progress, "partial": True}),
        ("progress/_history.html", {"progression": progress, "oob": True}),
    ]
    if (saved.exercise, saved.dose) != (item.exercise, item.dose):
        for domain in dict.fromkeys((item.domain, saved.domain)):
            group = records_presenters.plan_group(plan, domain)
            parts.append(("records/_plan_domain.html", {"group": group, "oob": True}))
    if saved.exercise != item.exercise:
        # The old exercise may be added again, the new one no longer.
        context = records_presenters.plan_page(plan, show_all=False)
        parts.append(("records/_plan_add.html", {**context, "oob": True}))
    return plan_done(request, plan, message, parts)


def _refused(
    request: HttpRequest,
    plan: Plan,
    item: PlanItem,
    message: str,
    *,
    status: int,
    form: DecisionForm,
) -> HttpResponse:
    """Nothing was stored: the block again with the message on the item's card (or above)."""
    reason = str(request.POST.get("reason", ""))[:4000]
    back = form.back_to({request.get_host()}) if form.is_bound and form.is_valid() else None
    if back:
        messages.error(request, message)
        return redirect(back)
    # Nothing was written: the plan as read for this request is the plan as stored.
    progress = PlanProgress(plan, error=(item.pk, message), reason=reason)
    if _htmx(request):
        context = {"plan": plan, "progression": progress, "partial": True}
        html = render_to_string("progress/_suggestions.html", context, request)
        return HttpResponse(html, status=status)
    context = records_presenters.plan_page(plan, show_all=False)
    context["progression"] = progress
    return render(request, "records/plan_detail.html", context, status=status)

"""The exercise library: browse the knowledge base exercises by domain, category and equipment."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from osteofys import illustrations, kb
from osteofys.kb.explain import cited, dose_text
from osteofys.kb.loader import EQUIPMENT, KnowledgeBase
from osteofys.kb.texts import Tags
from osteofys.rules.knowledge import Exercise
from osteofys.rules.model import FALL_RISK_LEVELS, FLEXION_LEVELS, IMPACT_LEVELS, Domain

DOMAINS = tuple(d.value for d in Domain)


def _lang() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _level(value: str, scale: tuple[str, ...]) -> str:
    """The colour of a tag.

    The lowest level of its scale is calm, the next notice, the rest caution.
    """
    if value == scale[0]:
        return "calm"
    return "notice" if value == scale[1] else "caution"


def _tags(tags: Tags, e: Exercise, lang: str) -> list[dict[str, str]]:
    """The safety tags as short labels; `level` drives the colour (calm, notice, caution)."""
    shown = [
        {"label": tags.impact[e.impact](lang), "level": _level(e.impact, IMPACT_LEVELS)},
        {
            "label": tags.spinal_flexion[e.spinal_flexion](lang),
            "level": _level(e.spinal_flexion, FLEXION_LEVELS),
        },
        {
            "label": tags.fall_risk[e.fall_risk](lang),
            "level": _level(e.fall_risk, FALL_RISK_LEVELS),
        },
    ]
    if e.supervised_only:
        shown.append({"label": tags.supervised_only(lang), "level": "caution"})
    if e.hirit:
        shown.append({"label": "HiRIT", "level": "notice"})
    return shown


def _summary(base: KnowledgeBase, e: Exercise, lang: str) -> dict[str, Any]:
    texts = base.texts
    tags = texts.tags
    return {
        "id": e.id,
        "name": texts.exercises[e.id].name(lang),
        "purpose": texts.exercises[e.id].purpose(lang),
        "domain": e.domain.value,
        "domain_name": texts.domain_name(e.domain.value, lang),
        "component": tags.component[e.component.value](lang),
        "categories": [
            texts.category_name(c, lang) for c in texts.categories_in_order() if c in e.categories
        ],
        "equipment": [tags.equipment[q](lang) for q in e.equipment],
        "tags": _tags(tags, e, lang),
        "supervised_only": e.supervised_only,
    }


@login_required
def exercise_list(request: HttpRequest) -> HttpResponse:
    base, lang = kb.load(), _lang()
    texts = base.texts
    equipment_words = texts.tags.equipment
    domain = request.GET.get("domain", "")
    category = request.GET.get("category", "")
    equipment = request.GET.get("equipment", "")
    exercises = sorted(
        base.knowledge.exercises, key=lambda e: (DOMAINS.index(e.domain.value), e.priority, e.id)
    )
    if domain in DOMAINS:
        exercises = [e for e in exercises if e.domain.value == domain]
    if category in texts.categories:
        exercises = [e for e in exercises if category in e.categories]
    if equipment in EQUIPMENT:
        exercises = [e for e in exercises if equipment in e.equipment]
    used_equipment = sorted(
        {q for e in base.knowledge.exercises for q in e.equipment},
        key=lambda q: equipment_words[q](lang),
    )
    context = {
        "exercises": [_summary(base, e, lang) for e in exercises],
        "total": len(base.knowledge.exercises),
        "filters": {"domain": domain, "category": category, "equipment": equipment},
        "filtered": bool(domain or category or equipment),
        "domain_choices": [(d, texts.domain_name(d, lang)) for d in DOMAINS],
        "category_choices": [
            (c, texts.category_name(c, lang)) for c in texts.categories_in_order()
        ],
        "equipment_choices": [(q, equipment_words[q](lang)) for q in used_equipment],
    }
    return render(request, "library/exercise_list.html", context)


@login_required
def exercise_detail(request: HttpRequest, exercise_id: str) -> HttpResponse:
    base, lang = kb.load(), _lang()
    exercise = next((e for e in base.knowledge.exercises if e.id == exercise_id), None)
    if exercise is None:
        raise Http404
    texts = base.texts.exercises[exercise.id]
    categories = base.texts.categories
    doses = [
        {
            "category": str(_("Standard"))
            if key == "default"
            else base.texts.category_name(key, lang),
            "text": dose_text(dose, lang),
        }
        for key, dose in sorted(
            exercise.doses.items(),
            key=lambda kv: -categories[kv[0]].order if kv[0] in categories else -99,
        )
    ]
    context = {
        "exercise": _summary(base, exercise, lang),
        "how": list(texts.how(lang)),
        "avoid": texts.avoid(lang),
        "progression": texts.progression(lang),
        "regression": texts.regression(lang),
        "doses": doses,
        "sources": cited(base, exercise.sources),
    }
    return render(request, "library/exercise_detail.html", context)


@login_required
@cache_control(private=True, max_age=3600)
def exercise_drawing(request: HttpRequest, exercise_id: str) -> HttpResponse:
    """The start and end position as SVG, drawn from the pose stored with the exercise."""
    base, lang = kb.load(), _lang()
    if exercise_id not in base.exercises:
        raise Http404
    svg = illustrations.render(exercise_id, base.exercises[exercise_id], lang)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")

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
from osteofys.kb.explain import dose_text
from osteofys.kb.loader import EQUIPMENT, KnowledgeBase
from osteofys.rules.knowledge import Exercise
from osteofys.rules.model import FALL_RISK_LEVELS, FLEXION_LEVELS, IMPACT_LEVELS, Domain

DOMAINS = tuple(d.value for d in Domain)
# The UI's words for the exercise tags. The vocabularies are the core's (rules.model) and the
# loader's (equipment); tests/web/test_case_fields.py holds these keys to them.
EQUIPMENT_LABELS = {
    "none": _("Intet udstyr"),
    "chair": _("Stol"),
    "wall": _("Væg"),
    "counter": _("Køkkenbord"),
    "band": _("Elastik"),
    "dumbbells": _("Håndvægte"),
    "barbell": _("Vægtstang"),
    "kettlebell": _("Kettlebell"),
    "step": _("Trappetrin"),
    "mat": _("Måtte"),
    "poles": _("Stave"),
    "pull_up_bar": _("Pull-up-stang"),
    "table": _("Bord"),
    "dowel": _("Stok"),
    "bed": _("Seng"),
    "bike": _("Kondicykel"),
}
IMPACT_LABELS = {
    "none": _("Ingen stød"),
    "walking": _("Stød som ved gang"),
    "moderate": _("Moderate stød"),
    "high": _("Høje stød"),
}
FLEXION_LABELS = {
    "none": _("Ingen foroverbøjning"),
    "low": _("Let foroverbøjning"),
    "loaded": _("Belastet foroverbøjning"),
    "end_range": _("Fuld foroverbøjning"),
}
FALL_LABELS = {
    "low": _("Lav faldrisiko"),
    "moderate": _("Moderat faldrisiko"),
    "high": _("Høj faldrisiko"),
}
COMPONENT_LABELS = {
    "resistance": _("Styrke"),
    "impact": _("Stød"),
    "balance": _("Balance"),
    "aerobic": _("Kondition"),
    "back_extension": _("Rygstrækning"),
    "posture": _("Holdning"),
    "safe_movement": _("Sikker bevægelse"),
}


def _lang() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _level(value: str, scale: tuple[str, ...]) -> str:
    """The colour of a tag: the lowest level of its scale is calm, the next notice, the rest
    caution."""
    if value == scale[0]:
        return "calm"
    return "notice" if value == scale[1] else "caution"


def _tags(e: Exercise) -> list[dict[str, str]]:
    """The safety tags as short labels; `level` drives the colour (calm, notice, caution)."""
    tags = [
        {
            "label": str(IMPACT_LABELS.get(e.impact, e.impact)),
            "level": _level(e.impact, IMPACT_LEVELS),
        },
        {
            "label": str(FLEXION_LABELS.get(e.spinal_flexion, e.spinal_flexion)),
            "level": _level(e.spinal_flexion, FLEXION_LEVELS),
        },
        {
            "label": str(FALL_LABELS.get(e.fall_risk, e.fall_risk)),
            "level": _level(e.fall_risk, FALL_RISK_LEVELS),
        },
    ]
    if e.supervised_only:
        tags.append({"label": str(_("Kun superviseret")), "level": "caution"})
    if e.hirit:
        tags.append({"label": "HiRIT", "level": "notice"})
    return tags


def _summary(base: KnowledgeBase, e: Exercise, lang: str) -> dict[str, Any]:
    texts = base.exercises[e.id]
    categories = base.raw["categories"]
    return {
        "id": e.id,
        "name": texts["name"][lang],
        "purpose": texts["purpose"][lang],
        "domain": e.domain.value,
        "domain_name": base.raw["texts"]["domains"][e.domain.value][lang],
        "component": str(COMPONENT_LABELS.get(e.component.value, e.component.value)),
        "categories": [
            categories[c]["name"][lang]
            for c in sorted(e.categories, key=lambda c: -categories[c]["order"])
        ],
        "equipment": [str(EQUIPMENT_LABELS.get(q, q)) for q in e.equipment],
        "tags": _tags(e),
        "supervised_only": e.supervised_only,
    }


@login_required
def exercise_list(request: HttpRequest) -> HttpResponse:
    base, lang = kb.load(), _lang()
    categories = base.raw["categories"]
    domain = request.GET.get("domain", "")
    category = request.GET.get("category", "")
    equipment = request.GET.get("equipment", "")
    exercises = sorted(
        base.knowledge.exercises, key=lambda e: (DOMAINS.index(e.domain.value), e.priority, e.id)
    )
    if domain in DOMAINS:
        exercises = [e for e in exercises if e.domain.value == domain]
    if category in categories:
        exercises = [e for e in exercises if category in e.categories]
    if equipment in EQUIPMENT:
        exercises = [e for e in exercises if equipment in e.equipment]
    used_equipment = sorted(
        {q for e in base.knowledge.exercises for q in e.equipment},
        key=lambda q: str(EQUIPMENT_LABELS.get(q, q)),
    )
    context = {
        "exercises": [_summary(base, e, lang) for e in exercises],
        "total": len(base.knowledge.exercises),
        "filters": {"domain": domain, "category": category, "equipment": equipment},
        "filtered": bool(domain or category or equipment),
        "domain_choices": [(d, base.raw["texts"]["domains"][d][lang]) for d in DOMAINS],
        "category_choices": [
            (c, v["name"][lang])
            for c, v in sorted(categories.items(), key=lambda kv: -kv[1]["order"])
        ],
        "equipment_choices": [(q, str(EQUIPMENT_LABELS.get(q, q))) for q in used_equipment],
    }
    return render(request, "library/exercise_list.html", context)


@login_required
def exercise_detail(request: HttpRequest, exercise_id: str) -> HttpResponse:
    base, lang = kb.load(), _lang()
    exercise = next((e for e in base.knowledge.exercises if e.id == exercise_id), None)
    if exercise is None:
        raise Http404
    texts = base.exercises[exercise.id]
    categories = base.raw["categories"]
    register = base.raw["sources"]
    how = texts["how"][lang]
    doses = [
        {
            "category": str(_("Standard")) if key == "default" else categories[key]["name"][lang],
            "text": dose_text(dose, lang),
        }
        for key, dose in sorted(
            exercise.doses.items(),
            key=lambda kv: -categories[kv[0]]["order"] if kv[0] in categories else -99,
        )
    ]
    context = {
        "exercise": _summary(base, exercise, lang),
        "how": how if isinstance(how, list) else [how],
        "avoid": texts["avoid"][lang],
        "progression": texts["progression"][lang],
        "regression": texts["regression"][lang],
        "doses": doses,
        "sources": [
            {
                "id": s,
                "url": register[s]["url"],
                "title": f"{register[s]['publisher']}: {register[s]['title']}",
            }
            for s in exercise.sources
            if s in register
        ],
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

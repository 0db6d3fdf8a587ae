"""The web app's knowledge-base words come from the typed texts (issue 14, item 6): category
names, test labels, red-flag names and the library's tag words, in Danish and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from osteofys import kb
from osteofys.web.records import models
from osteofys.web.records.models import CATEGORY_CHOICES, Sex
from tests.web.conftest import make_assessment, make_patient


def test_the_models_choices_need_no_migration(db: Any) -> None:
    # The choices' words come from the knowledge base; the migrations hold the Danish ones.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_model_choices_speak_the_knowledge_bases_words(lang: str) -> None:
    texts = kb.load().texts
    with translation.override(lang):
        assert [str(label) for _, label in models.TestName.choices] == [
            texts.test_label(t.value, lang) for t in models.TestName
        ]
        assert [str(label) for _, label in Sex.choices] == [
            w for _, w in texts.choice_words("patient.sex", ["female", "male"], lang)
        ]
        assert [str(label) for _, label in CATEGORY_CHOICES] == [
            texts.category_name(c, lang) for c, _ in CATEGORY_CHOICES
        ]
    with translation.override("da"):
        assert str(models.TestName.TANDEM.label) == "Tandemstand (s)"


@pytest.mark.parametrize(
    "words",
    [
        ("da", "Nye, pludselige rygsmerter", "nye, pludselige rygsmerter"),
        ("en", "New sudden back pain", "new sudden back pain"),
    ],
)
def test_red_flags_are_named_with_the_knowledge_bases_words(
    logged_in: Client, user: Any, clinic: Any, words: tuple[str, str, str]
) -> None:
    lang, panel, letter = words
    logged_in.post(reverse("set_language"), {"language": lang, "next": "/patienter/"})
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user, function__new_sudden_back_pain=True)
    assert assessment.result["red_flags"] == ["new_sudden_back_pain"]
    page = logged_in.get(reverse("records:assessment_detail", args=[assessment.pk]))
    sheet = logged_in.get(reverse("records:gp_letter", args=[assessment.pk]))
    assert page.status_code == sheet.status_code == 200
    assert f"{panel}." in page.content.decode()
    assert f"{letter}." in sheet.content.decode()


def test_the_library_shows_the_knowledge_bases_tag_words(logged_in: Client) -> None:
    tags = kb.load().texts.tags
    page = logged_in.get(reverse("library:exercise_list")).content.decode()
    for word in (tags.impact["none"]("da"), tags.equipment["chair"]("da")):
        assert word in page

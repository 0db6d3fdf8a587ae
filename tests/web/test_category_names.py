"""One name per category: the knowledge base owns it, and every page and form shows that one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from osteofys import kb
from osteofys.rules import Category
from osteofys.web.records.forms import DecisionForm
from osteofys.web.records.models import Assessment
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("category", list(Category))
def test_the_stored_choice_shows_the_knowledge_base_name(category: Category, lang: str) -> None:
    expected = kb.load().raw["categories"][category.value]["name"][lang]
    with translation.override(lang):
        shown = Assessment(final_category=category.value).get_final_category_display()
        choices = DecisionForm().fields["final_category"].choices  # type: ignore[attr-defined]
        offered = {key: str(label) for key, label in choices}
    assert shown == expected
    assert offered[category.value] == expected


def test_the_long_name_is_whole_on_the_patient_page_and_the_assessment(
    logged_in: Client, user: Any
) -> None:
    patient = make_patient(user.profile.clinic)
    assessment = make_assessment(patient, user)
    assessment.final_category = Category.FUNKTIONSBEGRAENSET.value
    assessment.save()
    name = kb.load().raw["categories"]["funktionsbegraenset"]["name"]["da"]
    for url in (f"/patienter/{patient.pk}/", f"/vurderinger/{assessment.pk}/"):
        assert name in logged_in.get(url).content.decode(), url

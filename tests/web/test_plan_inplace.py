"""The plan page edits in place with htmx (dose, remove, add; conflicts and errors too), and the
assessment page says which of its plans is the current one after an override."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from osteofys.web.records import services
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


def test_after_an_override_the_assessment_page_marks_the_current_plan(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    first = assessment.plans.get()
    other = next(
        c for c in ("hverdagsaktiv", "funktionsbegraenset") if c != assessment.suggested_category
    )
    new = services.assessment_decide(
        assessment=assessment, user=user, final_category=other, override_reason="Skrøbelig"
    )
    assert new is not None
    assert new.pk != first.pk
    url = reverse("records:assessment_detail", args=[assessment.pk])
    html = logged_in.get(url).content.decode()
    items = re.findall(r'<li( aria-current="true")?><a href="/planer/(\d+)/".*?</li>', html, re.S)
    marks = {int(pk): bool(current) for current, pk in items}
    assert marks == {new.pk: True, first.pk: False}
    current = re.search(rf'href="/planer/{new.pk}/".*?</li>', html, re.S)[0]
    earlier = re.search(rf'href="/planer/{first.pk}/".*?</li>', html, re.S)[0]
    assert "Aktuel plan" in current
    assert "Tidligere plan" not in current
    assert "Tidligere plan" in earlier
    assert "Aktuel plan" not in earlier

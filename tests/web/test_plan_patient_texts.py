"""The plan page's patient-facing words (issue 15 items 7 and 12): the take-home message, and the
acute phase's advice for the fracture's site."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


def _page(client: Client, clinic: Clinic, user: User, **changes: object) -> str:
    plan = make_assessment(make_patient(clinic), user, **changes).plans.get()
    return client.get(reverse("records:plan_detail", args=[plan.pk])).content.decode()


def test_the_plan_page_says_training_does_not_raise_the_fracture_risk(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    html = _page(logged_in, clinic, user)
    assert "Til patienten" in html
    assert "Træning øger ikke risikoen for knoglebrud." in html


def test_the_plan_page_gives_the_hip_fracture_advice_after_a_hip_fracture(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    hip = [{"site": "hip", "date": "2026-10-01", "low_energy": True}]
    html = _page(logged_in, clinic, user, fractures=hip)
    assert "Råd i den akutte fase" in html
    assert "genoptræningsplan" in html
    assert "låsning af lænden" not in html

"""Tenancy: every patient-scoped URL is a 404 for a user of another clinic; lists never leak."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db

ID_KWARGS = {"patient_id", "assessment_id", "plan_id", "item_id", "user_id"}


def _scoped_patterns() -> list[tuple[str, set[str]]]:
    """Every named URL that takes an object id, found from the URL configuration itself."""
    found = []

    def walk(patterns: Any, namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLPattern):
                params = set(p.pattern.converters)
                if params & ID_KWARGS and p.name:
                    found.append((f"{namespace}{p.name}", params))
            else:
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)

    walk(get_resolver().url_patterns)
    return found


def test_the_scoped_patterns_are_found() -> None:
    names = {name for name, _ in _scoped_patterns()}
    assert {"records:patient_detail", "records:assessment_live", "records:plan_item_dose"} <= names


@pytest.fixture
def owned(clinic: Clinic, user: User) -> dict[str, int]:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    plan = assessment.plans.get()
    return {
        "patient_id": patient.pk,
        "assessment_id": assessment.pk,
        "plan_id": plan.pk,
        "item_id": plan.items.first().pk,
        "user_id": user.pk,
    }


@pytest.mark.parametrize(("name", "params"), _scoped_patterns())
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_clinic_gets_404(
    name: str, params: set[str], method: str, owned: dict[str, int], other_clinic_client: Client
) -> None:
    url = reverse(name, kwargs={k: owned[k] for k in params})
    if name.startswith("accounts:"):
        # User management is admin-only: the intruder is not an admin of clinic A either.
        pass
    response = getattr(other_clinic_client, method)(url, {"exercise": "sit_to_stand"})
    assert response.status_code == 404, (name, method, response.status_code)


def test_lists_and_search_do_not_leak(owned: dict[str, int], other_clinic_client: Client) -> None:
    response = other_clinic_client.get(reverse("records:patient_list"), {"q": "Inger"})
    assert response.status_code == 200
    assert "Inger Hansen" not in response.content.decode()


def test_anonymous_users_are_sent_to_login(owned: dict[str, int], client: Client) -> None:
    for name, params in _scoped_patterns():
        response = client.get(reverse(name, kwargs={k: owned[k] for k in params}))
        assert response.status_code == 302, name
        assert "/konto/login/" in response["Location"]

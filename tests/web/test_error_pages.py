"""Error pages: styled, in Danish (English when chosen), and always with the way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db

BACK = 'href="/patienter/"'


def _english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_an_unknown_url_is_a_danish_page_that_leads_back(logged_in: Client) -> None:
    response = logged_in.get("/findes-ikke/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Siden findes ikke" in body
    assert BACK in body
    assert "Not Found" not in body
    assert 'class="site-header"' in body  # the app's own layout, not Django's bare page


def test_the_404_page_is_english_when_english_is_chosen(logged_in: Client) -> None:
    _english(logged_in)
    body = logged_in.get("/findes-ikke/").content.decode()
    assert "Page not found" in body
    assert "Siden findes ikke" not in body


def test_another_clinics_patient_is_the_same_404_page(logged_in: Client) -> None:
    elsewhere = make_patient(make_clinic("Anden klinik"))
    response = logged_in.get(f"/patienter/{elsewhere.pk}/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


def test_a_refused_request_gets_the_danish_403(logged_in: Client, monkeypatch: Any) -> None:
    # Admin pages answer a clinician with 404 (they do not reveal that they exist); a
    # PermissionDenied from anywhere else gets this page.
    from django.core.exceptions import PermissionDenied

    from osteofys.web.records import views

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied

    monkeypatch.setattr(views.selectors, "patient_list", refuse)
    response = logged_in.get("/patienter/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Du har ikke adgang til denne side" in body
    assert BACK in body


def test_a_form_without_its_csrf_token_gets_the_danish_403(user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/patienter/ny/", {"name": "X"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formularen kunne ikke sendes" in body
    assert "CSRF verification failed" not in body


def test_a_bad_host_gets_the_danish_400(client: Client) -> None:
    response = client.get("/patienter/", HTTP_HOST="angriber.example")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Forespørgslen kunne ikke læses" in body
    assert BACK in body


def test_a_crash_gets_the_danish_500_without_details(client: Client, monkeypatch: Any) -> None:
    from osteofys.web.records import views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("hemmelig detalje")

    monkeypatch.setattr(views.selectors, "patient_list", boom)
    client.raise_request_exception = False
    client.force_login(make_user(make_clinic()))
    response = client.get("/patienter/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Der skete en fejl i OsteoFys" in body
    assert "hemmelig detalje" not in body
    assert BACK in body

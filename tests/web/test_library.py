"""The exercise library browser: filters, detail page, and unknown ids."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_filters_by_domain_category_and_equipment(logged_in: Client) -> None:
    url = reverse("library:exercise_list")
    everything = logged_in.get(url).content.decode()
    assert "Rejse-sætte-sig fra stol" in everything
    assert "Hoftebøjning med støtte ved køkkenbordet (hip hinge)" in everything
    strakt = logged_in.get(url, {"domain": "strakt"}).content.decode()
    assert "Hoftebøjning med støtte ved køkkenbordet (hip hinge)" in strakt
    assert "Rejse-sætte-sig fra stol" not in strakt
    fb = logged_in.get(url, {"category": "funktionsbegraenset", "equipment": "chair"})
    fb = fb.content.decode()
    assert "Rejse-sætte-sig fra stol" in fb
    assert "Hoftebøjning med støtte" not in fb


def test_detail_page_and_unknown_id(logged_in: Client) -> None:
    page = logged_in.get(reverse("library:exercise_detail", kwargs={"exercise_id": "log_roll"}))
    assert page.status_code == 200
    # Each source with its citation (kb.explain.cited): authors, title, journal, year.
    assert "S40" in page.content.decode()
    assert "Giangregorio LM, McGill S, Wark JD, et al. Too Fit To Fracture" in page.content.decode()
    assert "Osteoporos Int 2015;26(3):891–910." in page.content.decode()
    missing = logged_in.get(reverse("library:exercise_detail", kwargs={"exercise_id": "nope"}))
    assert missing.status_code == 404


def test_library_needs_login(client: Client, clinic: object) -> None:
    assert client.get(reverse("library:exercise_list")).status_code == 302


def test_every_exercise_drawing_is_served_as_svg(logged_in: Client) -> None:
    from osteofys import kb

    for exercise_id in kb.load().exercises:
        url = reverse("library:exercise_drawing", kwargs={"exercise_id": exercise_id})
        response = logged_in.get(url)
        assert response.status_code == 200, exercise_id
        assert response["Content-Type"].startswith("image/svg+xml")
        assert b'class="figure"' in response.content
    missing = reverse("library:exercise_drawing", kwargs={"exercise_id": "nope"})
    assert logged_in.get(missing).status_code == 404

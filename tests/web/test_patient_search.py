"""Search of the patient list by name, birth date (DDMMÅÅ) and CPR number. A CPR number is
searched by POST and compared by its keyed digest: it never enters a URL, a redirect, a log
record or the response."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import Action, AuditEntry, ObjectType
from osteofys.web.records import selectors
from osteofys.web.records.cpr import digest
from osteofys.web.records.models import Patient
from tests.web.browser import WIDTHS, launch, server, set_up_clinic
from tests.web.conftest import make_clinic, make_patient, make_user, signed_in

__all__ = ["server"]  # the browser test's fixture

pytestmark = pytest.mark.django_db

URL = "/patienter/"
CPR = "0204581234"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def patients(clinic: Clinic) -> dict[str, Patient]:
    return {
        "inger": make_patient(clinic, "Inger Hansen", cpr=CPR),
        "ole": make_patient(clinic, "Ole Jensen", birth_date=date(1949, 11, 30), cpr="3011490001"),
        # Born 2 April 1958 like Inger, but a different CPR number.
        "tove": make_patient(clinic, "Tove Berg", cpr="0204584321"),
    }


def _names(response: Any) -> set[str]:
    html = response.content.decode()
    return {n for n in ("Inger Hansen", "Ole Jensen", "Tove Berg", "Anna Fremmed") if n in html}


def _all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.args!r} {vars(r)!r}" for r in caplog.records)


def test_digest_is_stored_and_follows_the_number(patients: dict[str, Patient]) -> None:
    inger = patients["inger"]
    assert inger.cpr_digest == digest(CPR)
    assert CPR not in inger.cpr_digest


def test_search_by_name_get_and_htmx(logged_in: Client, patients: dict[str, Patient]) -> None:
    assert _names(logged_in.get(URL, {"q": "hans"})) == {"Inger Hansen"}
    htmx = logged_in.post(URL, {"q": "jens"}, **HX)
    assert _names(htmx) == {"Ole Jensen"}
    assert htmx["HX-Push-Url"] == "/patienter/?q=jens"


def test_name_search_without_js_posts_then_redirects_to_a_bookmarkable_address(
    logged_in: Client, patients: dict[str, Patient]
) -> None:
    response = logged_in.post(URL, {"q": "Inger"})
    assert response.status_code == 302
    assert response["Location"] == "/patienter/?q=Inger"


@pytest.mark.parametrize("how", ["get", "htmx"])
def test_search_by_birth_date(logged_in: Client, patients: dict[str, Patient], how: str) -> None:
    response = (
        logged_in.get(URL, {"q": "020458"})
        if how == "get"
        else logged_in.post(URL, {"q": "020458"}, **HX)
    )
    assert _names(response) == {"Inger Hansen", "Tove Berg"}
    assert _names(logged_in.get(URL, {"q": "301149"})) == {"Ole Jensen"}
    assert _names(logged_in.get(URL, {"q": "010101"})) == set()


def _written(entry: AuditEntry) -> str:
    """What an access-log row says, without its timestamp and chain hashes: their digits can hold
    any four-digit run (a microsecond value of 41234 did once)."""
    fields = vars(entry)
    return str({k: v for k, v in fields.items() if not isinstance(v, datetime) and "hash" not in k})


@pytest.mark.parametrize("typed", [CPR, "020458-1234", " 020458-1234 "])
@pytest.mark.parametrize("htmx", [False, True])
def test_search_by_cpr_finds_only_that_patient_and_echoes_no_number(
    logged_in: Client,
    patients: dict[str, Patient],
    caplog: pytest.LogCaptureFixture,
    typed: str,
    htmx: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = logged_in.post(URL, {"q": typed}, **(HX if htmx else {}))
    assert response.status_code == 200
    assert _names(response) == {"Inger Hansen"}
    body = response.content.decode()
    assert CPR not in body
    assert "020458-1234" not in body
    assert "020458-****" in body  # the search is repeated masked
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    for header, value in response.items():
        assert "1234" not in value, header
    if htmx:
        assert response["HX-Push-Url"] == "/patienter/"
    assert CPR not in _all_log_text(caplog)
    assert "020458-1234" not in _all_log_text(caplog)
    entries = AuditEntry.objects.filter(action=Action.LIST, object_type=ObjectType.PATIENT)
    assert entries.exists()
    for entry in AuditEntry.objects.all():
        assert "1234" not in _written(entry)


def test_cpr_search_compares_the_digest_not_the_number(
    logged_in: Client, patients: dict[str, Patient]
) -> None:
    # A stored number whose digest is stale is not found: the search never reads `cpr`.
    Patient.objects.filter(pk=patients["inger"].pk).update(cpr_digest="")
    assert _names(logged_in.post(URL, {"q": CPR})) == set()


def test_partial_cpr_while_typing_searches_the_birth_date_part(
    logged_in: Client, patients: dict[str, Patient]
) -> None:
    response = logged_in.post(URL, {"q": "020458-12"}, **HX)
    assert _names(response) == {"Inger Hansen", "Tove Berg"}
    assert "020458-12" not in response.content.decode()
    assert response["HX-Push-Url"] == "/patienter/"


@pytest.mark.parametrize("q", [CPR, "020458-1234", "020458-12"])
def test_get_with_a_cpr_is_refused_and_not_echoed(
    logged_in: Client, patients: dict[str, Patient], q: str
) -> None:
    response = logged_in.get(URL, {"q": q})
    # Away from the address that holds the number, to the plain list (not searched).
    assert response.status_code == 302
    assert response["Location"] == URL
    page = logged_in.get(response["Location"])
    body = page.content.decode()
    assert q not in body
    assert "kan ikke søges via adressen" in body
    assert _names(page) == {"Inger Hansen", "Ole Jensen", "Tove Berg"}


def test_the_search_form_posts(logged_in: Client, patients: dict[str, Patient]) -> None:
    html = logged_in.get(URL).content.decode()
    form = html[html.index('<form class="search"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form
    assert "hx-post=" in form
    assert "hx-get=" not in form
    assert "hx-push-url" not in form
    assert "csrfmiddlewaretoken" in form


def test_selector_refuses_a_cpr_given_as_text(clinic: Clinic, patients: dict[str, Patient]) -> None:
    assert list(selectors.patient_list(clinic, CPR).object_list) == []
    assert [p.name for p in selectors.patient_list(clinic, cpr=CPR).object_list] == ["Inger Hansen"]


def test_other_clinics_patient_is_never_found(
    logged_in: Client, patients: dict[str, Patient], user: User
) -> None:
    other = make_clinic("Klinik B")
    make_patient(other, "Anna Fremmed", birth_date=date(1960, 5, 5), cpr="0505601111")
    assert _names(logged_in.post(URL, {"q": "0505601111"})) == set()
    assert _names(logged_in.get(URL, {"q": "050560"})) == set()
    assert _names(logged_in.get(URL, {"q": "Fremmed"})) == set()
    # And the other clinic does not find ours by CPR.
    intruder = signed_in(Client(), make_user(other, "bo"))
    assert _names(intruder.post(URL, {"q": CPR})) == set()
    assert _names(intruder.post(URL, {"q": "0505601111"})) == {"Anna Fremmed"}


def test_patient_update_renews_the_digest(logged_in: Client, patients: dict[str, Patient]) -> None:
    inger = patients["inger"]
    data = {
        "name": inger.name,
        "birth_date": "1958-04-02",
        "sex": "female",
        "cpr": "020458-5678",
        "version": inger.version,
    }
    assert logged_in.post(f"/patienter/{inger.pk}/ret/", data).status_code == 302
    inger.refresh_from_db()
    assert inger.cpr_digest == digest("0204585678")
    assert _names(logged_in.post(URL, {"q": "0204585678"})) == {"Inger Hansen"}
    assert _names(logged_in.post(URL, {"q": CPR})) == set()


# --- in a real browser: htmx's live search and the address bar --------------------------------

SHOTS = Path(os.environ.get("OSTEOFYS_CLINIC_SHOTS", "/tmp/osteofys-clinic-shots"))


@pytest.mark.e2e
def test_cpr_search_in_the_browser_stays_out_of_urls_and_history(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        set_up_clinic(page, server)
        page.goto(server + "/patienter/ny/")
        page.fill("[name=name]", "Inger Hansen")
        page.fill("[name=birth_date]", "1958-04-02")
        page.select_option("[name=sex]", "female")
        page.fill("[name=cpr]", "020458-1234")
        page.fill("[name=gp_name]", "Læge Åse Møller")
        page.fill("[name=gp_address]", "Ågade 3, 4000 Roskilde")
        page.click("main button[type=submit]")
        page.wait_for_url("**/patienter/*/")

        requests: list[tuple[str, str]] = []
        page.on("request", lambda r: requests.append((r.method, r.url)))
        page.goto(server + "/patienter/")
        search = page.locator("#patient-search")
        search.fill("Hansen")
        expect(page.locator("#patient-rows")).to_contain_text("Inger Hansen")
        page.wait_for_url("**/patienter/?q=Hansen")  # a name search may be bookmarked
        search.fill("0204581234")
        expect(page.locator("#patient-rows")).to_contain_text("020458-****")
        expect(page.locator("#patient-rows")).to_contain_text("Inger Hansen")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"patient-search-cpr-{width}.png"), full_page=True)
        assert "1234" not in page.url
        # htmx keeps snapshots of pages for the back button in the browser's storage.
        stored = page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
        assert "1234" not in stored.replace("020458-****", "")
        page.go_back()
        assert "1234" not in page.url
        assert all("1234" not in url for _, url in requests), requests
        assert ("POST", server + "/patienter/") in requests
        # Without JavaScript's help (Enter submits the form itself) the number goes by POST too.
        page.goto(server + "/patienter/")
        page.fill("#patient-search", "020458-1234")
        page.press("#patient-search", "Enter")
        expect(page.locator("#patient-rows")).to_contain_text("Inger Hansen")
        assert "1234" not in page.url
        assert page.locator("#patient-search").input_value() == ""
        assert "1234" not in page.content().replace("020458-****", "")
        browser.close()


def test_api_searches_birth_date_but_never_a_cpr_number(
    client: Client, clinic: Clinic, user: User, patients: dict[str, Patient]
) -> None:
    from osteofys.web.accounts import tokens

    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.api_token_create(user=user, name='t').secret}"}
    born = client.get("/api/v1/patients", {"q": "301149"}, **auth).json()
    assert [p["name"] for p in born["items"]] == ["Ole Jensen"]
    by_cpr = client.get("/api/v1/patients", {"q": CPR}, **auth)
    assert by_cpr.status_code == 200
    assert by_cpr.json()["items"] == []
    assert CPR not in by_cpr.content.decode()

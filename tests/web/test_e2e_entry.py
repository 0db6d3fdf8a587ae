"""Safe data entry in a real browser (Debian's Chromium): Enter never saves the assessment (with
and without JavaScript), leaving a changed form asks first (menu link, "Annullér", closing the
tab) and saving does not, a draft comes back after a new login, and a follow-up says what it
carried over from the previous assessment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import PASSWORD, USERNAME, launch, server, set_up_clinic

__all__ = ["server"]  # the fixture, used by the tests below

pytestmark = pytest.mark.e2e

SHOTS_ENV = "OSTEOFYS_SCREENSHOTS"


def _sign_in(page: Any, server: str) -> None:
    """Set the clinic up on the first test of the module; log in on the others."""
    page.goto(server + "/konto/setup/")
    if page.locator("[name=clinic_name]").count():
        set_up_clinic(page, server)
        return
    page.goto(server + "/konto/login/")
    page.fill("[name=username]", USERNAME)
    page.fill("[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(server + "/patienter/")


def _new_patient(page: Any, server: str, name: str) -> str:
    """Create a patient through the form; returns the patient page's URL."""
    page.goto(server + "/patienter/ny/")
    page.fill("[name=name]", name)
    page.fill("[name=birth_date]", "1958-04-02")
    page.select_option("[name=sex]", "female")
    page.fill("[name=height_cm]", "165")
    page.fill("[name=weight_kg]", "65")
    page.click("button[type=submit]:has-text('Opret patient')")
    page.wait_for_url("**/patienter/*/")
    return str(page.url)


def _fill_assessment(page: Any) -> None:
    form = page.locator("#assessment-form")
    form.locator("[name=function__walking_aid]").select_option("none")
    form.locator("[name=function__needs_help_daily_activities]").select_option("false")
    form.locator("[name=function__sedentary_due_to_disease]").select_option("false")
    form.locator("[name=function__training_days_per_week]").fill("3")
    form.locator("[name=function__training_months]").fill("24")
    form.locator("[name=function__everyday_activity]").select_option("active")
    form.locator("[name=function__new_sudden_back_pain]").select_option("false")
    form.locator("[name=function__neurological_symptoms]").select_option("false")
    form.locator("[name=risk_factors__menopause_age]").fill("50")
    form.locator("[name=dxa__date]").fill("2026-03-10")
    form.locator("[name=dxa__lumbar_spine]").fill("-2,7")
    form.locator("[name=tests__tug_s]").fill("8,5")
    form.locator("[name=fractures_recorded]").check()  # reviewed: no fractures (never pre-ticked)


def _press_enter_everywhere(page: Any) -> None:
    """Enter in a text box, a number box, a date box, a select and a checkbox."""
    for name in (
        "tests__tug_s",
        "risk_factors__menopause_age",
        "dxa__date",
        "function__walking_aid",
        "fractures_recorded",
    ):
        page.locator(f"#assessment-form [name={name}]").focus()
        page.keyboard.press("Enter")


def test_enter_never_saves_the_assessment(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(locale="da-DK")
        page.set_default_timeout(15_000)
        _sign_in(page, server)
        patient = _new_patient(page, server, "Enter Jensen")
        page.goto(patient + "vurdering/")
        _fill_assessment(page)
        expect(page.locator("#result")).to_contain_text("Træningsaktiv", timeout=10_000)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
        _press_enter_everywhere(page)
        page.wait_for_timeout(800)
        assert page.url == patient + "vurdering/"
        assert not [u for u in requests if u.endswith("/vurdering/")]  # only the live panel
        # Without JavaScript, Enter posts through the form's hidden first button and the server
        # saves nothing (a disabled first button is not enough: Chromium then clicks the save
        # button from a date box or a checkbox).
        cookies = page.context.cookies()
        plain = browser.new_context(java_script_enabled=False, locale="da-DK")
        plain.add_cookies(cookies)
        nojs = plain.new_page()
        for name in ("tests__tug_s", "dxa__date", "fractures_recorded"):
            nojs.goto(patient + "vurdering/")
            nojs.locator("[name=tests__tug_s]").fill("8,5")
            nojs.locator(f"[name={name}]").focus()
            nojs.keyboard.press("Enter")
            nojs.wait_for_load_state()
            expect(nojs.locator("#enter-note")).to_contain_text("Enter gemmer ikke", timeout=5000)
            expect(nojs.locator("[name=tests__tug_s]")).to_have_value("8,5")
        nojs.goto(patient)
        expect(nojs.locator("a[href*='/vurderinger/']")).to_have_count(0)  # none was saved
        browser.close()


def test_leaving_a_changed_form_asks_and_saving_does_not(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(locale="da-DK")
        page.set_default_timeout(15_000)
        _sign_in(page, server)
        patient = _new_patient(page, server, "Guard Hansen")
        dialogs: list[tuple[str, str]] = []

        def answer(accept: bool) -> None:
            def handle(dialog: Any) -> None:
                dialogs.append((dialog.type, dialog.message))
                dialog.accept() if accept else dialog.dismiss()

            page.once("dialog", handle)

        # Unchanged: the menu link leaves without a question.
        page.goto(patient + "vurdering/")
        page.click("nav >> text=Patienter", force=True)
        page.wait_for_url("**/patienter/")
        assert dialogs == []

        # Changed: the menu link asks; "stay" keeps the page and what was typed.
        page.goto(patient + "vurdering/")
        page.locator("[name=tests__tug_s]").click()
        page.keyboard.type("9")
        answer(accept=False)
        page.click("nav >> text=Patienter", force=True)
        page.wait_for_timeout(300)
        assert dialogs[-1][0] == "confirm"
        assert "ikke er gemt" in dialogs[-1][1]
        assert page.url == patient + "vurdering/"
        expect(page.locator("[name=tests__tug_s]")).to_have_value("9")
        # "Annullér" asks too; "leave" leaves (and the tab-close question is not asked twice).
        answer(accept=True)
        page.click("text=Annullér")
        page.wait_for_url(patient)
        assert [d[0] for d in dialogs] == ["confirm", "confirm"]

        # Leaving the page by other means than its links (closing the tab, reloading, typing an
        # address) gets the browser's own question: beforeunload. Chromium here shows it for a
        # navigation but not for Playwright's page.close(run_before_unload=True), so the test
        # leaves by typing an address; "stay" keeps the page.
        page.goto(patient + "ret/")
        page.locator("[name=weight_kg]").click()
        page.keyboard.type("1")
        answer(accept=False)
        with pytest.raises(Exception, match=r"net::ERR_ABORTED|navigat"):
            page.goto(server + "/patienter/", timeout=5000)
        assert dialogs[-1][0] == "beforeunload"
        assert page.url == patient + "ret/"

        # Saving the form itself does not ask; the decision form is guarded as well.
        page.locator("[name=weight_kg]").fill("66")
        page.click("button[type=submit]:has-text('Gem patient')")
        page.wait_for_url(patient)
        assert len(dialogs) == 3
        browser.close()


def test_a_draft_comes_back_after_a_new_login(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, server)
        patient = _new_patient(page, server, "Kladde Nielsen")
        page.goto(patient + "vurdering/")
        _fill_assessment(page)
        # Wait for the live request that carries 12,5 (it saves the draft), not for one still in
        # flight from the filling before it.
        with page.expect_response(
            lambda r: (
                r.url.endswith("/vurdering/live/")
                and "tests__tug_s=12%2C5" in (r.request.post_data or "")
            )
        ):
            page.locator("[name=tests__tug_s]").fill("12,5")
            page.locator("[name=tests__tug_s]").blur()
        context.close()  # the tab and the session are gone

        context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server + "/konto/login/")
        page.fill("[name=username]", USERNAME)
        page.fill("[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(server + "/patienter/")
        page.goto(patient + "vurdering/")
        offer = page.locator("#draft-offer")
        expect(offer).to_contain_text("Du har en kladde")
        expect(page.locator("[name=tests__tug_s]")).to_have_value("")
        page.screenshot(path=shots / "entry-draft-offer.png", full_page=True)
        offer.locator("text=Fortsæt med kladden").click()
        expect(page.locator("#draft-restored")).to_be_visible()
        expect(page.locator("[name=tests__tug_s]")).to_have_value("12,5")
        expect(page.locator("[name=risk_factors__menopause_age]")).to_have_value("50")
        expect(page.locator("[name=function__walking_aid]")).to_have_value("none")
        # Saving the assessment ends the draft: the next "Ny vurdering" offers nothing.
        page.click("button[data-save]")
        expect(page.locator("body")).to_contain_text("Vurderingen er gemt")
        page.goto(patient + "vurdering/")
        expect(page.locator("#draft-offer")).to_have_count(0)
        # ... and, as a follow-up, says what it carried over and marks it.
        note = page.locator("#carried-note")
        expect(note).to_contain_text("Udfyldt fra vurderingen")
        expect(note).to_contain_text("ret det, der har ændret sig")
        label = page.locator("label[for=id_risk_factors__menopause_age]")
        expect(label).to_contain_text("fra vurderingen")
        expect(page.locator("[name=risk_factors__menopause_age]")).to_have_value("50")
        expect(page.locator("[name=tests__tug_s]")).to_have_value("")
        # The accessible name says where the value came from (the symbol is hidden from it).
        field = page.get_by_role("textbox", name="fra vurderingen", exact=False).first
        expect(field).to_be_visible()
        for width, height in ((1280, 900), (768, 1024), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=shots / f"entry-follow-up-{width}.png", full_page=False)
        page.set_viewport_size({"width": 1280, "height": 900})
        # Changing a carried value takes its mark away at once.
        page.locator("[name=risk_factors__menopause_age]").fill("49")
        expect(label.locator("[data-mark]")).to_be_hidden()
        browser.close()

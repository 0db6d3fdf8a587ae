"""The session log in a real browser (Debian's Chromium): "Ret" shows the fields, "Ikke udført"
only the note, not attending hides the exercises, "Tilføj hændelse" adds a row, the
save goes to the session page, "Kopiér til journal" copies the note; no horizontal scroll and no
tap target under 44 px at 1280, 768 and 390 px; and the form works with JavaScript off."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import PASSWORD, USERNAME, WIDTHS, launch, server, set_up_clinic
from tests.web.test_e2e_plan import _patient_with_plan

__all__ = ["server"]  # the fixture, used by the tests below

pytestmark = pytest.mark.e2e

TARGETS = (
    ".session-log label.seg__opt, .session-log input:not([type=hidden]):not([type=radio]),"
    " .session-log select, .session-log summary, .session-actions .button"
)


def _sign_in(page: Any, server: str) -> None:
    """The clinic's first user: the clinic is set up by whichever test of the module runs first."""
    page.goto(server + "/konto/setup/")
    if page.locator("[name=clinic_name]").count():
        set_up_clinic(page, server)
        return
    page.goto(server + "/konto/login/")
    page.fill("[name=username]", USERNAME)
    page.fill("[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(server + "/**")


def _to_log(page: Any, server: str) -> str:
    """A patient with a plan (made through the pages); ends on the patient's session log."""
    _patient_with_plan(page, server)
    page.click("text=Log træning >> nth=0")
    page.wait_for_url("**/session/")
    return str(page.url)


def test_the_session_log_in_a_browser(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(locale="da-DK")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        _sign_in(page, server)
        log_url = _to_log(page, server)

        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(log_url)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            small = page.evaluate(
                f"""[...document.querySelectorAll({TARGETS!r})].filter(e => e.offsetParent)
                .map(e => e.getBoundingClientRect().height).filter(h => h < 44).length"""
            )
            assert small == 0, width

        page.set_viewport_size({"width": 768, "height": 1000})
        page.goto(log_url)
        first = page.locator("[data-entry]").first
        fields = first.locator("[data-entry-fields]")
        assert not fields.is_visible()  # "Som ordineret": one tap, nothing to fill in
        first.locator("label.seg__opt--changed").click()
        assert fields.is_visible()
        # "Ikke udført" shows only the note.
        second = page.locator("[data-entry]").nth(1)
        second.locator("label.seg__opt--skipped").click()
        assert second.locator("[data-entry-note]").is_visible()
        assert not second.locator("[data-entry-fields]").is_visible()
        # Not attended hides the exercises; attended shows them again.
        page.locator("label.seg__opt--absent").click()
        assert not first.is_visible()
        assert page.locator("[data-absent-note]").is_visible()
        page.locator("label.seg__opt--attended").click()
        assert first.is_visible()
        # Adverse events: one row, and "Tilføj hændelse" adds the next.
        page.locator("[data-events] > summary").click()
        assert page.locator("[data-event-row]").count() == 1
        page.click("[data-add-event]")
        assert page.locator("[data-event-row]").count() == 2
        page.select_option("[name=h1-kind]", "fall")
        page.fill("[name=h1-description]", "Snublede")
        page.fill("[name=h1-action]", "Satte sig")
        first.locator("input[name$='-reps']").fill("12")
        first.locator("input[name$='-effort']").fill("6")
        page.fill("[name=note]", "Godt humør")
        page.click("text=Gem session")
        page.wait_for_url("**/sessioner/**")
        text = page.locator("#note-text").input_value()
        assert "Fald: Snublede. Handling: Satte sig" in text
        assert "ikke udført" in text
        assert "anstrengelse 6/10" in text
        page.click("text=Kopiér til journal")
        page.wait_for_function(
            "document.querySelector('[data-copy-status]').textContent.length > 0"
        )
        assert "Kopieret" in page.locator("[data-copy-status]").inner_text()
        assert page.evaluate("navigator.clipboard.readText()") == text
        assert not problems, problems
        browser.close()


def test_the_session_log_without_javascript(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_context(locale="da-DK").new_page()
        _sign_in(page, server)
        _patient_with_plan(page, server)
        patient_page = page.url
        scripted = browser.new_context(locale="da-DK", java_script_enabled=False)
        scripted.add_cookies(page.context.cookies())
        bare = scripted.new_page()
        bare.goto(patient_page)
        bare.click("text=Log træning >> nth=0")
        # "Ret" works by CSS alone; one entry changed, the rest as prescribed.
        entry = bare.locator("[data-entry]").first
        entry.locator("label.seg__opt--changed").click()
        entry.locator("input[name$='-sets']").fill("25")
        bare.click("text=Gem session")
        assert "Sæt skal være et helt tal fra 1 til 20." in bare.content()
        assert (
            bare.locator("[data-entry]").first.locator("input[name$='-sets']").input_value() == "25"
        )
        bare.locator("[data-entry]").first.locator("input[name$='-sets']").fill("3")
        bare.click("text=Gem session")
        assert "/sessioner/" in bare.url
        assert "3 × " in bare.locator("#note-text").input_value()
        browser.close()

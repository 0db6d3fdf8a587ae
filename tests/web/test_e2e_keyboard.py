"""The keyboard alone (Tab, Shift+Tab, arrow keys, Space, Enter; no mouse, no filling of fields
the keyboard has not reached) completes an assessment, an override and a plan edit, in a real
browser against the real server. Every control it stops at shows where the focus is.

Only the setup of the clinic and the patient use Playwright's form filling: they are the ground
the keyboard pass stands on, not part of it; reaching a page is a page.goto (an address typed).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import launch, server, set_up_clinic

__all__ = ["server"]  # the fixture, used by the test below

pytestmark = pytest.mark.e2e

FOCUSED = "s => document.activeElement && document.activeElement.matches(s)"
# Something must show where the focus is: an outline (the app's focus ring) or a box shadow.
FOCUS_SHOWN = """() => { const cs = getComputedStyle(document.activeElement);
  return (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0)
    || cs.boxShadow !== "none"; }"""


def tab_to(page: Any, selector: str, *, back: bool = False, limit: int = 250) -> None:
    """Tab (or Shift+Tab) until the focus is on `selector`; fail if the keys cannot get there."""
    for _ in range(limit):
        if page.evaluate(FOCUSED, selector):
            assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {selector}"
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} is not reachable with {'Shift+Tab' if back else 'Tab'}")


def choose(page: Any, selector: str, value: str) -> None:
    """Tab to a <select> and pick `value` with the arrow keys (it stays closed, as with a key)."""
    tab_to(page, selector)
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(12):
            if page.evaluate("s => document.querySelector(s).value", selector) == value:
                return
            page.keyboard.press(key)
    raise AssertionError(f"{value} not reached with the arrow keys in {selector}")


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_assessment_override_and_plan_edit_by_keyboard(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="da-DK")
        page.set_default_timeout(15_000)
        set_up_clinic(page, server)
        page.goto(server + "/patienter/ny/")
        page.fill("[name=name]", "Gerda Tastesen")
        page.fill("[name=birth_date]", "1949-11-30")
        page.select_option("[name=sex]", "female")
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Gerda Tastesen")

        # From the patient page to the assessment form: Tab to the link, Enter.
        page.keyboard.press("Tab")
        tab_to(page, "main a[href$='/vurdering/']")
        page.keyboard.press("Enter")
        page.wait_for_selector("#assessment-form")

        # The assessment, field by field in the order Tab reaches them.
        prefix = "#assessment-form [name=function__"
        choose(page, prefix + "walking_aid]", "none")
        choose(page, prefix + "needs_help_daily_activities]", "false")
        choose(page, prefix + "sedentary_due_to_disease]", "false")
        type_into(page, prefix + "training_days_per_week]", "3")
        type_into(page, prefix + "training_months]", "24")
        choose(page, prefix + "everyday_activity]", "active")
        choose(page, prefix + "new_sudden_back_pain]", "false")
        choose(page, prefix + "neurological_symptoms]", "false")
        type_into(page, "#assessment-form [name=tests__tug_s]", "8,5")
        # The fracture history is reviewed: Space ticks the box.
        tab_to(page, "#assessment-form [name=fractures_recorded]")
        page.keyboard.press("Space")
        assert page.locator("[name=fractures_recorded]").is_checked()
        bar = page.locator(".result-panel .result-bar")
        expect(bar).to_contain_text("Træningsaktiv")

        # The override: another category, saved without a reason first (the form says so).
        choose(page, "#assessment-form [name=final_category]", "hverdagsaktiv_med_hensyn")
        tab_to(page, "#assessment-form [data-save], #assessment-form .button--primary[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator("body")).to_contain_text("Skriv en begrundelse")
        expect(page.locator("[name=function__training_months]")).to_have_value("24")
        # Back from the save button to the reason with Shift+Tab, then forward again.
        page.keyboard.press("Tab")
        tab_to(page, "#assessment-form .button--primary[type=submit]")
        tab_to(page, "#assessment-form [name=override_reason]", back=True)
        page.keyboard.type("Træner kun let; starter forsigtigt.")
        tab_to(page, "#assessment-form .button--primary[type=submit]")
        page.keyboard.press("Space")
        expect(page.locator("body")).to_contain_text("Vurderingen er gemt")
        expect(page.locator("body")).to_contain_text("Træner kun let; starter forsigtigt.")

        # The plan edit: to the plan, open "Ret dosis" with Enter, type the sets, save with Space.
        page.keyboard.press("Tab")
        tab_to(page, "main a[href*='/planer/']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/planer/**")
        plan_url = page.url
        page.keyboard.press("Tab")
        tab_to(page, "details.dose-edit > summary")
        page.keyboard.press("Enter")
        dose = page.locator("details.dose-edit[open]").first
        expect(dose).to_have_count(1)
        sets = dose.locator("[name=sets]")
        sets_id = sets.get_attribute("id")
        type_into(page, f"#{sets_id}", "4")
        tab_to(page, "details.dose-edit[open] .dose-form button[type=submit]")
        page.keyboard.press("Space")
        expect(page.locator("body")).to_contain_text("Dosis er gemt")
        page.goto(plan_url)
        expect(page.locator(f"#{sets_id}")).to_have_value("4")
        browser.close()

"""The plan page in a real browser: a dose change, a removal and an addition update in place
(htmx), with no page load and no jump back to the top."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import launch, server, set_up_clinic

__all__ = ["server"]  # the fixture, used by the test below

pytestmark = pytest.mark.e2e


def _patient_with_plan(p: Any, server: str) -> None:
    """A new patient's first assessment saved; ends on its plan page."""
    p.goto(server + "/patienter/ny/")
    p.fill("[name=name]", "Karen Krog")
    p.fill("[name=birth_date]", "1955-05-05")
    p.select_option("[name=sex]", "female")
    p.click("main button[type=submit]")
    p.click("text=Ny vurdering >> nth=0")
    form = p.locator("#assessment-form")
    form.locator("[name=function__walking_aid]").select_option("none")
    form.locator("[name=function__needs_help_daily_activities]").select_option("false")
    form.locator("[name=function__sedentary_due_to_disease]").select_option("false")
    form.locator("[name=function__training_days_per_week]").fill("3")
    form.locator("[name=function__training_months]").fill("24")
    form.locator("[name=function__everyday_activity]").select_option("active")
    form.locator("[name=function__new_sudden_back_pain]").select_option("false")
    form.locator("[name=function__neurological_symptoms]").select_option("false")
    form.locator("[name=risk_factors__falls_last_12_months]").fill("0")
    form.locator("[name=fractures_recorded]").check()  # reviewed: no fractures
    p.click("text=Gem vurdering")
    p.wait_for_url("**/vurderinger/**")
    p.click("a[href*='/planer/'] >> nth=0")


def test_plan_edits_update_in_place_without_jumping_to_the_top(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 600}, locale="da-DK")
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        set_up_clinic(page, server)
        _patient_with_plan(page, server)
        expect(page.locator("#plan-body")).to_be_visible()
        # A marker on the window: a full page load would lose it.
        page.evaluate("window.__noReload = true")
        loads: list[str] = []
        page.on("framenavigated", lambda f: loads.append(f.url) if f == page.main_frame else None)

        # 1. Dose: in the last row of the plan, well below the top.
        row = page.locator("#plan-body tr[id^=item-]").last
        row_id = row.get_attribute("id")
        row.locator("summary").click()
        row.scroll_into_view_if_needed()
        before = page.evaluate("window.scrollY")
        assert before > 0, "the plan must be long enough to scroll"
        row.locator("[name=sets]").fill("4")
        row.locator(".dose-form button[type=submit]").click()
        expect(page.locator("#plan-status")).to_contain_text("Dosis er gemt")
        expect(page.locator(f"#{row_id} .dose-cell")).to_contain_text("4")
        assert page.evaluate("window.scrollY") > 0
        assert abs(page.evaluate("window.scrollY") - before) < 200
        # Focus stays on the edited row. It moves once htmx has settled the swap, which can be a
        # moment after the status text shows: wait for it (fails after the default timeout).
        expect(page.locator(f"#{row_id}:focus-within")).to_have_count(1)
        version = page.locator("#plan-body input[name=version]").first.input_value()
        assert page.locator(f"#plan-body input[name=version][value='{version}']").count() == (
            page.locator("#plan-body input[name=version]").count()
        )

        # 2. Remove that row (the confirmation is accepted).
        page.once("dialog", lambda d: d.accept())
        page.locator(f"#{row_id} form.inline-form button").click()
        expect(page.locator("#plan-status")).to_contain_text("Øvelsen er fjernet")
        expect(page.locator(f"#{row_id}")).to_have_count(0)
        assert page.evaluate("window.scrollY") > 0

        # 3. Add an exercise from the add form at the bottom.
        add = page.locator("form.add-form")
        add.scroll_into_view_if_needed()
        add.locator("[name=exercise]").select_option(index=1)
        add.locator("button[type=submit]").click()
        expect(page.locator("#plan-status")).to_contain_text("Øvelsen er tilføjet")
        assert page.evaluate("window.scrollY") > 0

        # A second dose edit after the others is not a conflict with itself.
        first = page.locator("#plan-body tr[id^=item-]").first
        first.locator("summary").click()
        first.locator("[name=sets]").fill("2")
        first.locator(".dose-form button[type=submit]").click()
        expect(page.locator("#plan-status")).to_contain_text("Dosis er gemt")
        expect(page.locator(".conflict")).to_have_count(0)

        assert page.evaluate("window.__noReload === true"), "a full page load happened"
        assert loads == []
        page.screenshot(path=tmp_path / "plan-inplace.png", full_page=False)
        browser.close()
    assert errors == []

"""End to end in a real browser (Debian's Chromium driven by Playwright): the whole clinical flow
from first setup to the follow-up chart, against the real server, with screenshots in docs/."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.web.browser import PASSWORD, fill_assessment, launch, server

__all__ = ["server"]  # the fixture, used by the test below

pytestmark = pytest.mark.e2e

# Screenshots go to a temporary folder; `OSTEOFYS_SCREENSHOTS=docs/screenshots make test` refreshes
# the committed ones in docs/.
SHOTS_ENV = "OSTEOFYS_SCREENSHOTS"


def test_clinical_flow_in_a_real_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="da-DK")
        page.set_default_timeout(15_000)
        # A script or style the Content-Security-Policy blocks shows up as a console error.
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

        # 1. Setup: the first page of a fresh install.
        page.goto(server + "/")
        expect(page).to_have_url(server + "/konto/setup/")
        page.fill("[name=clinic_name]", "Fysioterapi Østerbro")
        page.fill("[name=full_name]", "Søren Ærø")
        page.fill("[name=username]", "soeren")
        page.fill("[name=password1]", PASSWORD)
        page.fill("[name=password2]", PASSWORD)
        page.screenshot(path=shots / "01-setup.png", full_page=True)
        page.click("main button[type=submit]")
        expect(page.locator("body")).to_contain_text("Fysioterapi Østerbro")

        # 2. Log out and in again.
        page.click("form.logout button")
        expect(page).to_have_url(server + "/konto/login/")
        page.fill("[name=username]", "soeren")
        page.fill("[name=password]", PASSWORD)
        page.screenshot(path=shots / "02-login.png", full_page=True)
        page.click("main button[type=submit]")
        expect(page).to_have_url(server + "/patienter/")

        # 3. New patient.
        page.click("text=Ny patient")
        page.fill("[name=name]", "Birthe Mølgaard")
        page.fill("[name=birth_date]", "1960-02-03")
        page.select_option("[name=sex]", "female")
        page.fill("[name=height_cm]", "165")
        page.fill("[name=weight_kg]", "65")
        page.fill("[name=cpr]", "030260-1234")
        page.screenshot(path=shots / "03-new-patient.png", full_page=True)
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Birthe Mølgaard")
        assert "0302601234" not in page.url
        assert "1234" not in page.content().replace("030260-****", "")

        # 4. Assessment with the live result.
        page.click("text=Ny vurdering >> nth=0")
        form = page.locator("#assessment-form")
        fill_assessment(form)
        result = page.locator("#result")
        expect(result).to_contain_text("Træningsaktiv med hensyn")
        expect(result).to_contain_text("Akut fase")
        page.screenshot(path=shots / "04-assessment-live.png", full_page=True)

        # Bad input is shown inline in Danish, and nothing typed is lost.
        form.locator("[name=tests__tug_s]").fill("500")
        form.locator("[name=tests__tug_s]").blur()
        expect(result).to_contain_text("3–120")
        form.locator("[name=tests__tug_s]").fill("8,5")
        form.locator("[name=tests__tug_s]").blur()
        expect(result).to_contain_text("Træningsaktiv med hensyn")

        # 5. Override: choosing another category needs a reason.
        form.locator("[name=final_category]").select_option("hverdagsaktiv_med_hensyn")
        page.click("text=Gem vurdering")
        expect(page.locator("body")).to_contain_text("Skriv en begrundelse")
        expect(page.locator("[name=function__training_months]")).to_have_value("24")
        page.fill("[name=override_reason]", "Træner kun let efter bruddet; starter forsigtigt.")
        page.click("text=Gem vurdering")
        expect(page.locator("body")).to_contain_text("Vurderingen er gemt")
        expect(page.locator("body")).to_contain_text("Træner kun let efter bruddet")
        page.screenshot(path=shots / "05-override.png", full_page=True)

        # 6. Plan edit: change a dose, remove an exercise, add one.
        page.click("a[href*='/planer/'] >> nth=0")
        expect(page.locator("h1")).to_contain_text("plan", ignore_case=True)
        first = page.locator("details.dose-edit").first
        first.locator("summary").click()
        first.locator("[name=sets]").fill("3")
        first.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("Dosis er gemt")
        page.once("dialog", lambda d: d.accept())
        page.locator("form.inline-form button").first.click()
        expect(page.locator("body")).to_contain_text("Øvelsen er fjernet")
        add = page.locator("form.add-form")
        add.locator("[name=exercise]").select_option(index=1)
        add.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("Øvelsen er tilføjet")
        # Issue 15 item 4: in the acute phase a heavy exercise is capped by load; it is added
        # only with the recorded confirmation and reason.
        page.click("text=Vis alle øvelser")
        add = page.locator("form.add-form")
        add.locator("[name=exercise]").select_option("goblet_squat")
        expect(add.locator("option[value=goblet_squat]")).to_contain_text("bryder et hensyn")
        add.locator("[name=confirm]").check()
        add.locator("[name=precaution_note]").fill("Vant til vægte før bruddet; let vægt.")
        add.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("Øvelsen er tilføjet")
        expect(page.locator("body")).to_contain_text("Tilføjet trods hensyn")
        expect(page.locator("body")).to_contain_text("Planens opbygning")
        page.screenshot(path=shots / "06-plan-edit.png", full_page=True)

        # 7. Re-test.
        page.goto(server + "/patienter/")
        page.click("text=Birthe Mølgaard")
        page.select_option("[name=test]", "tug_s")
        page.fill("[name=date]", date.today().isoformat())
        page.fill("[name=value]", "14,8")
        page.click("text=Gem gentest")
        expect(page.locator("body")).to_contain_text("Gentest er gemt")
        page.screenshot(path=shots / "07-retest.png", full_page=True)

        # 8. Chart: TUG over time, with the cut-off line and the change since last time.
        chart = page.locator("[data-chart]").first
        expect(chart.locator("canvas")).to_have_count(1)
        expect(page.locator("body")).to_contain_text("6,3")  # 14,8 − 8,5
        chart.scroll_into_view_if_needed()
        page.screenshot(path=shots / "08-chart.png", full_page=True)
        browser.close()
    assert console_errors == []

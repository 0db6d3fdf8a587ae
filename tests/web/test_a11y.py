"""Accessibility and layout as a test: axe-core (vendored, pinned) on every page of the workflow at
desktop, tablet and phone width, no sideways scrolling on a phone, no clipped text in the live
result, the result summary in sight while typing, and a live region that speaks only of changes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    PASSWORD,
    USERNAME,
    WIDTHS,
    fill_assessment,
    launch,
    server,
    set_up_clinic,
)

__all__ = ["server"]  # the fixture, used by the tests below

pytestmark = pytest.mark.e2e

AXE_VERSION = "4.14.1"
AXE = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
HEIGHTS = {1280: 800, 768: 1024, 640: 400, 390: 844}
# 200 % zoom on a 1280 × 800 screen: the page lays out at 640 × 400 CSS pixels.
ZOOM_200 = 640
SHOTS_ENV = "OSTEOFYS_SCREENSHOTS"

# One script for the layout checks, run in the page. `clipRoot`: where to look for clipped text.
# An element is clipped when its content is wider than its box and its overflow hides or scrolls
# the rest (or, vertically, hides it); `overflow: visible` spilling over a neighbour counts too
# for elements that hold text themselves.
LAYOUT_JS = """
(clipRoot) => {
  const doc = document.documentElement;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    for (const c of el.classList) s += "." + c;
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    return text ? `${s} “${text}”` : s;
  };
  const visible = (el) => {
    const cs = getComputedStyle(el);
    return cs.display !== "none" && cs.visibility !== "hidden" && el.getClientRects().length > 0;
  };
  const wide = [];
  if (doc.scrollWidth > doc.clientWidth) {
    for (const el of document.body.querySelectorAll("*")) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1) {
        // Report the outermost culprits only.
        if (!wide.some((w) => w.el.contains(el))) wide.push({el, right: Math.round(r.right)});
      }
    }
  }
  const clipped = [];
  if (clipRoot) {
    for (const root of document.querySelectorAll(clipRoot)) {
      for (const el of [root, ...root.querySelectorAll("*")]) {
        // Visually hidden text (1 × 1 px, for screen readers) is meant to be out of sight.
        if (!visible(el) || el.clientWidth <= 1) continue;
        const cs = getComputedStyle(el);
        const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const hidesX = cs.overflowX !== "visible" || cs.textOverflow === "ellipsis";
        const hidesY = cs.overflowY === "hidden" || cs.overflowY === "clip";
        if (el.scrollWidth > el.clientWidth + 1 && (hidesX || ownText)) {
          clipped.push(`${name(el)}: content ${el.scrollWidth}px in a ${el.clientWidth}px box`);
        } else if (hidesY && el.scrollHeight > el.clientHeight + 1) {
          clipped.push(`${name(el)}: content ${el.scrollHeight}px high in ${el.clientHeight}px`);
        }
      }
    }
  }
  return {
    scrollWidth: doc.scrollWidth,
    clientWidth: doc.clientWidth,
    wide: wide.slice(0, 5).map((w) => `${name(w.el)} (right edge ${w.right}px)`),
    clipped,
  };
}
"""

AXE_JS = """
async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + (n.failureSummary
        ? " – " + n.failureSummary.split("\\n").slice(1, 2).join(" ").trim() : "")),
      count: v.nodes.length,
    }));
}
"""


class Audit:
    """Collects every problem on every page and width, so one run lists them all."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        self.pages: list[str] = []
        self.axe_seconds = 0.0

    def width(self, width: int) -> None:
        self.page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        # Two frames: the new width is laid out (and charts have redrawn) before anything is read.
        self.page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )

    def check(self, label: str, *, clip: str | None = None) -> None:
        """axe-core, sideways scrolling and (under `clip`) clipped text at every width."""
        self.pages.append(label)
        # Wait for htmx (the live result) and for scripts that build the page (the API docs).
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')")
        for width in WIDTHS:
            self.width(width)
            start = time.monotonic()
            for v in self.page.evaluate(AXE_JS):
                more = f" (+{v['count'] - 4} more)" if v["count"] > 4 else ""
                nodes = "; ".join(v["nodes"]) + more
                self.problems.append(
                    f"{label} @ {width}px: axe {v['impact']} {v['id']} – {v['help']}: {nodes}"
                )
            self.axe_seconds += time.monotonic() - start
            layout = self.page.evaluate(LAYOUT_JS, clip)
            if layout["scrollWidth"] > layout["clientWidth"]:
                self.problems.append(
                    f"{label} @ {width}px: scrolls sideways (page {layout['scrollWidth']}px wide "
                    f"in {layout['clientWidth']}px): " + "; ".join(layout["wide"])
                )
            for c in layout["clipped"]:
                self.problems.append(f"{label} @ {width}px: clipped text: {c}")
        self.width(WIDTHS[0])

    def goto(self, url: str, label: str, **kwargs: Any) -> None:
        self.page.goto(url)
        self.check(label, **kwargs)


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_every_page_at_every_width(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = _shots(tmp_path)
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = launch(pw)
        # Reduced motion: no fading in the middle of a contrast check.
        context = browser.new_context(locale="da-DK", reduced_motion="reduce")
        # Injected by the browser, so the Content-Security-Policy (no inline scripts) allows it.
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.set_default_timeout(15_000)
        audit = Audit(page)
        audit.width(WIDTHS[0])

        audit.goto(server + "/konto/setup/", "setup")
        set_up_clinic(page, server)
        audit.check("patient list (empty)")

        audit.goto(server + "/patienter/ny/", "patient form")
        page.click("main button[type=submit]")
        audit.check("patient form with errors")
        page.fill("[name=name]", "Birthe Mølgaard")
        page.fill("[name=birth_date]", "1960-02-03")
        page.select_option("[name=sex]", "female")
        page.fill("[name=height_cm]", "165")
        page.fill("[name=weight_kg]", "65")
        page.fill("[name=cpr]", "030260-1234")
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Birthe Mølgaard")
        patient_url = page.url
        audit.check("patient page (new)")

        # The assessment form with the live result.
        page.click("text=Ny vurdering >> nth=0")
        form = page.locator("#assessment-form")
        result = page.locator("#result")
        fill_assessment(form)
        expect(result).to_contain_text("Træningsaktiv med hensyn")
        expect(result).to_contain_text("Akut fase")
        audit.check("assessment form with live result", clip=".result-panel")
        for width in WIDTHS:
            audit.width(width)
            form.locator("[name=tests__tandem_stance_s]").scroll_into_view_if_needed()
            form.locator("[name=tests__tandem_stance_s]").focus()
            page.screenshot(path=shots / f"2{WIDTHS.index(width)}-assessment-{width}.png")
        audit.width(WIDTHS[0])
        # The longest category name must fit too.
        form.locator("[name=function__sedentary_due_to_disease]").select_option("true")
        expect(result).to_contain_text("Funktionsbegrænset/stillesiddende")
        audit.check("assessment form, longest category", clip=".result-panel")
        form.locator("[name=function__sedentary_due_to_disease]").select_option("false")
        form.locator("[name=tests__tug_s]").fill("500")
        form.locator("[name=tests__tug_s]").blur()
        expect(result).to_contain_text("3–120")
        audit.check("assessment form with an error in the live result", clip=".result-panel")
        form.locator("[name=tests__tug_s]").fill("8,5")
        form.locator("[name=tests__tug_s]").blur()
        expect(result).to_contain_text("Træningsaktiv med hensyn")
        form.locator("[name=final_category]").select_option("hverdagsaktiv_med_hensyn")
        page.click("text=Gem vurdering")
        expect(page.locator("body")).to_contain_text("Skriv en begrundelse")
        audit.check("assessment form with an error after saving", clip=".result-panel")
        page.fill("[name=override_reason]", "Træner kun let efter bruddet; starter forsigtigt.")
        page.click("text=Gem vurdering")
        expect(page.locator("body")).to_contain_text("Vurderingen er gemt")
        assessment_url = page.url
        audit.check("assessment page (saved, overridden)", clip="#result")

        audit.goto(assessment_url + "beslutning/", "override (decision page)")
        audit.goto(assessment_url + "laegebrev/", "GP letter")

        page.goto(assessment_url)
        page.click("a[href*='/planer/'] >> nth=0")
        audit.check("plan")
        # Issue 15: the acute plan with how it is built (slots), at every width.
        page.locator("details.plan-slots summary").click()
        audit.check("plan with its slots open")
        for width in WIDTHS:
            audit.width(width)
            page.screenshot(path=shots / f"3{WIDTHS.index(width)}-plan-{width}.png", full_page=True)
        audit.width(WIDTHS[0])
        page.locator("details.dose-edit summary").first.click()
        audit.check("plan with the dose form open")

        audit.goto(server + "/oevelser/", "exercise library")
        page.click(".exercise-card h3 a >> nth=0")
        audit.check("exercise detail")

        page.goto(patient_url)
        page.click("main button:has-text('Gem gentest')")
        audit.check("re-test with an error")
        page.select_option("[name=test]", "tug_s")
        page.fill("[name=value]", "14,8")
        page.click("main button:has-text('Gem gentest')")
        expect(page.locator("body")).to_contain_text("Gentest er gemt")
        audit.check("patient page with re-test and chart")
        audit.goto(patient_url + "slet/", "delete patient (confirm)")

        audit.goto(server + "/patienter/", "patient list")
        audit.goto(server + "/konto/users/", "users")
        audit.goto(server + "/konto/users/new/", "new user form")
        audit.goto(server + "/konto/tokens/", "API tokens")
        page.fill("[name=name]", "Journal")
        page.click("main form.stack button[type=submit]")
        audit.check("API tokens with a new token")
        audit.goto(server + "/konto/to-faktor/", "two-factor login")
        audit.goto(server + "/konto/adgangskode/", "change password")
        audit.goto(server + "/audit/", "access log")
        page.goto(server + "/api/v1/docs")
        page.wait_for_selector(".opblock")
        audit.check("API docs")
        if _clinic_settings_url():
            audit.goto(server + _clinic_settings_url(), "clinic settings")
        assert page.goto(server + "/findes-ikke/").status == 404
        audit.check("404")

        page.click("form.logout button")
        expect(page).to_have_url(server + "/konto/login/")
        audit.check("login")
        page.fill("[name=username]", USERNAME)
        page.fill("[name=password]", "forkert")
        page.click("main button[type=submit]")
        audit.check("login with an error")
        # A form posted without its CSRF token: the 403 page.
        page.evaluate(
            "() => document.querySelector('main form [name=csrfmiddlewaretoken]').remove()"
        )
        page.fill("[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        expect(page.locator("body")).to_contain_text("403")
        audit.check("403 (form without its CSRF token)")
        browser.close()

    seconds = time.monotonic() - started
    print(
        f"\naxe-core {AXE_VERSION}: {len(audit.pages)} pages × {len(WIDTHS)} widths in "
        f"{seconds:.1f} s (axe {audit.axe_seconds:.1f} s)"
    )
    assert not audit.problems, f"{len(audit.problems)} problems:\n" + "\n".join(audit.problems)


def _clinic_settings_url() -> str | None:
    """The clinic settings page, once it exists (another part of issue 13 adds it)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("accounts:clinic_settings")
    except NoReverseMatch:
        return None


def _open_assessment(page: Any, server: str, name: str) -> None:
    """Logged in (setting the clinic up if this is the first test), a new patient, their form."""
    page.goto(server + "/konto/login/")
    if "/setup/" in page.url:
        set_up_clinic(page, server)
    elif "/login/" in page.url:
        page.fill("[name=username]", USERNAME)
        page.fill("[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(server + "/patienter/**")
    page.goto(server + "/patienter/ny/")
    page.fill("[name=name]", name)
    page.fill("[name=birth_date]", "1951-06-12")
    page.select_option("[name=sex]", "female")
    page.click("main button[type=submit]")
    page.click("text=Ny vurdering >> nth=0")
    page.wait_for_selector("#assessment-form")


def _live_update(page: Any, action: Any) -> None:
    """Do something in the form and wait until the live result has been redrawn."""
    with page.expect_response(lambda r: r.url.endswith("/vurdering/live/")):
        action()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


# Where the summary's parts are on screen, and whether something covers them or the focused field.
IN_VIEW_JS = """
() => {
  const bar = document.querySelector(".result-panel .result-bar");
  const parts = [bar.querySelector(".result-category__name"), ...bar.querySelectorAll(".flag")];
  const out = [];
  for (const el of parts) {
    const r = el.getBoundingClientRect();
    const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
    const inside = r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
    const top = document.elementFromPoint(x, y);
    if (!inside || !top || !el.contains(top)) out.push(`${el.textContent.trim()} not in sight`);
  }
  const f = document.activeElement.getBoundingClientRect();
  const hit = document.elementFromPoint(f.left + f.width / 2, f.top + f.height / 2);
  const name = document.activeElement.name;
  if (hit !== document.activeElement) out.push(`the focused ${name} is covered`);
  return out;
}
"""


def test_result_summary_stays_in_sight_while_typing(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(locale="da-DK", reduced_motion="reduce")
        page.set_default_timeout(15_000)
        _open_assessment(page, server, "Karen Holm")
        fill_assessment(page.locator("#assessment-form"))
        expect(page.locator(".result-bar")).to_contain_text("Træningsaktiv med hensyn")
        problems = []
        # Desktop, tablet, 200 % zoom on a 1280 × 800 screen, phone.
        for width in (1280, 768, ZOOM_200, 390):
            page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            field = page.locator("[name=tests__tandem_stance_s]")
            # Typed into the last test of the form, far below where the panel starts.
            field.focus()
            value = str(width % 50)  # a valid tandem stance time, different at each width
            _live_update(
                page,
                lambda v=value: (page.keyboard.press("Control+A"), page.keyboard.type(v)),
            )
            expect(page.locator(".result-bar")).to_contain_text("Træningsaktiv med hensyn")
            expect(page.locator(".result-bar")).to_contain_text("Akut fase: ja")
            expect(page.locator(".result-bar")).to_contain_text("Røde flag: ingen")
            expect(page.locator(".result-bar")).to_contain_text("Henvisning: anbefalet")
            problems += [f"{width}px: {p}" for p in page.evaluate(IN_VIEW_JS)]
            more = page.locator(".result-panel .result-more")
            if width <= 1100:
                # The bar alone; "Vis hele forslaget" opens the whole panel over the form.
                expect(more).to_be_hidden()
                page.locator(".result-toggle summary").click()
                expect(more).to_be_visible()
                expect(more).to_contain_text("Hvorfor")
                page.locator(".result-toggle summary").click()
                expect(more).to_be_hidden()
            else:
                expect(more).to_be_visible()
        browser.close()
    assert not problems, "\n".join(problems)


def test_live_region_announces_only_what_changed(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(locale="da-DK", viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)
        _open_assessment(page, server, "Lis Krogh")
        form = page.locator("#assessment-form")
        # The big panel is no live region, and holds no alert that is re-inserted on every update.
        assert page.locator("#result").get_attribute("aria-live") is None
        status = page.locator(".result-panel [role=status]")
        expect(status).to_have_count(1)
        fill_assessment(form)
        expect(page.locator(".result-bar")).to_contain_text("Træningsaktiv med hensyn")
        expect(status).to_have_text(
            "Forslag: Træningsaktiv med hensyn. Akut fase: ja. Ingen røde flag."
        )
        assert page.locator("#result [role=alert], #result [role=status]").count() == 0
        page.evaluate(
            """() => { window.announced = 0;
            new MutationObserver(() => window.announced++).observe(
              document.querySelector('.result-panel [role=status]'),
              {childList: true, characterData: true, subtree: true}); }"""
        )
        # A change that moves nothing in the summary: the panel is redrawn, nothing is said.
        months = form.locator("[name=function__training_months]")
        _live_update(page, lambda: (months.fill("30"), months.blur()))
        tug = form.locator("[name=tests__tug_s]")
        _live_update(page, lambda: (tug.fill("9"), tug.blur()))
        assert page.evaluate("window.announced") == 0
        # A new red flag is said, once.
        pain = form.locator("[name=function__new_sudden_back_pain]")
        _live_update(page, lambda: pain.select_option("true"))
        expect(status).to_contain_text("Rødt flag: Nye, pludselige rygsmerter")
        expect(page.locator(".result-bar")).to_contain_text("Røde flag: 1")
        expect(page.locator(".result-bar")).to_contain_text("Henvisning: akut")
        count = page.evaluate("window.announced")
        _live_update(page, lambda: (months.fill("31"), months.blur()))
        assert page.evaluate("window.announced") == count
        # A new category is said.
        pain.select_option("false")
        sedentary = form.locator("[name=function__sedentary_due_to_disease]")
        _live_update(page, lambda: sedentary.select_option("true"))
        expect(status).to_contain_text("Forslag: Funktionsbegrænset/stillesiddende")
        browser.close()

"""Issue 16's acceptance in Debian's Chromium, on a tablet (768 px): a therapist creates a class,
enrols two patients (each made through the pages, with an assessment and so a plan), enters the
start re-tests on the first session date, logs the first two sessions for both participants on
the day screen (attendance, then each one's exercises in turn; one of patient A's exercises with
every set at the top of its range, good technique and effort 6, both times), accepts the
progression suggestion that appears on A's plan page (the item changes, "Planens historik" keeps
the old dose), enters the end re-tests on the last session date and logs that session, and sees
on A's page the sessions a week and one change within measurement error (TUG 12,0 → 11,0 s,
MDC95 2,08 s) and one real improvement (5xSTS 16,0 → 12,0 s, MDC95 2,5 s). No console errors
and no sideways scrolling on any page visited (at 768 px, and at 1280 and 390 px where a
screenshot is taken).

The class's first session was 18 days ago and its last is today (the session log refuses future
dates; the end test day takes results from its own date on). The patients were assessed four
weeks ago, before the class began: the assessment form says so, and the plans' creation time
(set by the database, in no form) is moved back to the same day, so the patient page's adherence
weeks, which count from the plan's start, hold the class's sessions.

With OSTEOFYS_SCREENSHOTS=<dir> the test writes 40-session-log-768.png, 41-class-day-{768,1280,
390}.png and 42-adherence-{768,390}.png there (look at them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.browser import launch, run_server, set_up_clinic
from tests.web.test_a11y import HEIGHTS, LAYOUT_JS, SHOTS_ENV

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TIME_ZONE = ZoneInfo("Europe/Copenhagen")  # settings.TIME_ZONE: the server's "today"
CLASS_NAME = "Osteoporoseskole, e2e-holdet"
ANNE, BIRTHE = "Anne Abildgaard", "Birthe Bundgaard"
# "3 × 8–12 gentagelser, ...": the sets (when more than one) and the range of repetitions.
REPS_RANGE = re.compile(r"(?:(\d+) × )?(\d+)–(\d+) gentagelser")

BACKDATE = textwrap.dedent(
    """
    import sys
    from datetime import datetime, time
    import django
    django.setup()
    from django.utils import timezone
    from osteofys.web.records.models import Plan

    day = datetime.fromisoformat(sys.argv[1]).date()
    when = timezone.make_aware(datetime.combine(day, time(9, 0)))
    ids = [int(i) for i in sys.argv[2:]]
    assert Plan.objects.filter(pk__in=ids).update(created_at=when) == len(ids)
    """
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("training-data")


@pytest.fixture(scope="module")
def training_server(data_dir: Path) -> Iterator[str]:
    yield from run_server(data_dir)


def _today() -> date:
    return datetime.now(TIME_ZONE).date()


def _backdate_plans(data_dir: Path, day: date, plan_ids: list[str]) -> None:
    env = {
        **os.environ,
        "OSTEOFYS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "osteofys.web.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("OSTEOFYS_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", BACKDATE, day.isoformat(), *plan_ids],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]


class Visit:
    """The browser tab with its checks: console errors and sideways scrolling on every page."""

    def __init__(self, page: Any, server: str, shots: Path | None) -> None:
        self.page = page
        self.server = server
        self.shots = shots
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def width(self, width: int) -> None:
        if self.page.viewport_size["width"] == width:
            return
        self.page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        # The charts redraw 150 ms after the last resize (charts.js): wait for them.
        self.page.wait_for_timeout(400)

    def check(self, label: str) -> None:
        """No sideways scrolling at the current width (the page as it is now)."""
        self.page.wait_for_load_state("load")
        layout = self.page.evaluate(LAYOUT_JS, None)
        if layout["scrollWidth"] > layout["clientWidth"]:
            self.problems.append(
                f"{label} @ {self.page.viewport_size['width']}px: scrolls sideways (page "
                f"{layout['scrollWidth']}px wide in {layout['clientWidth']}px): "
                + "; ".join(layout["wide"])
            )

    def shot(self, name: str, *, at: int = 768, top: Any = None, bottom: Any = None) -> None:
        """A screenshot at `at` px: the whole page, or from `top`'s top to `bottom`'s bottom.

        The page is checked for sideways scrolling at that width too.
        """
        self.width(at)
        self.check(f"{name} @ {at}px")
        if self.shots is not None:
            path = self.shots / f"{name}-{at}.png"
            if top is None:
                self.page.screenshot(path=path, full_page=True)
            else:
                first, last = top.bounding_box(), bottom.bounding_box()
                assert first is not None
                assert last is not None
                scroll = self.page.evaluate("window.scrollY")
                y = max(0, first["y"] + scroll - 16)
                height = last["y"] + scroll + last["height"] + 16 - y
                clip = {"x": 0, "y": y, "width": at, "height": height}
                self.page.screenshot(path=path, full_page=True, clip=clip)
        self.width(768)


def _last_id(url: str) -> str:
    """The id at the end of a page's address (/patienter/12/ -> "12")."""
    return str(url).rstrip("/").rsplit("/", 1)[1]


def _patient_with_plan(v: Visit, name: str, born: str, assessed: date) -> tuple[str, str]:
    """A new patient and their first assessment, saved through the pages: (patient id, plan id)."""
    p = v.page
    p.goto(v.server + "/patienter/ny/")
    v.check("patient form")
    p.fill("[name=name]", name)
    p.fill("[name=birth_date]", born)
    p.select_option("[name=sex]", "female")
    p.click("main button[type=submit]")
    p.wait_for_url(re.compile(r"/patienter/\d+/$"))
    patient_id = _last_id(p.url)
    p.click("text=Ny vurdering >> nth=0")
    form = p.locator("#assessment-form")
    form.locator("[name=assessment_date]").fill(assessed.isoformat())
    form.locator("[name=function__walking_aid]").select_option("none")
    form.locator("[name=function__needs_help_daily_activities]").select_option("false")
    form.locator("[name=function__sedentary_due_to_disease]").select_option("false")
    form.locator("[name=function__training_days_per_week]").fill("2")
    form.locator("[name=function__training_months]").fill("24")
    form.locator("[name=function__everyday_activity]").select_option("active")
    form.locator("[name=function__new_sudden_back_pain]").select_option("false")
    form.locator("[name=function__neurological_symptoms]").select_option("false")
    form.locator("[name=risk_factors__falls_last_12_months]").fill("0")
    form.locator("[name=fractures_recorded]").check()  # reviewed: no fractures
    v.check("assessment form")
    p.click("text=Gem vurdering")
    p.wait_for_url("**/vurderinger/**")
    p.click("a[href*='/planer/'] >> nth=0")
    p.wait_for_url(re.compile(r"/planer/\d+/$"))
    v.check("plan page")
    plan_id = _last_id(p.url)
    return patient_id, plan_id


def _create_class(v: Visit, start: date, weekdays: list[int]) -> str:
    """Hold → Nyt hold: the class's page id."""
    p = v.page
    p.goto(v.server + "/")
    # At 768 px the main menu is behind "Menu".
    if not p.locator("nav.main-nav >> text=Hold").is_visible():
        p.click("summary.site-menu__toggle")
    p.click("nav.main-nav >> text=Hold")
    p.wait_for_url("**/hold/")
    v.check("class list")
    p.click("main >> text=Nyt hold")
    p.wait_for_url("**/hold/nyt/")
    p.fill("[name=name]", CLASS_NAME)
    for day in weekdays:
        p.check(f"[name=weekdays][value='{day}']")
    p.fill("[name=start_time]", "10:00")
    p.fill("[name=start_date]", start.isoformat())
    p.fill("[name=weeks]", "3")
    p.fill("[name=location]", "Træningssalen")
    v.check("class form")
    p.click("text=Opret hold")
    p.wait_for_url(re.compile(r"/hold/\d+/$"))
    return _last_id(p.url)


def _enrol(v: Visit, name: str) -> None:
    from playwright.sync_api import expect

    p = v.page
    p.fill("#enrol-search", name.split(maxsplit=1)[0])
    p.click("main form[role=search] button")
    p.locator(".candidate-list li", has_text=name).locator("button:has-text('Tilmeld')").click()
    expect(p.locator(".messages")).to_contain_text(f"{name} er tilmeldt holdet")
    v.check("class page")


def _test_day(v: Visit, results: dict[str, dict[str, str]]) -> None:
    """On a test day's page: type the results (patient id -> test -> value) and save them."""
    from playwright.sync_api import expect

    p = v.page
    v.check("test day")
    for patient_id, tests in results.items():
        for test, value in tests.items():
            p.fill(f"[name=t{patient_id}-{test}-value]", value)
    p.click("text=Gem testresultater")
    n = sum(len(t) for t in results.values())
    expect(p.locator(".messages")).to_contain_text(f"{n} testresultater er gemt")
    v.check("test day, saved")


def test_a_class_from_creation_to_retest_on_a_tablet(training_server: str, data_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    shots = Path(os.environ[SHOTS_ENV]) if os.environ.get(SHOTS_ENV) else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    today = _today()
    # Three weeks of two weekdays, three days apart, ending today: sessions 18, 14, 11, 7 and
    # 4 days ago and today. The first two are logged (the first is the start test day), and
    # today, the end test day.
    start = today - timedelta(days=20)
    other = (today.isoweekday() + 2) % 7 + 1
    weekdays = sorted({today.isoweekday(), other})
    first, second = today - timedelta(days=18), today - timedelta(days=14)
    assessed = today - timedelta(days=28)

    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(locale="da-DK", reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(15_000)
        v = Visit(page, training_server, shots)
        v.width(768)
        set_up_clinic(page, training_server)

        # 1-2. Two patients with plans; a class; both enrolled.
        anne, anne_plan = _patient_with_plan(v, ANNE, "1952-04-11", assessed)
        birthe, birthe_plan = _patient_with_plan(v, BIRTHE, "1949-09-23", assessed)
        _backdate_plans(data_dir, assessed, [anne_plan, birthe_plan])
        class_id = _create_class(v, start, weekdays)
        base = f"{training_server}/hold/{class_id}/"
        expect(page.locator(".messages")).to_contain_text("Holdet er oprettet")
        schedule = page.locator("ol.schedule > li")
        expect(schedule).to_have_count(6)
        expect(schedule.first).to_contain_text(f"{first.day}.")
        expect(schedule.last).to_contain_text("i dag")
        v.check("class page (new)")
        _enrol(v, ANNE)
        _enrol(v, BIRTHE)

        # 3. The first session date is a test day: the start re-tests for both.
        schedule.first.locator("a:has-text('Testdag')").click()
        page.wait_for_url(f"**/{first.isoformat()}/test/")
        expect(page.locator("h1")).to_contain_text("Testdag ved start")
        _test_day(
            v,
            {
                anne: {"tug_s": "12,0", "sit_to_stand_5x_s": "16,0"},
                birthe: {"tug_s": "10,5", "sit_to_stand_5x_s": "13,0"},
            },
        )

        # 4. A session date: attendance for the class, then each one's exercises in turn.
        # On the first two, Anne's first exercise with a range of repetitions at its top.
        chosen: dict[str, Any] = {}

        def log_day(day: date, *, top: bool, shot: str = "") -> None:
            page.goto(f"{base}{day.isoformat()}/")
            v.check("session day")
            page.click("button[name=alle]")
            expect(page.locator(".messages")).to_contain_text("Fremmøde er gemt (2 ændret)")
            expect(page.locator(f"#deltager-{anne}")).to_contain_text("Mødt")
            page.locator(f"#deltager-{anne} a:has-text('Log øvelser')").click()
            row = page.locator(f"#deltager-{anne}")
            expect(row.locator("[data-entry]").first).to_be_visible()
            if top and not chosen:
                for entry in row.locator("[data-entry]").all():
                    found = REPS_RANGE.search(entry.locator(".entry__dose").inner_text())
                    if found:
                        chosen.update(
                            id=entry.get_attribute("id"),
                            name=entry.locator(".entry__name").inner_text().strip(),
                            dose=found.group(0),
                            sets=found.group(1) or "1",
                            top=found.group(3),
                        )
                        break
                assert chosen, "no exercise of Anne's plan has a range of repetitions"
            if top:
                entry = row.locator(f"#{chosen['id']}")
                entry.locator("label.seg__opt--changed").click()
                expect(entry.locator("[data-entry-fields]")).to_be_visible()
                entry.locator("input[name$='-sets']").fill(chosen["sets"])
                entry.locator("input[name$='-reps']").fill(chosen["top"])
                entry.locator("input[name$='-effort']").fill("6")
                entry.locator("input[name$='-pain_during']").fill("0")
                entry.locator("input[name$='-pain_next_day']").fill("0")
                entry.locator("[data-entry-fields] label.seg__opt:has-text('God')").click()
            v.check("session day, Anne's log open")
            if shot:
                v.shot(shot)
            row.locator(f"button:has-text('Gem, og videre til {BIRTHE}')").click()
            expect(page.locator(".messages")).to_contain_text(f"Gemt for {ANNE}")
            # Birthe's log is open next: everything as prescribed, one tap.
            expect(page.locator(f"#deltager-{birthe} [data-entry]").first).to_be_visible()
            v.check("session day, Birthe's log open")
            page.locator(f"#deltager-{birthe} button[type=submit]").click()
            expect(page.locator(".messages")).to_contain_text(f"Gemt for {BIRTHE}")
            for pid in (anne, birthe):
                expect(page.locator(f"#deltager-{pid}")).to_contain_text("øvelser udført")
                expect(page.locator(f"#deltager-{pid}")).to_contain_text("Journalnotat")
            v.check("session day, both logged")

        log_day(first, top=True, shot="40-session-log")
        log_day(second, top=True)

        # 5. Anne's plan page: the suggestion for that exercise, accepted.
        page.goto(f"{training_server}/planer/{anne_plan}/")
        v.check("plan page with a suggestion")
        item_id = chosen["id"].rsplit("-e", 1)[1]
        card = page.locator(f"#suggestion-{item_id}")
        expect(card).to_be_visible()
        step = card.locator(".progression-step").inner_text().strip()
        assert step in ("Mere belastning", "Næste niveau"), step
        before = page.locator(f"#item-{item_id}").inner_text()
        card.locator("button:has-text('Acceptér')").click()
        expect(page.locator("#plan-status")).to_contain_text("Forslaget er accepteret")
        expect(page.locator(f"#suggestion-{item_id}")).to_have_count(0)
        history = page.locator("#plan-history")
        expect(history).to_be_visible()
        expect(history).to_contain_text("Accepteret")
        expect(history.locator("tbody tr")).to_have_count(1)
        expect(history.locator(".history-side").first).to_contain_text(chosen["name"])
        v.check("plan page after accepting")
        after = page.locator(f"#item-{item_id}")
        # The plan item changed; the history keeps what it was.
        assert after.inner_text() != before
        if step == "Næste niveau":
            expect(after).not_to_contain_text(chosen["name"])
        expect(history.locator(".history-side").first).to_contain_text(chosen["dose"])

        # 6. The last session date (today) is the end test day: Anne's re-tests.
        page.goto(base)
        v.check("class page")
        schedule.last.locator("a:has-text('Testdag')").click()
        page.wait_for_url(f"**/{today.isoformat()}/test/")
        expect(page.locator("h1")).to_contain_text("Testdag ved slut")
        _test_day(v, {anne: {"tug_s": "11,0", "sit_to_stand_5x_s": "12,0"}})
        # And today's session, as prescribed for both.
        log_day(today, top=False)
        for width in (768, 1280, 390):
            v.shot("41-class-day", at=width)

        # Anne's page: the training block, and each re-test judged against its MDC95.
        page.goto(f"{training_server}/patienter/{anne}/")
        v.check("patient page")
        training = page.locator("section.training")
        expect(training.locator(".training-weeks")).to_be_visible()
        supervised = training.locator(".training-weeks tbody tr > td:nth-of-type(1)")
        counts = [int(t.split()[0]) for t in supervised.all_inner_texts()]
        assert sum(counts) == 3, counts  # the three class sessions logged
        tug = page.locator("figure.chart-card", has=page.locator("h3", has_text="Timed Up"))
        sts = page.locator("figure.chart-card", has=page.locator("h3", has_text="rejse-sætte-sig"))
        expect(tug.locator(".retest-change")).to_contain_text("12 → 11")
        expect(tug.locator(".verdict--within_error")).to_have_text(
            "Inden for måleusikkerheden (MDC95 2,08 s)"
        )
        expect(sts.locator(".retest-change")).to_contain_text("16 → 12")
        expect(sts.locator(".verdict--better")).to_have_text("Reel forbedring")
        charts = page.locator("section[aria-labelledby=charts-title]")
        for width in (768, 390):
            v.shot("42-adherence", at=width, top=training, bottom=charts)
        browser.close()
    assert time.monotonic() - started < 120, "the test takes too long"
    assert not v.problems, "\n".join(v.problems)

"""The class screens in Debian's Chromium: the class page, a session day (attendance, one
participant's log open), the test day, at desktop, tablet and phone width: axe-core, no sideways
scrolling, and a therapist at 768 px marking attendance and logging a participant with one tap.

Screenshots go to OSTEOFYS_SCREENSHOTS when it is set (look at them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import WIDTHS, launch, run_server, set_up_clinic
from tests.web.test_a11y import AXE, SHOTS_ENV, Audit

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

# Run in the server's data directory: 12 patients with plans and one without, a class that has a
# session today (its first and test day two weeks ago), and attendance on the first day.
SEED = textwrap.dedent(
    """
    import django
    django.setup()
    from datetime import time, timedelta
    from django.contrib.auth.models import User
    from django.utils import timezone
    from osteofys.web.classes import selectors, services
    from osteofys.web.records.selectors import plan_current
    from tests.web.conftest import make_assessment, make_patient

    user = User.objects.get(username="soeren")
    clinic = user.profile.clinic
    clinic.address, clinic.phone = "Østerbrogade 10, 2100 København Ø", "35 12 34 56"
    clinic.save()
    today = timezone.localdate()
    other = (today.isoweekday() + 2) % 7 + 1
    c = services.class_create(clinic=clinic, user=user, data={
        "name": "Osteoporoseskole, tirsdagsholdet", "therapist": user,
        "weekdays": sorted({today.isoweekday(), other}), "start_time": time(10, 0),
        "start_date": today - timedelta(days=14), "weeks": 6,
        "location": "Træningssalen, 1. sal"})
    names = ["Anne Andersen", "Bent Bentsen", "Birthe Kjær-Sørensen", "Dorte Dahl",
             "Else Marie Østergaard-Christiansen", "Finn Frederiksen", "Grethe Gram",
             "Hanne Holm", "Inger Iversen", "Jytte Juhl", "Karen Krogh", "Lis Lund"]
    people = []
    for name in names:
        p = make_patient(clinic, name)
        make_assessment(p, user)
        people.append(p)
    people.append(make_patient(clinic, "Mogens Madsen"))
    for p in people:
        services.enrolment_create(training_class=c, patient=p)
    first = selectors.class_dates(c)[0]
    services.attendance_save(training_class=c, user=user, day=first, choices=[
        services.AttendanceChoice(p, plan_current(p), "attended" if i % 4 else "excused", None)
        for i, p in enumerate(people[:12])])
    services.test_day_save(user=user, day=first, entries=[
        services.RetestEntry(people[0], "tug_s", 11.2, False),
        services.RetestEntry(people[1], "sit_to_stand_5x_s", None, True)])
    print(c.pk, first.isoformat(), today.isoformat(), people[0].pk, people[1].pk)
    """
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classes-data")


@pytest.fixture(scope="module")
def class_server(data_dir: Path) -> Iterator[str]:
    yield from run_server(data_dir)


def _seed(data_dir: Path) -> list[str]:
    env = {
        **os.environ,
        "OSTEOFYS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "osteofys.web.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("OSTEOFYS_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", SEED], check=False, env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _snap(audit: Audit, page: Any, shots: Path, name: str) -> None:
    """The whole page at each width, and (to look at closely) its first screens at 768 and 390."""
    for width in WIDTHS:
        audit.width(width)
        page.screenshot(path=shots / f"class-{name}-{width}.png", full_page=True)
        if width != WIDTHS[0] and os.environ.get(SHOTS_ENV):
            height = page.evaluate("() => document.documentElement.scrollHeight")
            for n, top in enumerate(range(0, min(height, 3 * 1000), 1000)):
                clip = {"x": 0, "y": top, "width": width, "height": min(1000, height - top)}
                page.screenshot(
                    path=shots / f"class-{name}-{width}-part{n + 1}.png", full_page=True, clip=clip
                )
    audit.width(WIDTHS[0])


def test_class_screens(class_server: str, data_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = _shots(tmp_path)
    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(locale="da-DK", reduced_motion="reduce")
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.set_default_timeout(15_000)
        audit = Audit(page)
        audit.width(WIDTHS[0])
        set_up_clinic(page, class_server)
        class_id, first, today, anne, bent = _seed(data_dir)
        base = f"{class_server}/hold/{class_id}/"

        audit.goto(class_server + "/hold/", "class list")
        expect(page.locator("main")).to_contain_text("Osteoporoseskole")
        audit.goto(base, "class page")
        expect(page.locator("main")).to_contain_text("mangler plan")
        _snap(audit, page, shots, "page")
        page.fill("#enrol-search", "Inger")
        page.click("main form[role=search] button")
        audit.check("class page with a search")

        audit.goto(base + "ret/", "class form (edit)")

        audit.goto(f"{base}{today}/", "session day")
        _snap(audit, page, shots, "day")
        audit.goto(f"{base}{today}/deltager/{anne}/", "session day, a participant's log open")
        _snap(audit, page, shots, "day-log")
        audit.goto(f"{base}{first}/test/", "test day")
        _snap(audit, page, shots, "testday")

        # A therapist on a tablet: attendance for the class, then Anne's log with one tap.
        audit.width(768)
        page.goto(f"{base}{today}/")
        page.locator(f"#deltager-{bent} label:has-text('Meldt afbud')").click()
        page.click("button[name=alle]")
        expect(page.locator(".messages")).to_contain_text("Fremmøde er gemt")
        expect(page.locator(f"#deltager-{bent}")).to_contain_text("Meldt afbud")
        expect(page.locator(f"#deltager-{anne}")).to_contain_text("Mødt")
        page.locator(f"#deltager-{anne} a:has-text('Log øvelser')").click()
        page.locator(f"#deltager-{anne} button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text("Gemt for Anne Andersen")
        audit.check("session day after saving a participant's log")
        browser.close()
    assert not audit.problems, f"{len(audit.problems)} problems:\n" + "\n".join(audit.problems)

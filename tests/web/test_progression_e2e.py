"""Progression suggestions in Debian's Chromium: the plan page with suggestions of every kind
(next level, more load, one level down, stay, blocked by a cap) and the plan's history, and a
plan whose last session had a fall (stop, with the red-flag questions), at desktop, tablet and
phone width: axe-core, no sideways scrolling; a therapist at 768 px declines one suggestion
(the reason is required) and accepts another in place, and sees both in the history.

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

# Run in the server's data directory: Inger trains 3 days a week (a squat one level below the top
# of her set, two good sessions, then pain in the row and a hard push-up in the second), with one
# earlier decision; Bent fell at his last session.
SEED = textwrap.dedent(
    """
    import django
    django.setup()
    from datetime import timedelta
    from django.contrib.auth.models import User
    from django.utils import timezone
    from osteofys.web.progress import selectors, services as progress
    from osteofys.web.records import services as records
    from osteofys.web.records.models import Plan
    from osteofys.web.training import services as training
    from osteofys.web.training.services import EntryData, EventData
    from tests.web.conftest import make_assessment, make_patient

    user = User.objects.get(username="soeren")
    clinic = user.profile.clinic
    active = {"function__training_days_per_week": 3, "function__training_months": 24}
    today = timezone.localdate()

    def top(item, **changes):
        d = item.dose
        v = {"plan_item_id": item.pk, "sets": d.get("sets") or 1, "effort": 6, "technique_ok": True}
        for k in ("reps", "hold_s", "minutes"):
            if k in d:
                v[k] = d[k][1]
                break
        else:
            if "impacts" in d:
                v["reps"] = d["impacts"]
        return EntryData(**{**v, **changes})

    def log(plan, when, changes=None, events=()):
        plan = Plan.objects.get(pk=plan.pk)
        changes = changes or {}
        entries = [top(i, **changes.get(i.exercise, {})) for i in plan.items.all()]
        training.session_save(patient=plan.patient, plan=plan, user=user, when=when,
                              attendance="attended", entries=entries, events=list(events))

    inger = make_patient(clinic, "Inger Hansen")
    plan = make_assessment(inger, user, **active).plans.get()
    records.plan_item_remove(plan=plan, item_id=plan.items.get(exercise="goblet_squat").pk)
    records.plan_item_add(plan=Plan.objects.get(pk=plan.pk), exercise_id="squat_to_chair")
    log(plan, today - timedelta(days=10))
    # An earlier decision for the history: more load on the step-up, accepted.
    plan = Plan.objects.get(pk=plan.pk)
    first = plan.items.get(exercise="weighted_step_up")
    log(plan, today - timedelta(days=7))
    shown = selectors.suggestion_for(plan, first.pk)
    progress.progression_accept(plan=plan, item_id=first.pk, suggestion_key=shown.key,
                                user=user, version=plan.version)
    log(plan, today - timedelta(days=3), {
        "supported_dumbbell_row": {"pain_during": 7},
        "floor_push_up": {"effort": 9},
    })

    bent = make_patient(clinic, "Bent Bentsen")
    bent_plan = make_assessment(bent, user, **active).plans.get()
    log(bent_plan, today - timedelta(days=2),
        events=[EventData(kind="fall", description="Snublede over måtten", action="Hvile, is")])
    print(plan.pk, bent_plan.pk, plan.items.get(exercise="squat_to_chair").pk,
          plan.items.get(exercise="hip_hinge_deadlift_raised").pk)
    """
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("progression-data")


@pytest.fixture(scope="module")
def progression_server(data_dir: Path) -> Iterator[str]:
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
        [sys.executable, "-c", SEED],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _snap(audit: Audit, page: Any, shots: Path, name: str) -> None:
    """The whole page at each width, and its progression block alone (to look at closely)."""
    for width in WIDTHS:
        audit.width(width)
        page.screenshot(path=shots / f"progression-{name}-{width}.png", full_page=True)
        block = page.locator("#progression")
        if block.is_visible() and os.environ.get(SHOTS_ENV):
            box = block.bounding_box()
            assert box is not None
            top, end = int(box["y"]), int(box["y"] + box["height"])
            for n, y in enumerate(range(top, min(end, top + 6 * 1200), 1200)):
                clip = {"x": 0, "y": y, "width": width, "height": min(1200, end - y)}
                page.screenshot(
                    path=shots / f"progression-{name}-{width}-part{n + 1}.png",
                    full_page=True,
                    clip=clip,
                )
    audit.width(WIDTHS[0])


def test_progression_on_the_plan_page(
    progression_server: str, data_dir: Path, tmp_path: Path
) -> None:
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
        set_up_clinic(page, progression_server)
        plan, bent_plan, squat, hinge = _seed(data_dir)
        url = f"{progression_server}/planer/{plan}/"

        audit.goto(url, "plan page with suggestions")
        cards = page.locator("#progression")
        expect(cards).to_contain_text("Næste niveau")
        expect(cards).to_contain_text("Mere belastning")
        expect(cards).to_contain_text("Ét niveau ned")
        expect(page.locator("#plan-history")).to_contain_text("Accepteret")
        _snap(audit, page, shots, "plan")
        page.locator(".progression-group > summary").first.click()
        audit.check("plan page with the blocked suggestions open")

        audit.goto(f"{progression_server}/planer/{bent_plan}/", "plan page after a fall")
        expect(page.locator("#progression")).to_contain_text("Stop og genvurdér")
        expect(page.locator("#progression")).to_contain_text("røde flag")
        _snap(audit, page, shots, "fall")

        # The decline form open on a phone: the reason box and the buttons fit.
        page.goto(url)
        audit.width(390)
        card = page.locator(f"#suggestion-{hinge}")
        card.locator("summary:has-text('Afvis')").click()
        card.screenshot(path=shots / "progression-decline-open-390.png")
        audit.check("plan page with a decline form open")

        # A therapist on a tablet: decline the hip hinge's suggestion (a reason is required),
        # then accept the squat's next level in place; both land in the plan's history.
        audit.width(768)
        page.goto(url)
        card = page.locator(f"#suggestion-{hinge}")
        card.locator("summary:has-text('Afvis')").click()
        card.locator("button:has-text('Afvis forslaget')").click()
        # The browser holds back an empty required reason: nothing was posted.
        expect(card.locator("textarea[name=reason]")).to_be_visible()
        card.locator("textarea[name=reason]").fill("Lænden er øm efter weekenden; vi venter.")
        card.locator("button:has-text('Afvis forslaget')").click()
        expect(page.locator("#plan-status")).to_contain_text("Forslaget er afvist")
        expect(page.locator(f"#suggestion-{hinge}")).to_have_count(0)
        expect(page.locator("#plan-history")).to_contain_text("Lænden er øm efter weekenden")

        squat_card = page.locator(f"#suggestion-{squat}")
        expect(squat_card).to_contain_text("Næste niveau")
        squat_card.locator("button:has-text('Acceptér')").click()
        expect(page.locator("#plan-status")).to_contain_text("Forslaget er accepteret")
        expect(page.locator(f"#suggestion-{squat}")).to_have_count(0)
        expect(page.locator(f"#item-{squat}")).to_contain_text("goblet squat")
        expect(page.locator("#plan-history tbody tr")).to_have_count(3)
        page.screenshot(path=shots / "progression-after-decisions-768.png", full_page=True)
        for width in WIDTHS:
            audit.width(width)
            page.locator("#plan-history").screenshot(
                path=shots / f"progression-history-{width}.png"
            )
        audit.check("plan page after a decline and an accept")
        browser.close()
    assert not audit.problems, f"{len(audit.problems)} problems:\n" + "\n".join(audit.problems)

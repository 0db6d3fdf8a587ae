"""Re-test interpretation on the patient page (issue 16, item 4): a change is a real improvement or
decline only beyond the test's MDC95 (knowledge base, with its population and source); within it
the page says measurement error; tandem stance has no MDC and says so; "kunne ikke" is said in
words; the chart gets the MDC band around the previous result (or the baseline)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from osteofys.web.records import services
from osteofys.web.records.models import Patient
from osteofys.web.records.presenters import charts, retest_change
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db

MDC = kb.load().knowledge.mdc


def _retest(patient: Patient, user: User, test: str, when: date, value: float | None) -> None:
    services.retest_record(
        patient=patient, user=user, test=test, when=when, value=value, unable=value is None
    )


def _figures(client: Client, patient: Patient) -> dict[str, dict[str, Any]]:
    html = client.get(reverse("records:patient_detail", args=[patient.pk])).content.decode()
    out = {}
    for figure in re.findall(r'<figure class="card chart-card">(.*?)</figure>', html, re.S):
        data = json.loads(re.search(r'type="application/json">(.*?)</script>', figure, re.S)[1])
        label = re.search(r'data-chart role="img" aria-label="([^"]*)"', figure)
        out[data["label"]] = {"data": data, "html": figure, "summary": label[1] if label else ""}
    return out


def _days(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def _tug(client: Client, clinic: Clinic, user: User, before: float, after: float) -> dict[str, Any]:
    patient = make_patient(clinic)
    _retest(patient, user, "tug_s", _days(30), before)
    _retest(patient, user, "tug_s", _days(1), after)
    return _figures(client, patient)["Timed Up and Go (s)"]


def test_a_tug_2_5_s_faster_is_a_real_improvement(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assert MDC["tug_s"].value == 2.08
    chart = _tug(logged_in, clinic, user, 12.0, 9.5)
    assert "Siden sidst: <strong>−2,5</strong>" in chart["html"]
    assert "(12 → 9,5)" in chart["html"]
    assert '<span class="verdict verdict--better">Reel forbedring</span>' in chart["html"]
    assert "Siden sidst: −2,5, Reel forbedring." in chart["summary"]


def test_a_tug_1_s_faster_is_within_measurement_error(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    chart = _tug(logged_in, clinic, user, 12.0, 11.0)
    assert (
        '<span class="verdict verdict--within_error">'
        "Inden for måleusikkerheden (MDC95 2,08 s)</span>" in chart["html"]
    )
    assert "Reel" not in chart["html"]


def test_a_tug_2_5_s_slower_is_a_real_decline(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    chart = _tug(logged_in, clinic, user, 9.5, 12.0)
    assert '<span class="verdict verdict--worse">Reel forværring</span>' in chart["html"]
    assert "+2,5" in chart["html"]


def test_the_mdc_is_shown_with_its_population_and_source(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    chart = _tug(logged_in, clinic, user, 12.0, 11.0)
    assert "MDC95 2,08 s hos hjemmeboende voksne ≥ 50 år" in chart["html"]
    source = kb.load().texts.sources[MDC["tug_s"].sources[0]]
    assert f'href="{source.url}"' in chart["html"]
    assert f"kilde {source.id}" in chart["html"]


def test_the_chart_gets_the_mdc_band_around_the_previous_result(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    chart = _tug(logged_in, clinic, user, 12.0, 11.0)
    assert chart["data"]["band"] == {"center": 12.0, "mdc": 2.08, "from": 0}
    assert "Skraveret: måleusikkerheden omkring forrige måling (12)." in chart["html"]
    assert (
        "bånd er måleusikkerheden (±MDC95 2,08 s) omkring forrige måling (12)" in chart["summary"]
    )


def test_one_result_gets_the_band_around_the_baseline() -> None:
    (shown,) = charts({"tug_s": [(date(2026, 10, 1), 10.0, False)]})
    assert shown["data"]["band"] == {"center": 10.0, "mdc": 2.08, "from": 0}
    assert shown["changes"] == []
    assert "udgangsværdien (10)" in shown["mdc"]["band_around"]


def test_three_results_show_the_change_since_last_and_since_the_first() -> None:
    points = [
        (date(2026, 8, 1), 14.0, False),
        (date(2026, 10, 1), 12.5, False),
        (date(2026, 11, 1), 11.5, False),
    ]
    (shown,) = charts({"tug_s": points})
    last, whole = shown["changes"]
    assert (last["what"], last["verdict"], last["delta"]) == ("Siden sidst", "within_error", -1.0)
    assert (whole["what"], whole["verdict"], whole["delta"]) == (
        "Fra første til seneste",
        "better",
        -2.5,
    )
    assert shown["data"]["band"]["center"] == 12.5
    assert shown["data"]["band"]["from"] == 1


def test_tandem_stance_says_no_mdc_was_found(logged_in: Client, clinic: Clinic, user: User) -> None:
    assert MDC["tandem_stance_s"].value is None
    patient = make_patient(clinic)
    _retest(patient, user, "tandem_stance_s", _days(30), 10.0)
    _retest(patient, user, "tandem_stance_s", _days(1), 30.0)
    chart = next(c for label, c in _figures(logged_in, patient).items() if "andem" in label)
    assert "Ingen MDC fundet for testen — tolk med forsigtighed" in chart["html"]
    assert "Der er ikke fundet en MDC for tandemstående" in chart["html"]
    assert "Reel" not in chart["html"]
    assert "Inden for måleusikkerheden" not in chart["html"]
    assert chart["data"]["band"] is None


def test_unable_is_said_in_words_never_a_crash(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    _retest(patient, user, "sit_to_stand_5x_s", _days(30), 14.0)
    _retest(patient, user, "sit_to_stand_5x_s", _days(1), None)  # "kunne ikke"
    chart = _figures(logged_in, patient)["5 × rejse-sætte-sig (s)"]
    assert "“kunne ikke” har ingen værdi at sammenligne med" in chart["html"]
    assert "(14 → kunne ikke)" in chart["html"]
    assert chart["data"]["band"] == {"center": 14.0, "mdc": 2.5, "from": 0}
    # The other way round: the band would sit around "kunne ikke": none.
    (shown,) = charts(
        {
            "sit_to_stand_5x_s": [
                (date(2026, 10, 1), None, True),
                (date(2026, 11, 1), 13.0, False),
            ]
        }
    )
    assert shown["data"]["band"] is None
    assert shown["changes"][0]["verdict"] == "unknown"


def test_a_test_without_a_knowledge_base_entry_has_no_verdict() -> None:
    assert (
        retest_change(
            "no_such_test", (date(2026, 1, 1), 1.0, False), (date(2026, 2, 1), 2.0, False)
        )
        is None
    )
    (shown,) = charts(
        {"no_such_test": [(date(2026, 1, 1), 1.0, False), (date(2026, 2, 1), 2.0, False)]}
    )
    assert shown["changes"] == []
    assert shown["mdc"] is None
    assert shown["data"]["band"] is None


def test_gait_speeds_meaningful_change_is_not_called_an_mdc95() -> None:
    points = [(date(2026, 10, 1), 1.0, False), (date(2026, 11, 1), 1.05, False)]
    (shown,) = charts({"gait_speed_m_s": points})
    assert shown["changes"][0]["text"] == "Inden for måleusikkerheden (0,10 m/s)"
    assert not shown["mdc"]["text"].startswith("MDC95")
    assert shown["mdc"]["note"]
    assert "ikke en MDC95" in shown["mdc"]["note"]


def test_higher_is_better_for_the_chair_stand(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    _retest(patient, user, "chair_stand_30s", _days(30), 10)
    _retest(patient, user, "chair_stand_30s", _days(1), 13)
    chart = next(
        c
        for c in _figures(logged_in, patient).values()
        if c["data"]["x"] and "30" in c["data"]["label"]
    )
    assert "Reel forbedring" in chart["html"]
    assert "rejsninger" in chart["html"]  # the MDC's unit in words


def test_the_suggested_change_banner_judges_the_retests_against_the_mdc(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    cutoff = kb.load().knowledge.value("tug_fall_risk_s")
    patient = make_patient(clinic)
    # Just under the cut-off at the assessment, just over it at the re-test: the fall risk moves
    # on a change that is within measurement error.
    make_assessment(patient, user, assessment_date=_days(20).isoformat(), tests__tug_s=cutoff - 0.5)
    _retest(patient, user, "tug_s", _days(1), cutoff + 0.5)
    html = logged_in.get(reverse("records:patient_detail", args=[patient.pk])).content.decode()
    banner = html[
        html.index('id="change-title"') : html.index("</section>", html.index('id="change-title"'))
    ]
    assert "Gentestene mod vurderingen:" in banner
    assert "Timed Up and Go (s): <strong>+1</strong>" in banner
    assert "Inden for måleusikkerheden" in banner

"""The test charts on the patient page: "kunne ikke" is shown, two results of one day are both
there, grip strength has its EWGSOP2 cut-off by sex, and every chart has a text alternative."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from osteofys.web.records import services
from osteofys.web.records.models import Patient
from osteofys.web.records.presenters import charts
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


def _retest(patient: Patient, user: User, test: str, when: date, value: float | None) -> None:
    services.retest_record(
        patient=patient, user=user, test=test, when=when, value=value, unable=value is None
    )


def _charts(client: Client, patient: Patient) -> dict[str, dict[str, Any]]:
    """The page's charts by test, each with its data, summary text and table rows as shown."""
    html = client.get(reverse("records:patient_detail", args=[patient.pk])).content.decode()
    out = {}
    for figure in re.findall(r'<figure class="card chart-card">(.*?)</figure>', html, re.S):
        data = json.loads(re.search(r'type="application/json">(.*?)</script>', figure, re.S)[1])
        label = re.search(r'data-chart role="img" aria-label="([^"]*)"', figure)
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", figure)
        out[data["label"]] = {"data": data, "summary": label[1] if label else "", "rows": rows}
        out[data["label"]]["html"] = figure
    return out


def test_unable_is_on_the_chart_at_the_worse_side_with_words(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    _retest(patient, user, "sit_to_stand_5x_s", date(2026, 10, 1), None)  # only "kunne ikke"
    chart = _charts(logged_in, patient)["5 × rejse-sætte-sig (s)"]
    data = chart["data"]
    # Not an empty chart: the point is there, without a value, flagged and placed high
    # (for 5xSTS a longer time is worse).
    assert data["x"] == ["2026-10-01"]
    assert data["y"] == [None]
    assert data["unable"] == [True]
    assert data["worse"] == "high"
    assert data["cutoff"] == kb.load().knowledge.value("sts5_fall_risk_s")
    assert "Kunne ikke gennemføre: vist øverst" in chart["html"]
    assert "Kunne ikke gennemføre 1 gang" in chart["summary"]
    assert chart["rows"] == [("01.10.2026", "kunne ikke")]


def test_unable_goes_low_when_lower_is_worse() -> None:
    shown = charts({"chair_stand_30s": [(date(2026, 10, 1), None, True)]})
    assert shown[0]["data"]["worse"] == "low"
    assert shown[0]["unable_count"] == 1


def test_two_results_of_one_day_are_both_there(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user, tests__tug_s=9.0)  # assessment date 2026-11-26
    _retest(patient, user, "tug_s", date(2026, 11, 26), 14.5)
    _retest(patient, user, "tug_s", date(2026, 12, 3), 11.0)
    chart = _charts(logged_in, patient)["Timed Up and Go (s)"]
    data = chart["data"]
    assert data["x"] == ["2026-11-26", "2026-11-26", "2026-12-03"]
    assert data["y"] == [9.0, 14.5, 11.0]
    # The chart spreads a day's second result apart instead of drawing it over the first.
    assert data["slot"] == [0, 1, 0]
    assert chart["rows"] == [("26.11.2026", "9"), ("26.11.2026", "14,5"), ("03.12.2026", "11")]
    assert "3 målinger fra 26.11.2026 til 03.12.2026" in chart["summary"]


@pytest.mark.parametrize(
    "case", [("female", "grip_low_women_kg", "kvinder"), ("male", "grip_low_men_kg", "mænd")]
)
def test_grip_strength_has_the_ewgsop2_cutoff_of_the_patients_sex(
    logged_in: Client, clinic: Clinic, user: User, case: tuple[str, str, str]
) -> None:
    sex, threshold, who = case
    base = kb.load()
    patient = make_patient(clinic, sex=sex)
    _retest(patient, user, "grip_kg", date(2026, 10, 1), 21.0)
    chart = _charts(logged_in, patient)["Grebsstyrke (kg)"]
    expected = base.knowledge.value(threshold)
    assert chart["data"]["cutoff"] == expected
    assert expected == {"female": 16, "male": 27}[sex]  # EWGSOP2 (Cruz-Jentoft 2019)
    assert f"Grænseværdi for {who}: {expected:g}" in chart["html"]
    assert "(lavere er dårligere)" in chart["html"]
    assert "S54" in chart["html"]
    assert f"Grænseværdi: {expected:g}." in chart["summary"]


def test_grip_cutoff_comes_from_the_knowledge_base_with_its_source() -> None:
    raw = kb.load().raw
    for key, value in (("grip_low_women_kg", 16), ("grip_low_men_kg", 27)):
        entry = raw["thresholds"][key]
        assert (entry["value"], entry["unit"], entry["evidence"]) == (value, "kg", "SRC")
        assert entry["sources"] == ["S54"]
    source = kb.load().texts.sources["S54"]
    assert source.citation.startswith("Cruz-Jentoft AJ, Bahat G, Bauer J, et al.")
    assert "Age Ageing 2019;48(1):16–31" in source.citation
    assert source.url == "https://pmc.ncbi.nlm.nih.gov/articles/PMC6322506/"


def test_without_a_known_sex_grip_has_no_line() -> None:
    shown = charts({"grip_kg": [(date(2026, 10, 1), 20.0, False)]}, sex=None)
    assert shown[0]["cutoff"] is None
    assert shown[0]["data"]["cutoff"] is None


def test_every_chart_has_a_text_alternative(logged_in: Client, clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user, tests__tug_s=9.0, tests__tandem_stance_s=30.0)
    _retest(patient, user, "grip_kg", date(2026, 12, 1), 18.0)
    shown = _charts(logged_in, patient)
    assert len(shown) >= 3
    for label, chart in shown.items():
        assert chart["summary"].startswith(f"Graf over {label}"), label
        assert "tabellen under grafen" in chart["summary"]
        assert chart["rows"], label

"""The class report of a realistic class: 12 participants, 8 weeks twice a week, both test days.

Set OSTEOFYS_REPORT_DIR to keep the PDF (and look at it: pdftoppm -png -r 60).
"""

from __future__ import annotations

import os
import subprocess
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from osteofys.web.accounts.models import Clinic
from osteofys.web.classes import selectors, services
from osteofys.web.classes.documents import class_report_render
from osteofys.web.records.selectors import plan_current
from osteofys.web.training.models import Attendance
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db

NAMES = [
    "Anne Andersen",
    "Bent Bentsen",
    "Birthe Kjær-Sørensen",
    "Dorte Dahl",
    "Else Marie Østergaard",
    "Finn Frederiksen",
    "Grethe Gram",
    "Hanne Holm",
    "Inger Iversen",
    "Jytte Juhl",
    "Karen Krogh",
    "Lis Lund",
]


def full_class(clinic: Clinic, user: User) -> Any:
    """A class that ends today: 8 weeks, two weekdays, 12 participants, attendance, re-tests."""
    today = timezone.localdate()
    other = (today.isoweekday() + 2) % 7 + 1
    start = today - timedelta(days=7 * 8 - 1)
    training_class = services.class_create(
        clinic=clinic,
        user=user,
        data={
            "name": "Osteoporoseskole efterår",
            "therapist": user,
            "weekdays": sorted({today.isoweekday(), other}),
            "start_time": time(10, 0),
            "start_date": start,
            "weeks": 8,
            "location": "Træningssalen, 1. sal",
        },
    )
    patients = []
    for name in NAMES:
        p = make_patient(clinic, name, cpr="0101501234")
        make_assessment(p, user)
        services.enrolment_create(training_class=training_class, patient=p, when=start)
        patients.append(p)
    dates = [d for d in selectors.class_dates(training_class) if d <= today]
    for n, day in enumerate(dates):
        choices = []
        for i, p in enumerate(patients):
            if i == len(patients) - 1 and n >= 5:
                continue  # she leaves on the 6th session's day
            value = Attendance.ATTENDED
            if (n + i) % 7 == 0:
                value = Attendance.EXCUSED
            elif (n * i) % 11 == 5:
                value = Attendance.ABSENT
            choices.append(services.AttendanceChoice(p, plan_current(p), value, None))
        services.attendance_save(training_class=training_class, user=user, day=day, choices=choices)
    services.enrolment_end(
        enrolment=selectors.enrolment_get(training_class, patients[-1].pk), when=dates[5]
    )
    first, last = dates[0], dates[-1]
    for i, p in enumerate(patients):
        start_values = {
            "tug_s": 11.0 + i * 0.4,
            "sit_to_stand_5x_s": 14.0 + i * 0.3,
            "tandem_stance_s": 10.0 + i,
            "chair_stand_30s": 9.0 + i % 4,
            "one_leg_stance_s": 5.0 + i * 1.5,
            "gait_speed_m_s": 0.85 + i * 0.02,
        }
        changes = {
            "tug_s": -2.5 if i % 2 else -0.8,
            "sit_to_stand_5x_s": -3.0 if i % 3 == 0 else -1.0,
            "tandem_stance_s": 4.0,
            "chair_stand_30s": 3 if i % 2 else 1,
            "one_leg_stance_s": 30.0 if i == 3 else 6.0,
            "gait_speed_m_s": 0.12 if i % 2 else 0.04,
        }
        entries = [services.RetestEntry(p, t, v, False) for t, v in start_values.items()]
        if i == 4:
            entries[1] = services.RetestEntry(p, "sit_to_stand_5x_s", None, True)
        services.test_day_save(user=user, day=first, entries=entries)
        if i == len(patients) - 1:
            continue  # left the class: no end test
        after = [
            services.RetestEntry(p, t, round(v + changes[t], 2), False)
            for t, v in start_values.items()
        ]
        services.test_day_save(user=user, day=last, entries=after)
    return training_class, patients


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "holdrapport.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


def test_the_report_of_a_full_class(clinic: Clinic, user: User, tmp_path: Path) -> None:
    training_class, _patients = full_class(clinic, user)
    clinic.address, clinic.phone = "Nørregade 1, 8000 Aarhus C", "86 12 34 56"
    pdf = class_report_render(training_class, clinic, timezone.localdate())
    assert pdf.startswith(b"%PDF")
    keep = os.environ.get("OSTEOFYS_REPORT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / "holdrapport.pdf").write_bytes(pdf)
    text = _text(pdf, tmp_path)
    for name in NAMES:
        assert name in text
    assert "0101501234" not in text
    assert "010150-1234" not in text
    assert "udmeldt" in text
    assert "kunne ikke" in text
    assert "videnbase" in text

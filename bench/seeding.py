"""Synthetic patients for the web benchmark and the load test, stored as the app stores them.

Varied, valid cases (`make_case`) are assessed by the real clinical core (`clinical.evaluate`);
their rows are built by `services.assessment_row`, `services.plan_row` and
`services.plan_items_for`, the builders `services.assessment_record` uses, and written with
`bulk_create` in transactions of `BATCH` patients (10,000 patients stay well under two minutes).
Django must be set up (`harness.django_setup`) before `seed_batch` or `seed` runs.
"""

# Django is configured from the environment of the fresh data directory, so it is imported only
# after that is set up (inside functions).
# ruff: noqa: PLC0415

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

USERNAME = "bench"
PASSWORD = "Knogle-sund-2026!"
BATCH = 250  # patients per seeding transaction (keeps memory flat: each result is ~17 kB)
SEARCHES = ("hansen", "jens", "niels", "larsen", "anne", "mad", "peder", "kris")

FEMALE = (
    "Anne Kirsten Hanne Mette Inge Susanne Lene Karen Marianne Birgit Bente Lone Jette Helle "
    "Tove Ruth Grethe Ingrid Else Lis Kirsti Ulla Vibeke Dorte Merete Gitte Pia Jytte Hanna "
    "Bodil Lisbeth Inger Aase Edith Gudrun"
).split()
MALE = (
    "Jens Peter Niels Henrik Lars Søren Hans Jørgen Poul Ole Erik Michael Kim Per Bent Carsten "
    "Knud Leif Torben Flemming Preben Svend Finn Jan Bjarne Kurt Arne Villy Mogens Kristian"
).split()
SURNAMES = (
    "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Knudsen Jakobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Schmidt Eriksen "
    "Holm Kristiansen Clausen Simonsen Svendsen Andreasen Iversen Jeppesen Mogensen Jacobsen "
    "Nissen Lauridsen Kjær Bertelsen Vestergaard Dahl Bak Friis Overgaard Skov"
).split()
SITES = ("vertebra", "hip", "wrist", "proximal_humerus", "pelvis", "rib", "ankle", "other")
SITE_WEIGHTS = (18, 8, 30, 10, 4, 12, 10, 8)
CONDITIONS = (
    "rheumatoid_arthritis copd type1_diabetes hyperthyroidism chronic_kidney_disease "
    "inflammatory_bowel_disease coeliac_disease primary_hyperparathyroidism malabsorption"
).split()


# --- seeding ---------------------------------------------------------------------------------


def _clip(value: float, low: float, high: float, digits: int = 1) -> float:
    return round(min(high, max(low, value)), digits)


def _maybe(rng: random.Random, share: float, value: Any) -> Any:
    """`value`, except for `share` of the time: None (not recorded)."""
    return None if rng.random() < share else value


def patient_row(rng: random.Random, today: date) -> dict[str, Any]:
    female = rng.random() < 0.8  # most of those referred are women
    first = rng.choice(FEMALE if female else MALE)
    name = f"{first} {rng.choice(SURNAMES)}"
    if rng.random() < 0.3:
        name = f"{first} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
    born = today - timedelta(days=rng.randint(52 * 365, 92 * 365))
    cpr = ""
    if rng.random() < 0.6:
        cpr = f"{born:%d%m%y}{rng.randint(0, 9999):04d}"
    height = rng.gauss(164 if female else 177, 6)
    return {
        "name": name,
        "birth_date": born,
        "sex": "female" if female else "male",
        "height_cm": _clip(height, 140, 200, 0),
        "weight_kg": _clip(rng.gauss(68 if female else 82, 12), 38, 140, 0),
        "cpr": cpr,
    }


def profile(rng: random.Random, born: date, sex: str, first_visit: date) -> dict[str, Any]:
    """What stays the same for one person across assessments (history, habits, conditions)."""
    fractures = []
    for _ in range(rng.choices((0, 1, 2), (60, 28, 12))[0]):
        earliest = born + timedelta(days=40 * 365)
        when = first_visit - timedelta(days=rng.randint(60, 4000))
        fractures.append(
            {
                "site": rng.choices(SITES, SITE_WEIGHTS)[0],
                "date": max(earliest, when).isoformat(),
                "low_energy": rng.choices((True, False, None), (70, 20, 10))[0],
            }
        )
    steroid = rng.random() < 0.08
    return {
        "sex": sex,
        "born": born,
        "fractures": fractures,
        "diagnosed": rng.choices((True, False, None), (15, 75, 10))[0],
        "steroid": (rng.choice((2.5, 5.0, 7.5, 10.0)), rng.randint(3, 36)) if steroid else (0, 0),
        "menopause": rng.randint(42, 56) if sex == "female" else None,
        "family": rng.random() < 0.15,
        "parent_hip": rng.random() < 0.08,
        "smoking": rng.choices(("never", "former", "current"), (55, 30, 15))[0],
        "alcohol": rng.choice((0, 0, 2, 4, 7, 10, 14, 21)),
        "conditions": rng.sample(CONDITIONS, rng.choices((0, 1, 2), (80, 16, 4))[0]),
        "aid": rng.choices(("none", "stick", "rollator", "wheelchair"), (68, 16, 13, 3))[0],
        "t_score": rng.gauss(-1.7, 0.9),
        "fitness": rng.gauss(0, 1),  # < 0: slower tests, > 0: faster
        "trains": rng.random() < 0.35,
    }


def tests_for(rng: random.Random, p: dict[str, Any], age: float) -> dict[str, Any]:
    slow = max(0.0, (age - 65) / 10) - p["fitness"] + rng.gauss(0, 0.3)
    sts: Any = _clip(10 + 2.5 * slow, 4, 60)
    if slow > 2.5 and rng.random() < 0.4:
        sts = "unable"
    return {
        "tug_s": _maybe(rng, 0.03, _clip(8 + 2.2 * slow, 4, 60)),
        "sit_to_stand_5x_s": _maybe(rng, 0.05, sts),
        "tandem_stance_s": _maybe(rng, 0.1, _clip(30 - 7 * slow, 0, 60, 0)),
        "chair_stand_30s": _maybe(rng, 0.4, int(_clip(14 - 2.5 * slow, 0, 40, 0))),
        "one_leg_stance_s": _maybe(rng, 0.4, _clip(20 - 6 * slow, 0, 60, 0)),
        "gait_speed_m_s": _maybe(rng, 0.5, _clip(1.2 - 0.15 * slow, 0.2, 2.0, 2)),
        "grip_kg": _maybe(rng, 0.5, _clip(rng.gauss(26 if p["sex"] == "female" else 40, 6), 5, 70)),
    }


def make_case(rng: random.Random, p: dict[str, Any], row: dict[str, Any], when: date) -> dict:
    """One varied, valid case for this person on this date (case-format.md)."""
    age = (when - p["born"]).days / 365.25
    dxa = None
    if rng.random() < 0.7:
        t = p["t_score"] - max(0.0, (age - 70) / 40)
        dxa = {
            "date": max(p["born"], when - timedelta(days=rng.randint(0, 700))).isoformat(),
            "lumbar_spine": _clip(t + rng.gauss(0, 0.4), -5, 3),
            "femoral_neck": _clip(t + rng.gauss(0.2, 0.3), -5, 3),
            "total_hip": _clip(t + rng.gauss(0.5, 0.3), -5, 3),
            "forearm": _maybe(rng, 0.8, _clip(t + rng.gauss(0, 0.5), -5, 3)),
        }
    fractures = [f for f in p["fractures"] if f["date"] <= when.isoformat()]
    if rng.random() < 0.02:  # a new fracture a few weeks ago: acute phase
        recent = when - timedelta(days=rng.randint(7, 70))
        fractures.append(
            {
                "site": rng.choices(SITES, SITE_WEIGHTS)[0],
                "date": recent.isoformat(),
                "low_energy": True,
            }
        )
    frail = p["aid"] in ("rollator", "wheelchair")
    return {
        "format": "osteofys.case/1",
        "assessment_date": when.isoformat(),
        "patient": {
            "birth_date": p["born"].isoformat(),
            "sex": p["sex"],
            "height_cm": row["height_cm"],
            "weight_kg": _clip(row["weight_kg"] + rng.gauss(0, 1.5), 38, 140),
            "osteoporosis_diagnosed": p["diagnosed"],
        },
        "risk_factors": {
            "glucocorticoid_mg_per_day": p["steroid"][0],
            "glucocorticoid_months": p["steroid"][1],
            "menopause_age": p["menopause"],
            "family_history": p["family"],
            "parent_hip_fracture": p["parent_hip"],
            "height_loss_cm": rng.choices((0, 1, 2, 3, 4, 6), (60, 12, 10, 8, 6, 4))[0],
            "kyphosis": _maybe(rng, 0.05, rng.random() < 0.1),
            "smoking": p["smoking"],
            "alcohol_units_per_week": p["alcohol"],
            "immobilisation_months": rng.choices((0, 1, 3), (92, 5, 3))[0],
            "falls_last_12_months": rng.choices((0, 1, 2, 3, 5), (60, 20, 10, 6, 4))[0],
            "low_calcium_or_vitamin_d": _maybe(rng, 0.1, rng.random() < 0.12),
            "aromatase_inhibitor": p["sex"] == "female" and rng.random() < 0.03,
            "antiandrogen_therapy": p["sex"] == "male" and rng.random() < 0.05,
            "conditions": p["conditions"],
            "unexplained_back_pain": rng.random() < 0.04,
        },
        "dxa": dxa,
        "fractures": None if rng.random() < 0.03 else fractures,
        "function": {
            "walking_aid": p["aid"],
            "needs_help_daily_activities": frail and rng.random() < 0.5,
            "training_days_per_week": rng.randint(1, 4) if p["trains"] else 0,
            "training_months": rng.randint(3, 60) if p["trains"] else 0,
            "everyday_activity": "low" if frail or rng.random() < 0.15 else "active",
            "sedentary_due_to_disease": "copd" in p["conditions"] and rng.random() < 0.5,
            "new_sudden_back_pain": rng.random() < 0.015,
            "neurological_symptoms": rng.random() < 0.005,
            "pain_rest": rng.choices((0, 1, 2, 3, 5), (40, 25, 15, 12, 8))[0],
            "pain_activity": rng.choices((0, 1, 2, 4, 6), (30, 25, 20, 15, 10))[0],
        },
        "tests": tests_for(rng, p, age),
    }


def visit_dates(rng: random.Random, today: date, count: int) -> list[date]:
    when = today - timedelta(days=rng.randint(600, 1000))
    dates = []
    for _ in range(count):
        dates.append(when)
        when += timedelta(days=rng.randint(120, 200))
    return dates


@dataclass
class Seeded:
    patient_ids: list[int]
    counts: dict[str, int]
    seconds: float


def evaluated_case(
    rng: random.Random, p: dict[str, Any], row: dict[str, Any], when: date
) -> tuple[dict, Any]:
    from osteofys.web.records import clinical

    for _ in range(20):
        case = make_case(rng, p, row, when)
        evaluated = clinical.evaluate(case)
        if evaluated.document is not None:
            return case, evaluated
    raise RuntimeError(f"the generator keeps making invalid cases: {evaluated.issues[:3]}")


def seed_batch(
    rng: random.Random,
    *,
    clinic: Any,
    user: Any,
    rows: list[dict],
    counts: dict[str, int],
    per_patient: int,
) -> list[int]:
    from django.db import transaction

    from osteofys.web.records import clinical, services
    from osteofys.web.records.models import (
        CATEGORY_CHOICES,
        Assessment,
        Patient,
        Plan,
        PlanItem,
        Retest,
    )

    today = date.today()
    categories = [c for c, _ in CATEGORY_CHOICES]
    with transaction.atomic():
        patients = Patient.objects.bulk_create([Patient(clinic=clinic, **r) for r in rows])
        stored: list[tuple[Assessment, Any]] = []
        retests = []
        for patient, row in zip(patients, rows, strict=True):
            dates = visit_dates(rng, today, per_patient)
            p = profile(rng, row["birth_date"], row["sex"], dates[0])
            for when in dates:
                case, evaluated = evaluated_case(rng, p, row, when)
                doc = evaluated.document
                suggested = doc["category"] or ""
                final, reason = suggested, ""
                if suggested and rng.random() < 0.05:  # the clinician overrides
                    final = rng.choice([c for c in categories if c != suggested])
                    reason = "Klinisk vurdering: patienten er mere skrøbelig end testene viser."
                    evaluated = clinical.evaluate(case, final_category=final)
                    doc = evaluated.document
                assessment = services.assessment_row(
                    patient=patient,
                    user=user,
                    case=case,
                    document=doc,
                    final_category=final,
                    override_reason=reason,
                )
                stored.append((assessment, evaluated.assessment.plan))
            if rng.random() < 0.25:  # re-tested since the last assessment
                for k in range(rng.randint(1, 3)):
                    test = rng.choice(("tug_s", "sit_to_stand_5x_s", "tandem_stance_s"))
                    value = {"tug_s": 9.5, "sit_to_stand_5x_s": 12.0, "tandem_stance_s": 20.0}[test]
                    retests.append(
                        Retest(
                            clinic=clinic,
                            patient=patient,
                            test=test,
                            date=min(today, dates[-1] + timedelta(days=30 * (k + 1))),
                            value=_clip(value * rng.uniform(0.6, 1.6), 0, 60),
                            created_by=user,
                        )
                    )
        Assessment.objects.bulk_create([a for a, _ in stored])
        with_plan = [(a, core) for a, core in stored if core is not None]
        plans = Plan.objects.bulk_create(
            [services.plan_row(a, core, user) for a, core in with_plan]
        )
        items = [
            item
            for plan, (_, core) in zip(plans, with_plan, strict=True)
            for item in services.plan_items_for(plan, core)
        ]
        PlanItem.objects.bulk_create(items, batch_size=2000)
        Retest.objects.bulk_create(retests)
    counts["assessments"] += len(stored)
    counts["plans"] += len(plans)
    counts["plan items"] += len(items)
    counts["re-tests"] += len(retests)
    counts["overrides"] += sum(1 for a, _ in stored if a.override_reason)
    return [p.pk for p in patients]


def seed(n_patients: int, per_patient: int, rng: random.Random) -> Seeded:
    from django.core.management import call_command

    from osteofys.web.accounts import services as account_services
    from osteofys.web.accounts.models import Clinic, Role

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    clinic = Clinic.objects.create(name="Fysio Bench", address="Benchvej 1, 8000 Aarhus C")
    user = account_services.user_create(
        clinic=clinic,
        username=USERNAME,
        password=PASSWORD,
        full_name="Bench Fysio",
        role=Role.CLINICIAN,
    )
    counts = dict.fromkeys(("assessments", "plans", "plan items", "re-tests", "overrides"), 0)
    ids: list[int] = []
    today = date.today()
    for done in range(0, n_patients, BATCH):
        rows = [patient_row(rng, today) for _ in range(min(BATCH, n_patients - done))]
        ids += seed_batch(
            rng, clinic=clinic, user=user, rows=rows, counts=counts, per_patient=per_patient
        )
        if len(ids) % 2000 == 0 or len(ids) == n_patients:
            print(
                f"  seeded {len(ids):,} patients, {counts['assessments']:,} assessments", flush=True
            )
    counts = {"patients": len(ids), **counts}
    return Seeded(ids, counts, time.perf_counter() - start)


@dataclass
class Training:
    """The training follow-up rows the benchmark reads and writes (issue 16)."""

    class_id: int
    day: date
    logged: list[int]
    """Patients with a plan: the session-log save rotates over them."""


def seed_training(patient_ids: list[int], rng: random.Random, participants: int = 12) -> Training:
    """A class meeting today with `participants` patients who have a plan (a full osteoporosis
    school holds about 12), each with a session logged a week ago; the patients with a plan
    among the first ROTATE-sized sample are the session-log save's rotation."""
    from django.contrib.auth.models import User

    from osteofys.web.records.models import Patient
    from osteofys.web.training import services as training
    from osteofys.web.training.models import Enrolment, TrainingClass

    user = User.objects.get(username=USERNAME)
    sample = rng.sample(patient_ids, min(len(patient_ids), 600))
    with_plan = list(
        Patient.objects.filter(pk__in=sample, plans__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    today = date.today()
    members = Patient.objects.filter(pk__in=with_plan[:participants])
    training_class = TrainingClass.objects.create(
        clinic_id=user.profile.clinic_id,
        name="Osteoporoseskole, bench",
        therapist=user,
        weekdays=[today.isoweekday()],
        start_time="10:00",
        start_date=today - timedelta(days=7),
        weeks=8,
        created_by=user,
    )
    for patient in members:
        Enrolment.objects.create(
            clinic_id=patient.clinic_id,
            training_class=training_class,
            patient=patient,
            enrolled_on=training_class.start_date,
        )
        plan = patient.plans.order_by("-created_at", "-id").first()
        training.session_save(
            patient=patient,
            plan=plan,
            user=user,
            when=training_class.start_date,
            attendance="attended",
            entries=[],
            events=[],
            note="",
            next_time="",
            training_class=training_class,
        )
    return Training(training_class.pk, today, with_plan)

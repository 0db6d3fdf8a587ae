"""Patient records. Data only: writes go through services.py, reads through selectors.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from osteofys.rules import Category
from osteofys.web.accounts.models import Clinic
from osteofys.web.records.clinical import category_name, choice_word, test_label

# The names and labels come from the knowledge base, in the language active when shown (lazy):
# one word per category, sex and test. The migrations hold the Danish words, so a Danish word
# changed in the knowledge base shows up in `makemigrations --check` (tests/web/test_kb_texts.py).
CATEGORY_CHOICES = [(c.value, lazy(category_name, str)(c.value)) for c in Category]


def _sex_word(value: str) -> str:
    return choice_word("patient.sex", value)


_sex = lazy(_sex_word, str)
_test = lazy(test_label, str)


class Sex(models.TextChoices):
    FEMALE = "female", _sex("female")
    MALE = "male", _sex("male")


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    name = models.CharField(_("navn"), max_length=200)
    birth_date = models.DateField(_("fødselsdato"))
    sex = models.CharField(_("køn"), max_length=10, choices=Sex.choices)
    height_cm = models.FloatField(_("højde (cm)"), null=True, blank=True)
    weight_kg = models.FloatField(_("vægt (kg)"), null=True, blank=True)
    # Stored as ten digits; shown masked and never put in a URL or a log line.
    cpr = models.CharField(_("CPR-nummer"), max_length=10, blank=True)
    # A keyed hash of the CPR number (cpr.digest): search by CPR compares this, never the number.
    cpr_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    gp_name = models.CharField(_("egen læge"), max_length=200, blank=True)
    gp_clinic = models.CharField(_("lægens klinik"), max_length=200, blank=True)
    gp_address = models.CharField(_("lægens adresse"), max_length=300, blank=True)
    gp_phone = models.CharField(_("lægens telefon"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["clinic", "name"])]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """One assessment as stored: inputs, suggestion, the clinician's choice, and the trace.

    The result is never recomputed with a newer knowledge base: its version and hash are kept.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="assessments")
    assessment_date = models.DateField(_("undersøgelsesdato"))
    inputs = models.JSONField()
    result = models.JSONField()
    suggested_category = models.CharField(max_length=40, choices=CATEGORY_CHOICES, blank=True)
    final_category = models.CharField(
        _("valgt kategori"), max_length=40, choices=CATEGORY_CHOICES, blank=True
    )
    override_reason = models.TextField(_("begrundelse for afvigelse"), blank=True)
    acute_phase_active = models.BooleanField(null=True)
    referral_recommended = models.BooleanField(null=True)
    kb_version = models.CharField(max_length=20)
    kb_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-assessment_date", "-id"]
        indexes = [models.Index(fields=["patient", "-assessment_date"])]

    @property
    def overridden(self) -> bool:
        return bool(self.final_category) and self.final_category != self.suggested_category


class AssessmentDraft(models.Model):
    """What one user has typed so far in a new assessment of one patient.

    Offered back after a closed tab or a lost session. The posted form fields as they were typed
    (never a CPR number: the assessment form has none). Deleted when the assessment is saved or the
    draft discarded.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="one_draft_per_user_patient")
        ]


class Plan(models.Model):
    """A training plan made from a confirmed assessment. Earlier plans are kept."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plans")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="plans")
    exercise_set = models.CharField(max_length=40, choices=CATEGORY_CHOICES)
    acute_advice = models.BooleanField(default=False)
    caps = models.JSONField(default=dict)
    # The layout's slot reports (rules.result.SlotDoc as JSON) and the rules that withheld every
    # exercise: what the plan page says about slots a cap or the plan's size left out.
    slots = models.JSONField(default=list)
    withheld = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    """Ids of plan.toml's notes on the whole plan that held for the case."""
    kb_version = models.CharField(max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    exercise = models.CharField(max_length=60)
    domain = models.CharField(max_length=10)
    position = models.PositiveSmallIntegerField(default=0)
    # The family and level as planned (blank/None for items stored before they were kept):
    # progression moves one level along this family, whatever a later knowledge base says.
    family = models.CharField(max_length=60, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    dose = models.JSONField(default=dict)
    supervised = models.BooleanField(default=False)
    # Set when the clinician added an exercise whose tags break a precaution of the case.
    precaution_confirmed = models.BooleanField(default=False)
    precaution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["domain", "position", "id"]


class TestName(models.TextChoices):
    TUG = "tug_s", _test("tug_s")
    STS5 = "sit_to_stand_5x_s", _test("sit_to_stand_5x_s")
    TANDEM = "tandem_stance_s", _test("tandem_stance_s")
    CHAIR30 = "chair_stand_30s", _test("chair_stand_30s")
    ONE_LEG = "one_leg_stance_s", _test("one_leg_stance_s")
    GAIT = "gait_speed_m_s", _test("gait_speed_m_s")
    GRIP = "grip_kg", _test("grip_kg")


class Retest(models.Model):
    """A follow-up test result entered on its own, between assessments."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="retests")
    test = models.CharField(_("test"), max_length=30, choices=TestName.choices)
    date = models.DateField(_("dato"))
    value = models.FloatField(_("resultat"), null=True, blank=True)
    unable = models.BooleanField(_("kunne ikke gennemføre"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["patient", "test", "date"])]

"""Training follow-up: sessions as logged, group classes, and progression decisions. Data only.

Writes go through services.py, reads through selectors.py. A session is supervised (logged by a
therapist, alone or in a class) or a home session (logged by the patient's app, issue 17): both
have the same entries, so adherence counts them side by side.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from osteofys.web.accounts.models import Clinic
from osteofys.web.records.models import Patient, Plan, PlanItem


class TrainingClass(models.Model):
    """A group class (hold): a schedule, a therapist and enrolled patients, each with their plan."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("navn"), max_length=200)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terapeut"),
    )
    # ISO weekdays, 1 = Monday ... 7 = Sunday, ascending.
    weekdays = models.JSONField(_("ugedage"), default=list)
    start_time = models.TimeField(_("tidspunkt"))
    start_date = models.DateField(_("startdato"))
    weeks = models.PositiveSmallIntegerField(_("antal uger"))
    location = models.CharField(_("sted"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date", "name", "id"]
        indexes = [models.Index(fields=["clinic", "-start_date"])]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A patient on a class. Leaving keeps the row (and the sessions logged in the class)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="enrolments"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_on = models.DateField(_("tilmeldt"))
    left_on = models.DateField(_("udmeldt"), null=True, blank=True)

    class Meta:
        ordering = ["training_class", "patient__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "patient"], name="one_enrolment_per_class_patient"
            )
        ]


class SessionKind(models.TextChoices):
    SUPERVISED = "supervised", _("Superviseret")
    HOME = "home", _("Hjemmetræning")


class Attendance(models.TextChoices):
    ATTENDED = "attended", _("Mødt")
    EXCUSED = "excused", _("Meldt afbud")
    ABSENT = "absent", _("Udeblevet")


class TrainingSession(models.Model):
    """One training session of one patient on one date, with the plan it followed.

    A supervised session is one per patient and date (a class session is that patient's session);
    a home session carries the id the phone made (`client_id`), so a retried sync stores it once.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="training_sessions")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=12, choices=SessionKind.choices)
    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    date = models.DateField(_("dato"))
    attendance = models.CharField(
        _("fremmøde"), max_length=10, choices=Attendance.choices, default=Attendance.ATTENDED
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terapeut"),
    )
    # The journal: how the patient responded, and the plan for next time.
    note = models.TextField(_("respons og bemærkninger"), blank=True)
    next_time = models.TextField(_("plan for næste gang"), blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    kb_version = models.CharField(max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["patient", "-date"]),
            models.Index(fields=["clinic", "date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "date"],
                condition=Q(kind="supervised"),
                name="one_supervised_session_per_patient_day",
            ),
            models.UniqueConstraint(
                fields=["clinic", "client_id"],
                condition=~Q(client_id=""),
                name="session_client_id_once",
            ),
        ]


class Difficulty(models.TextChoices):
    """The patient's own rating of an exercise (the app, issue 17)."""

    EASY = "easy", _("Let")
    RIGHT = "right", _("Passende")
    HARD = "hard", _("Hård")


class SessionEntry(models.Model):
    """What was done of one plan item in one session, next to what was prescribed.

    The exercise, its family, level and the prescribed dose are copied at logging time: the plan
    item may change (progression) or be removed later, and the journal must say what was done.
    """

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="entries")
    plan_item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    exercise = models.CharField(max_length=60)
    family = models.CharField(max_length=60, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    prescribed = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(_("udført"), default=True)
    sets = models.PositiveSmallIntegerField(_("sæt"), null=True, blank=True)
    reps = models.PositiveSmallIntegerField(_("gentagelser"), null=True, blank=True)
    hold_s = models.PositiveSmallIntegerField(_("hold (sek.)"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutter"), null=True, blank=True)
    load_kg = models.DecimalField(
        _("belastning (kg)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # A band colour or a level in words ("grøn elastik", "trin 2"), when the load is not in kg.
    load_text = models.CharField(_("elastik/niveau"), max_length=40, blank=True)
    effort = models.PositiveSmallIntegerField(_("anstrengelse (0–10)"), null=True, blank=True)
    pain_during = models.PositiveSmallIntegerField(_("smerte under (0–10)"), null=True, blank=True)
    pain_next_day = models.PositiveSmallIntegerField(
        _("smerte næste dag (0–10)"), null=True, blank=True
    )
    technique_ok = models.BooleanField(_("teknik tjekket og god"), null=True, blank=True)
    difficulty = models.CharField(
        _("sværhed"), max_length=10, choices=Difficulty.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    client_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=~Q(client_id=""),
                name="entry_client_id_once",
            ),
        ]


class EventKind(models.TextChoices):
    FALL = "fall", _("Fald")
    NEW_BACK_PAIN = "new_back_pain", _("Ny rygsmerte")
    NEW_PAIN = "new_pain", _("Ny smerte andetsteds")
    OTHER = "other", _("Andet")


class AdverseEvent(models.Model):
    """Something that went wrong in or after a session, and what was done about it."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("hændelse"), max_length=20, choices=EventKind.choices)
    description = models.TextField(_("beskrivelse"), blank=True)
    action = models.TextField(_("hvad blev gjort"), blank=True)

    class Meta:
        ordering = ["session", "id"]


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepteret")
    DECLINED = "declined", _("Afvist")


class ProgressionDecision(models.Model):
    """A progression suggestion the therapist accepted or declined: the plan item's history.

    `from_*` is the item as it was (exercise, level, dose), `to_*` what the suggestion proposed. On
    acceptance the plan item took the `to_*` values; the `from_*` values keep the old dose.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="progression_decisions"
    )
    plan_item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    session = models.ForeignKey(
        TrainingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.CharField(max_length=60)
    step = models.CharField(max_length=20)
    from_exercise = models.CharField(max_length=60)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    from_dose = models.JSONField(default=dict)
    to_exercise = models.CharField(max_length=60)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_dose = models.JSONField(default=dict)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(_("begrundelse"), blank=True)
    kb_version = models.CharField(max_length=20)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["patient", "-decided_at"])]

"""Access-log entries and the head of each clinic's hash chain. Data only: see services.py.

An entry holds ids and codes only: never a name, a CPR number or a health value, so it may
outlive the patient it is about (a deleted patient's trail stays).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from osteofys.web.accounts.models import Clinic


class Action(models.TextChoices):
    VIEW = "view", _("Visning")
    LIST = "list", _("Liste/søgning")
    CREATE = "create", _("Oprettelse")
    UPDATE = "update", _("Ændring")
    DELETE = "delete", _("Sletning")
    EXPORT = "export", _("Udlevering")
    # Security events (object type user, clinic or API token):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_fail", _("Mislykket login")
    LOCKOUT = "lockout", _("Låst ude")


class ObjectType(models.TextChoices):
    PATIENT = "patient", _("Patient")
    ASSESSMENT = "assessment", _("Vurdering")
    PLAN = "plan", _("Træningsplan")
    RETEST = "retest", _("Gentest")
    # Training follow-up (osteofys.web.training): the values are the models' names, as `record`
    # takes them from the object.
    SESSION = "trainingsession", _("Træningssession")
    TRAINING_CLASS = "trainingclass", _("Hold")
    ENROLMENT = "enrolment", _("Tilmelding til hold")
    PROGRESSION = "progressiondecision", _("Progressionsforslag")
    USER = "user", _("Bruger")
    CLINIC = "clinic", _("Klinik")
    API_TOKEN = "api_token", _("API-nøgle")


class Detail(models.TextChoices):
    """What exactly happened, as a fixed code: the log has no free text that could hold a name."""

    NONE = "", "—"
    HANDOUT = "handout", _("patienthæfte (PDF)")
    GP_LETTER = "gp_letter", _("lægebrev (PDF)")
    GDPR = "gdpr", _("samlet udlevering (ZIP)")
    FHIR = "fhir", _("FHIR-udtræk")
    DECISION = "decision", _("kategori/begrundelse")
    ITEM_ADD = "item_add", _("øvelse tilføjet")
    ITEM_REMOVE = "item_remove", _("øvelse fjernet")
    DOSE = "dose", _("dosis ændret")
    FHIR_FULL_CPR = "fhir_cpr", _("FHIR-udtræk med fuldt CPR-nummer")
    SESSION_NOTE = "session_note", _("journalnotat for session")
    CLASS_REPORT = "class_report", _("holdrapport (PDF)")
    ATTENDANCE = "attendance", _("fremmøde")
    ACCEPTED = "accepted", _("forslag accepteret")
    DECLINED = "declined", _("forslag afvist")
    ADHERENCE = "adherence", _("træningsforløb og fremmøde")
    # Security events:
    WRONG_PASSWORD = "password_wrong", _("forkert adgangskode")
    WRONG_CODE = "code_wrong", _("forkert to-faktor-kode")
    TWO_FACTOR_ON = "2fa_on", _("to-faktor sat op")
    TWO_FACTOR_OFF = "2fa_off", _("to-faktor fjernet")
    TWO_FACTOR_RESET = "2fa_reset", _("to-faktor nulstillet af admin")
    PASSWORD_CHANGED = "password", _("adgangskode skiftet")
    PASSWORD_TEMPORARY = "password_temp", _("midlertidig adgangskode sat")
    ROLE = "role", _("rolle ændret")
    ACTIVATED = "activated", _("aktiveret")
    DEACTIVATED = "deactivated", _("deaktiveret")
    UNLOCKED = "unlocked", _("låst op af admin")
    REVOKED = "revoked", _("tilbagekaldt")
    TWO_FACTOR_REQUIRED = "2fa_required", _("to-faktor krævet for klinikken")
    TWO_FACTOR_OPTIONAL = "2fa_optional", _("to-faktor ikke længere krævet")


class AuditEntry(models.Model):
    # Users and clinics are deactivated, never deleted, once they have a trail: PROTECT keeps the
    # ids the hashes were computed over.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A plain number, not a foreign key: the trail of a deleted patient must stay as it was.
    patient_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=20, choices=Detail.choices, blank=True)
    # Text, not GenericIPAddressField: PostgreSQL's inet and Django's IPv6 cleaning would
    # re-spell the address and the stored row would no longer match its hash.
    address = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # A second writer that somehow skipped the lock still cannot fork the chain.
            models.UniqueConstraint(fields=["clinic", "seq"], name="audit_entry_unique_seq"),
        ]
        indexes = [
            models.Index(fields=["clinic", "-at"]),
            models.Index(fields=["clinic", "patient_id"]),
        ]


class ChainHead(models.Model):
    """The last link of a clinic's chain. Locked while appending; also catches a cut-off tail."""

    clinic = models.OneToOneField(
        Clinic, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

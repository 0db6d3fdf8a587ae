"""A clinic owns its users, patients and everything below them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Clinic(models.Model):
    name = models.CharField(_("klinikkens navn"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    # The logo on the patient handout and the GP letter. Kept in the database (a few hundred KB
    # at most) so that a backup of the database is a backup of everything.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    require_two_factor = models.BooleanField(_("kræv to-faktor-login"), default=False)
    # A deactivated clinic's users cannot log in and its API tokens stop working; its records and
    # access log stay (patient-record rules require keeping them).
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Fysioterapeut")
    ADMIN = "admin", _("Klinikadministrator")


class Profile(models.Model):
    """Ties a Django user to exactly one clinic, with a role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="profiles")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    # Set when an admin (or `osteofys clinic create`) gave a temporary password: nothing else
    # opens until the user has chosen their own.
    must_change_password = models.BooleanField(default=False)
    # Stored in each session at login; raising it ends every session of the user (deactivation,
    # a two-factor reset), also ones that would otherwise come back on reactivation.
    session_epoch = models.PositiveIntegerField(default=0)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class SetupDone(models.Model):
    """The fact that first-run setup has happened: one row whose primary key is always 1.

    Two setup requests at the same time both insert id 1; the database lets only one of them
    succeed, so an installation can never get two "first" clinics.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="setup_done_single")]


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is kept: the secret is shown once.

    The token acts as its user, inside the user's clinic; the clinic is stored too so that a token
    can never reach another clinic's data, even if the user's profile were moved.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("navn"), max_length=100)
    # The first characters of the secret: enough to tell tokens apart, useless for logging in.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

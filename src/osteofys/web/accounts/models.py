"""A clinic owns its users, patients and everything below them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Clinic(models.Model):
    name = models.CharField(_("klinikkens navn"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
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

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

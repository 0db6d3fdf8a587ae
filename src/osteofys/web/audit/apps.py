"""App configuration for the access log."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "osteofys.web.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

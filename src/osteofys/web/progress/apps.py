"""App configuration for following progress: progression decisions, adherence, re-test changes."""

from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "osteofys.web.progress"
    label = "progress"
    default_auto_field = "django.db.models.BigAutoField"

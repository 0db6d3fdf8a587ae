"""App configuration for training follow-up: sessions, group classes and progression."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "osteofys.web.training"
    label = "training"
    default_auto_field = "django.db.models.BigAutoField"

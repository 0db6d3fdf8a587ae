"""App configuration for records."""

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "osteofys.web.records"
    label = "records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from osteofys.web.records import checks  # noqa: F401, PLC0415  (registers the check)

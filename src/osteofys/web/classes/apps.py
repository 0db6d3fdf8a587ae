"""App configuration for group classes (hold): schedule, attendance, test days, class report.

The class models live in osteofys.web.training with the sessions they hold.
"""

from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "osteofys.web.classes"
    label = "classes"
    default_auto_field = "django.db.models.BigAutoField"

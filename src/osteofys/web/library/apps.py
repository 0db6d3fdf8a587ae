"""App configuration for the exercise library."""

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "osteofys.web.library"
    label = "library"

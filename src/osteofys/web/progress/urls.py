"""URLs of progress. Only database ids appear in paths: never a name or a CPR number."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "progress"
urlpatterns: list[URLPattern] = []

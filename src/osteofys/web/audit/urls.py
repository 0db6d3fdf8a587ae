"""URLs of the access log (clinic admins only)."""

from django.urls import path

from osteofys.web.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("adgangslog.csv", views.entry_export, name="entry_export"),
]

"""URLs of training. Only database ids appear in paths: never a name or a CPR number."""

from django.urls import path

from osteofys.web.training import documents, views

app_name = "training"
urlpatterns = [
    path("patienter/<int:patient_id>/session/", views.session_log, name="session_log"),
    path("sessioner/<int:session_id>/", views.session_detail, name="session_detail"),
    path(
        "sessioner/<int:session_id>/notat.pdf",
        documents.session_note_download,
        name="session_note_pdf",
    ),
]

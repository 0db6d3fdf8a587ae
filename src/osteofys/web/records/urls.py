"""URLs of patient records. Only database ids appear in paths: never a name or a CPR number."""

from django.urls import path

from osteofys.web.records import documents, gdpr, views

app_name = "records"
urlpatterns = [
    path("patienter/", views.patient_list, name="patient_list"),
    path("patienter/ny/", views.patient_create, name="patient_create"),
    path("patienter/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patienter/<int:patient_id>/ret/", views.patient_edit, name="patient_edit"),
    path(
        "patienter/<int:patient_id>/vurdering/", views.assessment_create, name="assessment_create"
    ),
    path(
        "patienter/<int:patient_id>/vurdering/live/", views.assessment_live, name="assessment_live"
    ),
    path(
        "patienter/<int:patient_id>/vurdering/kladde/kasser/",
        views.assessment_draft_discard,
        name="assessment_draft_discard",
    ),
    path("patienter/<int:patient_id>/gentest/", views.retest_create, name="retest_create"),
    path("patienter/<int:patient_id>/udlevering.zip", gdpr.patient_export, name="patient_export"),
    path("patienter/<int:patient_id>/slet/", gdpr.patient_delete, name="patient_delete"),
    path("vurderinger/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path(
        "vurderinger/<int:assessment_id>/beslutning/",
        views.assessment_decide,
        name="assessment_decide",
    ),
    path("vurderinger/<int:assessment_id>/laegebrev/", views.gp_letter, name="gp_letter"),
    path(
        "vurderinger/<int:assessment_id>/laegebrev.pdf",
        documents.assessment_gp_letter,
        name="gp_letter_pdf",
    ),
    path("planer/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("planer/<int:plan_id>/handout.pdf", documents.plan_handout, name="plan_handout"),
    path("planer/<int:plan_id>/tilfoej/", views.plan_item_add, name="plan_item_add"),
    path(
        "planer/<int:plan_id>/punkt/<int:item_id>/fjern/",
        views.plan_item_remove,
        name="plan_item_remove",
    ),
    path(
        "planer/<int:plan_id>/punkt/<int:item_id>/dosis/",
        views.plan_item_dose,
        name="plan_item_dose",
    ),
]

"""URLs of classes. Only database ids and a session date appear in paths: never a name or a CPR.

`day` is a session date of the class as YYYY-MM-DD; anything else (or a date off the schedule) is
a 404. The fixed words (`ret/`, `tilmeld/`) come before `<str:day>/`, which would match them too.
"""

from django.urls import path

from osteofys.web.classes import documents, views

app_name = "classes"
urlpatterns = [
    path("", views.class_list, name="class_list"),
    path("nyt/", views.class_create, name="class_create"),
    path("<int:class_id>/", views.class_detail, name="class_detail"),
    path("<int:class_id>/ret/", views.class_edit, name="class_edit"),
    path("<int:class_id>/tilmeld/", views.enrol, name="enrol"),
    path("<int:class_id>/deltager/<int:patient_id>/udmeld/", views.unenrol, name="unenrol"),
    path("<int:class_id>/rapport.pdf", documents.class_report, name="class_report"),
    path("<int:class_id>/<str:day>/", views.day, name="day"),
    path("<int:class_id>/<str:day>/fremmoede/", views.attendance, name="attendance"),
    path(
        "<int:class_id>/<str:day>/deltager/<int:patient_id>/",
        views.participant_log,
        name="participant_log",
    ),
    path("<int:class_id>/<str:day>/test/", views.test_day, name="test_day"),
]

"""URLs of progress. Only database ids appear in paths: never a name or a CPR number."""

from django.urls import path

from osteofys.web.progress import views

app_name = "progress"
urlpatterns = [
    path(
        "planer/<int:plan_id>/punkt/<int:item_id>/progression/accepter/",
        views.progression_accept,
        name="progression_accept",
    ),
    path(
        "planer/<int:plan_id>/punkt/<int:item_id>/progression/afvis/",
        views.progression_decline,
        name="progression_decline",
    ),
]

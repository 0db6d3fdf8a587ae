"""URLs of the exercise library."""

from django.urls import path

from osteofys.web.library import views

app_name = "library"
urlpatterns = [
    path("", views.exercise_list, name="exercise_list"),
    path("<slug:exercise_id>/", views.exercise_detail, name="exercise_detail"),
    path("<slug:exercise_id>/tegning.svg", views.exercise_drawing, name="exercise_drawing"),
]

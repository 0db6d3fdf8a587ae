"""URLs of the exercise library (placeholder until the views land)."""

app_name = "library"
urlpatterns: list[object] = []

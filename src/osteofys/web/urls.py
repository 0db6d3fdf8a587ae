"""Root URLs."""

from django.urls import include, path
from django.views.generic import RedirectView

from osteofys.web.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="records:patient_list"), name="home"),
    path("konto/", include("osteofys.web.accounts.urls")),
    path("", include("osteofys.web.records.urls")),
    path("", include("osteofys.web.training.urls")),
    path("", include("osteofys.web.progress.urls")),
    path("hold/", include("osteofys.web.classes.urls")),
    path("oevelser/", include("osteofys.web.library.urls")),
    path("audit/", include("osteofys.web.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

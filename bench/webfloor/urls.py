"""The baseline view behind login_required, in front of the app's own URLs."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from webbaseline.urls import rows

from osteofys.web.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("floor/", login_required(rows)), *app_urlpatterns]

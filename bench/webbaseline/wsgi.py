"""WSGI entry of the baseline (served by gunicorn, like `osteofys serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webbaseline.settings")
application = get_wsgi_application()

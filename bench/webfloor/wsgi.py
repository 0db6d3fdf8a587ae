"""WSGI entry of the signed-in floor (served by gunicorn like `osteofys serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webfloor.settings")
application = get_wsgi_application()

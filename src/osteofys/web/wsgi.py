"""WSGI entry point for the web application."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")
application = get_wsgi_application()

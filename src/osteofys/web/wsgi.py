"""WSGI entry point for the web application: prepares the data directory, then loads Django."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from osteofys.web.config import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")
# A WSGI server started on its own (not by `osteofys serve`) gets the same data directory.
prepare_data_dir(settings.CONFIG)
application = get_wsgi_application()

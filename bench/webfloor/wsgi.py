"""WSGI entry of the signed-in floor (served by gunicorn like `osteofys serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webfloor.settings")
application = get_wsgi_application()

# As `osteofys serve` does before its workers start.
from osteofys.web.warmup import warm_up  # noqa: E402 - needs the configured Django above

warm_up()

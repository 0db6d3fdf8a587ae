"""OsteoFys' settings plus one URL: /floor/."""

from copy import deepcopy

from webbaseline.settings import TEMPLATES as BASELINE_TEMPLATES

from osteofys.web.settings import *  # noqa: F403 - the point is to change nothing else
from osteofys.web.settings import TEMPLATES as APP_TEMPLATES

ROOT_URLCONF = "webfloor.urls"
TEMPLATES = deepcopy(APP_TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], *BASELINE_TEMPLATES[0]["DIRS"]]

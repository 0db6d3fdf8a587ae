"""The web application's settings for a command: which data directory, read once, prepared."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from osteofys.cli import EXIT_USAGE

if TYPE_CHECKING:
    from osteofys.web.config import Config


def configure(data_dir: str | None) -> Config:
    """Point Django at OsteoFys's settings and return the configuration read from the environment.

    `data_dir` (`--data-dir`) is used when given. Writes nothing.

    A malformed OSTEOFYS_* variable ends the command with its Danish message (exit 2).
    """
    if data_dir:
        os.environ["OSTEOFYS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        config: Config = settings.CONFIG
    except ImproperlyConfigured as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    return config


def prepare(data_dir: str | None) -> Config:
    """`configure`, then make the data directory, its secret key and SQLite file if missing."""
    from osteofys.web.config import prepare_data_dir

    config = configure(data_dir)
    prepare_data_dir(config)
    return config

"""`osteofys manage ...`: Django's management commands with OsteoFys's settings and data dir."""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="mappe til database og nøgle (standard: ./data)")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="fx: check --deploy")


def run(args: argparse.Namespace) -> int:
    if args.data_dir:
        os.environ["OSTEOFYS_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["osteofys manage", *args.arguments])
    return 0

"""`osteofys manage ...`: Django's management commands with OsteoFys's settings and data dir."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="mappe til database og nøgle (standard: ./data)")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="fx: check --deploy")


def run(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    from osteofys.cli import webapp

    webapp.prepare(args.data_dir)

    execute_from_command_line(["osteofys manage", *args.arguments])
    return 0

"""`osteofys serve`: migrate the database and run the web application."""

from __future__ import annotations

import argparse
import sys

from osteofys.cli import EXIT_PROBLEM


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options yet: the command is not built."""


def run(args: argparse.Namespace) -> int:
    print("Kommandoen er endnu ikke bygget.", file=sys.stderr)
    return EXIT_PROBLEM

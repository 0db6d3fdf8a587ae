"""`osteofys restore`: placeholder until its issue lands (replaced by the module's owner)."""

from __future__ import annotations

import argparse

from osteofys.cli import EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    return EXIT_USAGE

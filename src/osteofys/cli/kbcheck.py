"""`osteofys kb check`: report every integrity problem of the knowledge base.

Besides the knowledge base's own check (which `kb.load()` runs), it draws every exercise: the
load checks only the pose vocabulary, and a pose can pass it and still not draw.
"""

from __future__ import annotations

import argparse

from osteofys.cli import EXIT_OK, EXIT_PROBLEM


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="en anden videnbase-mappe (standard: den indbyggede)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from osteofys import kb
    from osteofys.illustrations import data_dir_problems

    directory = Path(args.data_dir) if args.data_dir else kb.DATA_DIR
    drawing = [
        kb.Problem(kb.Code.POSE, where, what) for where, what in data_dir_problems(directory)
    ]
    problems = [*kb.check(directory), *drawing]
    if problems:
        print(f"Videnbasen har {len(problems)} fejl:")
        for problem in problems:
            print(f"  - {problem}")
        return EXIT_PROBLEM
    base = kb.load(directory)
    k = base.knowledge
    print(
        f"Videnbase {k.version} ({k.content_hash[:12]}) er i orden: "
        f"{len(k.thresholds)} grænseværdier, "
        f"{len(k.risk_factors)} risikofaktorer, {len(k.criteria) + len(k.overlays)} regler, "
        f"{len(k.exercises)} øvelser, {len(base.texts.sources)} kilder."
    )
    return EXIT_OK

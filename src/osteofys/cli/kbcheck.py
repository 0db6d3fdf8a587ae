"""`osteofys kb check`: report every integrity problem of the knowledge base."""

from __future__ import annotations

import argparse

from osteofys.cli import EXIT_OK, EXIT_PROBLEM


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="en anden videnbase-mappe (standard: den indbyggede)")


def run(args: argparse.Namespace) -> int:
    return run_kb_check(args.data_dir)


def run_kb_check(data_dir: str | None = None) -> int:
    from pathlib import Path

    from osteofys import kb

    directory = Path(data_dir) if data_dir else kb.DATA_DIR
    problems = kb.check(directory)
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
        f"{len(k.exercises)} øvelser, {len(base.raw['sources'])} kilder."
    )
    return EXIT_OK

"""How long loading the knowledge base takes: `python bench/kbload.py [--runs N]`.

Two figures, because they answer different questions. "fresh process" is what a command such as
`osteofys assess` pays: a new interpreter imports `osteofys.kb` and calls `kb.load()` (imports
included, interpreter start-up not). "in process" is `kb.loader.load_from` alone, repeated in one
warm interpreter, which is what a test or a re-check pays. Standalone on purpose: it needs nothing
from the rest of `bench/`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from osteofys.kb.loader import DATA_DIR, load_from

# Runs in a fresh interpreter; prints the seconds that import plus load took.
CHILD = """
import time
t0 = time.perf_counter()
from osteofys import kb
kb.load()
print(time.perf_counter() - t0)
"""


def fresh(runs: int) -> list[float]:
    """Import and load once in each of `runs` new interpreters."""
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
        )
        out.append(float(done.stdout.strip()))
    return out


def in_process(runs: int) -> list[float]:
    """`load_from(DATA_DIR)` `runs` times in this interpreter, after one warm-up load."""
    load_from(DATA_DIR)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        load_from(DATA_DIR)
        out.append(time.perf_counter() - t0)
    return out


def line(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<16} n={len(ms):<3} median {statistics.median(ms):7.1f} ms"
        f"  min {min(ms):7.1f}  max {max(ms):7.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(line("fresh process", fresh(args.runs)))
    print(line("in process", in_process(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the micro-benchmarks share: pyperf's runner set up for this project, and their figures.

pyperf runs each benchmark in fresh worker processes (`PROCESSES` by default), each with a
warm-up value it discards and then `VALUES` values, every value timing enough calls (loops,
calibrated once) to last at least pyperf's `--min-time`; the spread is over all values of all
processes. pyperf's own options work on every script (`--fast`, `--rigorous`, `-p N`, `-o
FILE.json`, `--quiet`); the figures printed at the end are this module's `line`.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

import pyperf

PROCESSES = 10  # pyperf's default is 20; 10 keeps `make bench` near a minute on 2 cores
VALUES = 3
WARMUPS = 1


def runner(**options: Any) -> pyperf.Runner:
    """The one pyperf runner of a script. The workers inherit the OSTEOFYS_* variables (pyperf
    passes only a few variables on by default), so they read the same vignettes and data."""
    chosen = {"processes": PROCESSES, "values": VALUES, "warmups": WARMUPS, **options}
    made = pyperf.Runner(**chosen)
    made.argparser.set_defaults(
        inherit_environ=sorted(n for n in os.environ if n.startswith("OSTEOFYS_"))
    )
    return made


def is_worker(made: pyperf.Runner) -> bool:
    """True in a worker process: it measures and reports to the parent, which prints."""
    return bool(made.parse_args().worker)


def line(bench: pyperf.Benchmark, scale: float, unit: str, digits: int = 1) -> str:
    """`median 134.9 µs, spread ±4.1 µs (std dev), range 128.0-151.2 over 30 values in 10
    processes`: the figures of one benchmark, its seconds times `scale` in `unit`."""
    values = [v * scale for v in bench.get_values()]
    median = statistics.median(values)
    stdev = statistics.stdev(values) if len(values) > 1 else 0.0
    return (
        f"median {median:.{digits}f} {unit}, spread ±{stdev:.{digits}f} {unit} (std dev), "
        f"range {min(values):.{digits}f}-{max(values):.{digits}f} over {len(values)} values "
        f"in {processes(bench)} processes"
    )


def processes(bench: pyperf.Benchmark) -> int:
    """Worker processes that gave values (pyperf's loop calibration gives none)."""
    return sum(1 for run in bench.get_runs() if run.values)


def first_values(bench: pyperf.Benchmark) -> list[float]:
    """Each worker process's first warm-up value, in seconds per call: what a call costs in a
    fresh process, before anything is cached (needs warm-ups, and loops=1 to be one call)."""
    firsts = []
    for run in bench.get_runs():
        warmups = run.warmups or ()
        if warmups:
            firsts.append(warmups[0][1])  # pyperf keeps it per call already
    return firsts

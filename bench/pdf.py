"""Benchmark: time to render a patient handout as PDF (12 exercises with SVG drawings).

Each render is the whole path a download takes: the data model from a stored result, the 12
exercise drawings, and the typst compile into PDF. Each render has another patient name, so typst
cannot hand back a cached document. Measured with pyperf (bench/micro.py): fresh worker
processes, one render per value; the first render of each process (fonts loaded, nothing cached
yet) is its warm-up value and is reported apart. Run: `make bench` or `python bench/pdf.py`
(pyperf's options pass through).
"""

from __future__ import annotations

import itertools
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a script, `python bench/pdf.py`: import the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import harness, micro
from osteofys import kb
from osteofys.documents import handout_data, handout_pdf
from osteofys.documents.model import plan_items
from osteofys.kb.explain import words
from osteofys.rules import assess, parse_case
from osteofys.rules.result import write_result

VALUES = 5  # renders per process after the first
# An everyday-active 68-year-old woman without fractures: a plan of 12 home exercises.
CASE = {
    "format": "osteofys.case/1",
    "assessment_date": "2026-11-26",
    "patient": {"birth_date": "1958-04-02", "sex": "female", "height_cm": 165, "weight_kg": 65},
    "risk_factors": {"falls_last_12_months": 0, "smoking": "never"},
    "dxa": {"date": "2026-03-10", "lumbar_spine": -1.8, "femoral_neck": -1.5},
    "fractures": [],
    "function": {
        "walking_aid": "none",
        "needs_help_daily_activities": False,
        "training_days_per_week": 0,
        "training_months": 0,
        "everyday_activity": "active",
        "sedentary_due_to_disease": False,
        "new_sudden_back_pain": False,
        "neurological_symptoms": False,
    },
    "tests": {"tug_s": 8.5, "sit_to_stand_5x_s": 10.5, "tandem_stance_s": 30},
}


def renderer() -> tuple[Callable[[int], bytes], int]:
    """render(n): the handout of patient number n as PDF bytes; and the number of exercises."""
    base = kb.load()
    k = base.knowledge
    assessment = assess(parse_case(CASE, k.input_ranges, k.conditions), k)
    stored = write_result(assessment, words(base))
    assert assessment.plan is not None
    items = plan_items(assessment)

    def render(n: int) -> bytes:
        data = handout_data(
            base,
            result=stored,
            items=items,
            clinic="Fysioterapi Østerbro",
            patient=f"Patient nr. {n}",
            when=date(2026, 11, 27),
        )
        return handout_pdf(data)

    return render, len(items)


def main() -> None:
    runner = micro.runner(loops=1, values=VALUES)
    render, exercises = renderer()
    patients = itertools.count(1)

    def time_render(loops: int) -> float:
        clock = time.perf_counter
        start = clock()
        for _ in range(loops):
            render(next(patients))
        return clock() - start

    rendered = runner.bench_time_func("handout pdf", time_render)
    if micro.is_worker(runner) or rendered is None:
        return
    first = render(0)
    pages = len(re.findall(rb"/Type\s*/Page\b", first))
    cold = [v * 1000 for v in micro.first_values(rendered)]
    print()
    print(harness.machine())
    print(f"handout: {exercises} exercises with drawings, {pages} pages, {len(first)} bytes")
    print(
        f"first render in a fresh process: median {statistics.median(cold):.0f} ms "
        f"(range {min(cold):.0f}-{max(cold):.0f} over {len(cold)} processes)"
    )
    print(f"render: {micro.line(rendered, 1e3, 'ms')}")


if __name__ == "__main__":
    main()

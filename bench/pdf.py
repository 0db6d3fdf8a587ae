"""Benchmark: time to render a patient handout as PDF (12 exercises with SVG drawings).

Prints the median of 20 renders. Each render is the whole path a download takes: the data model
from a stored result, the 12 exercise drawings, and the typst compile into PDF. Each render has
another patient name, so typst cannot hand back a cached document. The first render of a process
(fonts loaded, nothing cached yet) is reported apart. Run: `python bench/pdf.py`.
"""

from __future__ import annotations

import platform
import re
import statistics
import time
from datetime import date

from osteofys import kb
from osteofys.documents import handout_data, handout_pdf
from osteofys.documents.model import plan_items
from osteofys.kb.explain import words
from osteofys.rules import assess, parse_case
from osteofys.rules.result import write_result

RENDERS = 20
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


def main() -> None:
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

    clock = time.perf_counter
    t0 = clock()
    first = render(0)
    cold = clock() - t0
    timings = []
    for n in range(1, RENDERS + 1):
        t0 = clock()
        render(n)
        timings.append(clock() - t0)

    pages = len(re.findall(rb"/Type\s*/Page\b", first))
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"handout: {len(items)} exercises with drawings, {pages} pages, {len(first)} bytes")
    print(f"first render in this process: {cold * 1000:.0f} ms")
    print(
        f"median of {RENDERS} renders: {statistics.median(timings) * 1000:.1f} ms "
        f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f})"
    )


if __name__ == "__main__":
    main()

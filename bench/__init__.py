"""OsteoFys' benchmarks (not a test, not part of the product).

One harness (`bench.harness`: free port, start and stop a server, log in, the machine line,
percentiles, the docs writer) serves the web benchmark (`bench/web.py`, split by job into
`seeding`, `form`, `wrk` and `webreport`), the load test (`bench/load.py`) and the tests that run
the real server (`tests/web/installation.py`). The micro-benchmarks (`bench/assess.py`,
`bench/pdf.py`, `bench/screen.py`) measure with pyperf. Each script runs from the repository root
as `.venv/bin/python bench/NAME.py` or `.venv/bin/python -m bench.NAME`.
"""

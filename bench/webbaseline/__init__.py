"""The baseline of bench/web.py: a bare Django view rendering a 50-row template, nothing else.

No middleware, no database, no sessions: what Django and gunicorn cost on their own on this
machine, so the product's figures can be read as a fraction of it. Benchmark-only.
"""

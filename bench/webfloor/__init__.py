"""A second reference for bench/web.py: the baseline's 50-row view inside OsteoFys' own stack.

The same view and template as bench/webbaseline/, but served with OsteoFys' settings: every
middleware (security headers, CSP, sessions, locale, CSRF, auth, access-log context, idle
timeout, two-factor, axes) and a signed-in user loaded from the benchmark's database, no query
of its own and no access-log entry. It is what any signed-in page of the app costs before the
page does anything. Benchmark-only: the product's URLs do not have it.
"""

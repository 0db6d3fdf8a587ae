"""Population case-finding over registry data: the same rules compiled to polars.

`screen` reads the files and decides every citizen; `derive` builds the findings the rules read
from registry rows, `compile` turns the rule language into polars expressions and `referral`
applies SPEC P10. `cases` is the per-record reference of the same mapping (plain Python, for
the property tests and the benchmark); `synth` writes synthetic registry data.
"""

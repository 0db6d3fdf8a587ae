"""Tests of the benchmarks\x27 harness (bench/harness.py)."""

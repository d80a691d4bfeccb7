"""Benchmarks that print a markdown table: ``python -m bench`` (``--smoke`` for CI sizes)."""

"""Interop with pytest-benchmark: the pytest plugin that runs tracetui's
benchmarks under pytest, and the bridge that runs a user's own tests as a run.
"""

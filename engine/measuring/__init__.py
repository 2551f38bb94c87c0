"""Measuring: the one case runner (probe and one timed round), timing a benchmark
with it, the worker process and its runner, exact database evidence, profiling,
and the machine's noise.
"""

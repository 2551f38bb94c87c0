"""Measuring: timing a case, the worker process and its runner, exact database
evidence, profiling, the machine's noise, and the parent side of a Locust run.
"""

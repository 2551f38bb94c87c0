"""Judging: statistics beside pytest-benchmark's ``Stats``, verdicts (does this
result fail against that baseline?) and the baseline files with their policy.
"""

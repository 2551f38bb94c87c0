"""Recording: the run history, a run's record and its evaluation, reports
(table, pytest-benchmark JSON, JUnit, Markdown) and importing pytest-benchmark files.
"""

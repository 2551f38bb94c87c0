"""The vocabulary every room shares: what a benchmark, plan, profile, result and
event are, where suites come from, and how a database is opened.
"""

"""A suite that exists only to be listed by the console tests (never timed).

Registered through ``TRACETUI_SUITES=tests.tui.demo_suite:SUITE``; the
events of its "runs" are canned in ``tests/tui/canned.py``.
"""

from __future__ import annotations

from tracetui.engine.core.model import Context, Kind, Suite, Timed

SUITE = Suite("demo", "Canned benchmarks for the console tests")


@SUITE.benchmark(params=[10, 100])
def lookup(ctx: Context, n: int):
    """Look an item up by primary key."""
    yield Timed(lambda: None)


@SUITE.benchmark(kind=Kind.WORKLOAD)
def create(ctx: Context):
    """Create items in one transaction."""
    yield Timed(lambda: None)


@SUITE.benchmark(kind=Kind.LOAD)
def browse(ctx: Context):
    """HTTP users browsing items."""
    yield Timed(lambda: None)


@SUITE.benchmark()
def broken(ctx: Context):
    """Fails in the canned run."""
    yield Timed(lambda: None)

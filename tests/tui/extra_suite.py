"""A second listed-only suite, so the console tests have two baseline files.

Registered through ``TRACETUI_SUITES=tests.tui.extra_suite:SUITE``.
"""

from __future__ import annotations

from tracetui.engine.core.model import Context, Suite, Timed

SUITE = Suite("extra", "A second canned suite (its own baseline file)")


@SUITE.benchmark()
def scan(ctx: Context):
    """Scan every item of a project."""
    yield Timed(lambda: None)

"""Query plans as evidence: only their shape counts, not the values they ran with."""

from __future__ import annotations

import re

_PLAN_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def normalize_plan(plan: str) -> str:
    """A plan with its literals and parameters replaced by ``?``.

    PostgreSQL prints the values a statement ran with (``id = ANY
    ('{56901,…}'::integer[])``, ``project_id = 12``); SQLite prints ``?``.
    Only the shape of the plan is evidence.
    """
    return _PLAN_LITERAL.sub("?", plan)


def plans_differ(baseline: str | None, current: str | None) -> bool:
    return (
        baseline is not None
        and current is not None
        and normalize_plan(baseline) != normalize_plan(current)
    )

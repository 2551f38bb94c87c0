"""Row counts of the trace tables: what "the database as it was found" means in tests."""

from __future__ import annotations

import sqlalchemy as sa
from tracetui.suites.trace.schema import TABLES


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per trace table."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in TABLES
        }

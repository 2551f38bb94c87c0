"""The reference trace system: the system under test of the database and bulk suites.

- :mod:`suites.trace.schema` — typed ORM models, vocabulary, create/drop.
- :mod:`suites.trace.service` — :class:`TraceService`, the operations that are timed.
- :mod:`suites.trace.generator` — deterministic items and links.
- :mod:`suites.trace.fixtures` — scratch projects and the raw sqlite3 reference.
"""

from suites.trace.generator import DataGenerator
from suites.trace.schema import (
    ITEM_TYPES,
    LINK_TYPES,
    PRIORITIES,
    STATUSES,
    create_schema,
    drop_schema,
)
from suites.trace.service import (
    DuplicateLink,
    DuplicateProject,
    InvalidField,
    TraceError,
    TraceService,
    UnknownItem,
    UnknownProject,
)

__all__ = [
    "ITEM_TYPES",
    "LINK_TYPES",
    "PRIORITIES",
    "STATUSES",
    "DataGenerator",
    "DuplicateLink",
    "DuplicateProject",
    "InvalidField",
    "TraceError",
    "TraceService",
    "UnknownItem",
    "UnknownProject",
    "create_schema",
    "drop_schema",
]

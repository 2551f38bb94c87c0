"""The reference trace system: the system under test of the database and bulk suites.

- :mod:`tracetui.suites.trace.schema` — typed ORM models, vocabulary, create/drop.
- :mod:`tracetui.suites.trace.service` — :class:`TraceService`, the operations that are timed.
- :mod:`tracetui.suites.trace.generator` — deterministic items and links.
- :mod:`tracetui.suites.trace.fixtures` — scratch projects and the raw sqlite3 reference.
"""

from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.schema import (
    ITEM_TYPES,
    LINK_TYPES,
    PRIORITIES,
    STATUSES,
    create_schema,
    drop_schema,
)
from tracetui.suites.trace.service import (
    DuplicateLink,
    DuplicateProject,
    InvalidField,
    ProjectNotEmpty,
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
    "ProjectNotEmpty",
    "TraceError",
    "TraceService",
    "UnknownItem",
    "UnknownProject",
    "create_schema",
    "drop_schema",
]

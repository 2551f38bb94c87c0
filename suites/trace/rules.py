"""The trace system's rules: vocabulary checks, limits and the errors the service raises.

Everything the service validates before it touches the database lives here,
so that the service (:mod:`tracetui.suites.trace.service`), its statements
and the API agree on one set of limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tracetui.suites.trace.schema import ITEM_TYPES, LINK_TYPES, PRIORITIES, STATUSES, TITLE_MAX

ITEM_FIELDS = ("type", "title", "status", "priority")
MAX_PAGE = 10_000
MAX_TRACE_DEPTH = 100
#: The bounded trace (the API's) stops after this many link rows or seconds.
TRACE_ROW_BUDGET = 50_000
TRACE_TIME_BUDGET_S = 1.0
# IN-lists are chunked below SQLite's historic 999-parameter limit.
IN_CHUNK = 900

_TYPES = frozenset(ITEM_TYPES)
_STATUSES = frozenset(STATUSES)
_LINK_TYPES = frozenset(LINK_TYPES)
_PRIORITIES = frozenset(PRIORITIES)
_ITEM_FIELDS = frozenset(ITEM_FIELDS)


class TraceError(Exception):
    """Base of every error the trace service raises on purpose."""


class UnknownItem(TraceError, LookupError):
    """An item id that does not exist."""


class UnknownProject(TraceError, LookupError):
    """A project id that does not exist."""


class DuplicateLink(TraceError):
    """A link (source, target, link type) that already exists."""


class DuplicateProject(TraceError):
    """A project name that is already taken."""


class ProjectNotEmpty(TraceError):
    """A project that still has items, where only an empty one may be deleted."""


class InvalidField(TraceError, ValueError):
    """A field value outside the vocabulary (status, type, priority, title...)."""


# --- validation ---------------------------------------------------------------------------


def _check_title(title: object, what: str = "title") -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidField(f"{what} must be a non-empty string, got {title!r}")
    if len(title) > TITLE_MAX:
        raise InvalidField(f"{what} is longer than {TITLE_MAX} characters")
    if "\x00" in title:  # PostgreSQL refuses NUL in text; SQLite would keep it: refuse on both
        raise InvalidField(f"{what} contains a NUL character")
    return title


def _check_field(name: str, value: object) -> object:
    if name == "type":
        if value not in _TYPES:
            raise InvalidField(f"unknown item type {value!r} (one of {', '.join(ITEM_TYPES)})")
    elif name == "status":
        if value not in _STATUSES:
            raise InvalidField(f"unknown status {value!r} (one of {', '.join(STATUSES)})")
    elif name == "priority":
        if type(value) is not int or value not in _PRIORITIES:
            raise InvalidField(f"priority must be an integer 1..5, got {value!r}")
    elif name == "title":
        _check_title(value)
    else:
        raise InvalidField(f"unknown item field {name!r} (one of {', '.join(ITEM_FIELDS)})")
    return value


def _check_fields(fields: Mapping[str, object]) -> dict[str, object]:
    return {name: _check_field(name, value) for name, value in fields.items()}


def _item_row(project_id: int, row: Mapping[str, Any]) -> dict[str, object]:
    """One validated insert parameter set (fast path first, precise error second)."""
    try:
        values = {
            "project_id": project_id,
            "type": row["type"],
            "title": row["title"],
            "status": row.get("status", "open"),
            "priority": row.get("priority", 3),
        }
    except KeyError as exc:
        raise InvalidField(f"item field {exc.args[0]!r} is required") from None
    title = values["title"]
    if (
        values["type"] in _TYPES
        and values["status"] in _STATUSES
        and type(values["priority"]) is int
        and values["priority"] in _PRIORITIES
        and type(title) is str
        and 0 < len(title) <= TITLE_MAX
        and not title.isspace()
        and "\x00" not in title
        and row.keys() <= _ITEM_FIELDS
    ):
        return values
    _check_fields(row)
    raise InvalidField(f"invalid item {dict(row)!r}")  # pragma: no cover - _check_fields raised


def _check_link_type(link_type: object) -> None:
    if link_type not in _LINK_TYPES:
        raise InvalidField(f"unknown link type {link_type!r} (one of {', '.join(LINK_TYPES)})")


def _check_page(limit: int, offset: int) -> None:
    if type(limit) is not int or not 0 < limit <= MAX_PAGE:
        raise InvalidField(f"limit must be an integer 1..{MAX_PAGE}, got {limit!r}")
    if type(offset) is not int or offset < 0:
        raise InvalidField(f"offset must be a non-negative integer, got {offset!r}")


def _chunks(ids: Sequence[int], size: int = IN_CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]

"""The service's SQL, built once as Core statements, and how their rows become dicts.

Each statement is a module constant (or built once per shape through
``lru_cache``), so SQLAlchemy's compiled cache serves every call: no
statement is compiled twice. ``_first_dict`` turns a single-row result into a
dict with column names computed once per statement (``_row_shape``).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from tracetui.suites.trace.schema import items_table, links_table, projects_table, utcnow

_TIMESTAMP_KEYS = ("created_at", "updated_at")


def _dicts(result: sa.CursorResult[Any]) -> list[dict[str, Any]]:
    """All rows as plain dicts, timestamps as ISO strings (keys looked up once per result)."""
    keys = list(result.keys())
    timestamps = [key for key in _TIMESTAMP_KEYS if key in keys]
    dicts = [dict(zip(keys, row, strict=True)) for row in result.all()]
    for entry in dicts:
        for key in timestamps:
            value = entry[key]
            if isinstance(value, datetime):
                entry[key] = value.isoformat()
    return dicts


def _first_dict(
    result: sa.CursorResult[Any], keys: tuple[str, ...], timestamps: tuple[str, ...]
) -> dict[str, Any] | None:
    """The first row as a dict (timestamps as ISO strings), or None; closes the result.

    ``keys`` are the statement's column names, computed once (not per result).
    """
    row = result.first()
    if row is None:
        return None
    entry = dict(zip(keys, row, strict=True))
    for key in timestamps:
        value = entry[key]
        if isinstance(value, datetime):
            entry[key] = value.isoformat()
    return entry


def _row_shape(statement: sa.Select[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A select's column names and which of them are timestamps (for :func:`_first_dict`)."""
    keys = tuple(statement.selected_columns.keys())
    return keys, tuple(key for key in _TIMESTAMP_KEYS if key in keys)


# --- statements built once ----------------------------------------------------------------

_I = items_table.c
_L = links_table.c
_P = projects_table.c

_IDS = sa.bindparam("ids", expanding=True)

_INSERT_PROJECT = sa.insert(projects_table)
_SELECT_PROJECT = sa.select(projects_table).where(_P.id == sa.bindparam("project_id"))
_PROJECT_SHAPE = _row_shape(_SELECT_PROJECT)
_PROJECT_EXISTS = sa.select(_P.id).where(_P.id == sa.bindparam("project_id"))
_DELETE_PROJECT = sa.delete(projects_table).where(_P.id == sa.bindparam("project_id"))
_DELETE_EMPTY_PROJECT = _DELETE_PROJECT.where(
    ~sa.exists().where(items_table.c.project_id == sa.bindparam("project_id"))
)

_INSERT_ITEM = sa.insert(items_table)
_INSERT_ITEMS_RETURNING = sa.insert(items_table).returning(_I.id)
_INSERT_ITEMS_RETURNING_ORDERED = sa.insert(items_table).returning(
    _I.id, sort_by_parameter_order=True
)
_SELECT_ITEM = sa.select(items_table).where(_I.id == sa.bindparam("item_id"))
_ITEM_SHAPE = _row_shape(_SELECT_ITEM)
_ITEMS_EXIST = sa.select(_I.id).where(_I.id.in_(_IDS))
_DELETE_ITEM = sa.delete(items_table).where(_I.id == sa.bindparam("item_id"))
_DELETE_ITEMS = sa.delete(items_table).where(_I.id.in_(_IDS))
_DELETE_PROJECT_ITEMS = sa.delete(items_table).where(_I.project_id == sa.bindparam("project_id"))
_SELECT_BY_TITLE = (
    sa.select(items_table)
    .where(_I.project_id == sa.bindparam("project_id"), _I.title == sa.bindparam("title"))
    .order_by(_I.id)
)

_INSERT_LINK = sa.insert(links_table)
_DELETE_LINK = sa.delete(links_table).where(_L.id == sa.bindparam("link_id"))
_PROJECT_ITEM_IDS = sa.select(_I.id).where(_I.project_id == sa.bindparam("project_id"))
_DELETE_PROJECT_LINKS = sa.delete(links_table).where(
    sa.or_(_L.source_id.in_(_PROJECT_ITEM_IDS), _L.target_id.in_(_PROJECT_ITEM_IDS))
)

_LINKED_ITEM_COLUMNS = (
    _L.id.label("link_id"),
    _L.link_type,
    _I.id.label("item_id"),
    _I.type,
    _I.title,
    _I.status,
)
_ITEM_LINKS = sa.union_all(
    sa.select(sa.literal("outgoing").label("direction"), *_LINKED_ITEM_COLUMNS)
    .join_from(links_table, items_table, _I.id == _L.target_id)
    .where(_L.source_id == sa.bindparam("item_id")),
    sa.select(sa.literal("incoming").label("direction"), *_LINKED_ITEM_COLUMNS)
    .join_from(links_table, items_table, _I.id == _L.source_id)
    .where(_L.target_id == sa.bindparam("item_id")),
)

_COUNT_BY_STATUS = (
    sa.select(_I.status, sa.func.count())
    .where(_I.project_id == sa.bindparam("project_id"))
    .group_by(_I.status)
)
_COUNT_BY_TYPE_AND_STATUS = (
    sa.select(_I.type, _I.status, sa.func.count())
    .where(_I.project_id == sa.bindparam("project_id"))
    .group_by(_I.type, _I.status)
)

_OUTGOING_COUNT = (
    sa.select(sa.func.count()).where(_L.source_id == _I.id).scalar_subquery().label("outgoing")
)
_INCOMING_COUNT = (
    sa.select(sa.func.count()).where(_L.target_id == _I.id).scalar_subquery().label("incoming")
)
_ITEMS_WITH_LINK_COUNTS = (
    sa.select(items_table, _OUTGOING_COUNT, _INCOMING_COUNT)
    .where(_I.project_id == sa.bindparam("project_id"))
    .order_by(_I.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


def _downstream_statement() -> sa.Select[Any]:
    """Ids reachable from ``:item_id`` by outgoing links, nearest first (a recursive CTE).

    ``UNION`` (not ``UNION ALL``) drops repeated (id, depth) pairs, so cycles
    and diamonds cost at most one row per item and depth.
    """
    start = sa.select(_L.target_id.label("id"), sa.literal(1).label("depth")).where(
        _L.source_id == sa.bindparam("item_id")
    )
    reach = start.cte("reach", recursive=True)
    step = (
        sa.select(_L.target_id, (reach.c.depth + 1).label("depth"))
        .join_from(reach, links_table, _L.source_id == reach.c.id)
        .where(reach.c.depth < sa.bindparam("max_depth"))
    )
    reach = reach.union(step)
    return (
        sa.select(reach.c.id)
        .where(reach.c.id != sa.bindparam("item_id"))
        .group_by(reach.c.id)
        .order_by(sa.func.min(reach.c.depth), reach.c.id)
    )


_DOWNSTREAM = _downstream_statement()
_TARGETS_OF = sa.select(_L.target_id).where(_L.source_id.in_(_IDS))
_ITEM_EXISTS = sa.select(_I.id).where(_I.id == sa.bindparam("item_id"))
_SELECT_PROJECTS_LIKE = (
    sa.select(_P.id, _P.name)
    .where(_P.name.like(sa.bindparam("pattern"), escape="\\"))
    .order_by(_P.id)
    .limit(sa.bindparam("limit"))
)


@lru_cache(maxsize=64)
def _filter_clauses(has_status: bool, has_type: bool, priority: str | None) -> tuple[Any, ...]:
    clauses: list[Any] = [_I.project_id == sa.bindparam("project_id")]
    if has_status:
        clauses.append(_I.status == sa.bindparam("status"))
    if has_type:
        clauses.append(_I.type == sa.bindparam("type"))
    if priority == "eq":
        clauses.append(_I.priority == sa.bindparam("priority"))
    elif priority == "in":
        clauses.append(_I.priority.in_(sa.bindparam("priority", expanding=True)))
    return tuple(clauses)


@lru_cache(maxsize=64)
def _list_statement(has_status: bool, has_type: bool, priority: str | None) -> sa.Select[Any]:
    return (
        sa.select(items_table)
        .where(*_filter_clauses(has_status, has_type, priority))
        .order_by(_I.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


@lru_cache(maxsize=64)
def _update_statement(fields: tuple[str, ...], many: bool) -> sa.Update:
    """``UPDATE items SET <fields> = :v_<field>, updated_at = now WHERE id = :item_id``
    (or ``id IN :ids``), built once per field set."""
    where = _I.id.in_(_IDS) if many else _I.id == sa.bindparam("item_id")
    values: dict[str, Any] = {name: sa.bindparam(f"v_{name}") for name in fields}
    return sa.update(items_table).where(where).values(**values, updated_at=utcnow())


@lru_cache(maxsize=16)
def _count_statement(has_status: bool, has_type: bool, has_priority: bool) -> sa.Select[Any]:
    clauses = _filter_clauses(has_status, has_type, "eq" if has_priority else None)
    return sa.select(sa.func.count()).where(*clauses)

"""The reference trace system's schema: projects, items and typed links.

SQLAlchemy 2 typed ORM models define the tables; the service layer
(:mod:`tracetui.suites.trace.service`) works on them with Core statements for speed.
The vocabulary (item types, statuses, link types, priorities) lives here too,
so that the service, the generator and the API validate against one list.

Indexes follow the queries the suites time (see ``TraceService``):

- ``ix_items_project_id (project_id, id)`` — a project's items in id order
  (``list_items`` without filters, pagination, ``count_items``), and the
  foreign-key lookup behind ``delete_project``'s cascade.
- ``ix_items_project_status (project_id, status)`` — status filters and
  ``count_by_status`` (a covering index for the GROUP BY).
- ``ix_items_project_type_status (project_id, type, status, priority)`` —
  ``count_by_type_and_status`` (covering, in GROUP BY order) and type
  filters (priority checked inside the index). Without ``ANALYZE``
  statistics SQLite prefers ``ix_items_project_id`` for type + priority
  filters (it saves the ORDER BY sort on a 1000-item project).
- ``ix_items_project_priority (project_id, priority)`` — priority filters.
- ``ix_items_project_title (project_id, title)`` — lookup by title.
- links: ``uq_links_source_target_type (source_id, target_id, link_type)``
  is also the index on ``source_id`` (outgoing links, the recursive trace);
  ``ix_links_target_id`` serves incoming links and the cascade from a
  deleted target item.

Timestamps are naive UTC, filled by the database (``server_default``), so a
bulk insert sends no per-row timestamp parameters at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import FunctionElement

ITEM_TYPES: tuple[str, ...] = ("requirement", "design", "test", "defect", "task")
STATUSES: tuple[str, ...] = ("open", "in_progress", "review", "done", "closed")
LINK_TYPES: tuple[str, ...] = ("implements", "verifies", "depends_on", "relates_to")
PRIORITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
TITLE_MAX = 200


class utcnow(FunctionElement[datetime]):
    """The current UTC time as the database sees it, naive, with sub-second precision."""

    type = sa.DateTime()
    inherit_cache = True


@compiles(utcnow, "sqlite")
def _utcnow_sqlite(_element: utcnow, _compiler: Any, **_kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


@compiles(utcnow, "postgresql")
def _utcnow_postgresql(_element: utcnow, _compiler: Any, **_kw: Any) -> str:
    return "timezone('utc', statement_timestamp())"


@compiles(utcnow)
def _utcnow_default(_element: utcnow, _compiler: Any, **_kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


class Base(DeclarativeBase):
    """Declarative base of the trace schema (its own metadata)."""


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(TITLE_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=utcnow())

    items: Mapped[list[Item]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        sa.Index("ix_items_project_id", "project_id", "id"),
        sa.Index("ix_items_project_status", "project_id", "status"),
        sa.Index("ix_items_project_type_status", "project_id", "type", "status", "priority"),
        sa.Index("ix_items_project_priority", "project_id", "priority"),
        sa.Index("ix_items_project_title", "project_id", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    priority: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(server_default=utcnow())
    updated_at: Mapped[datetime] = mapped_column(server_default=utcnow())

    project: Mapped[Project] = relationship(back_populates="items")


class Link(Base):
    __tablename__ = "links"
    __table_args__ = (
        sa.UniqueConstraint(
            "source_id", "target_id", "link_type", name="uq_links_source_target_type"
        ),
        sa.Index("ix_links_target_id", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"))
    link_type: Mapped[str] = mapped_column(sa.String(20))


projects_table: sa.Table = Project.__table__  # type: ignore[assignment]
items_table: sa.Table = Item.__table__  # type: ignore[assignment]
links_table: sa.Table = Link.__table__  # type: ignore[assignment]

TABLES: tuple[sa.Table, ...] = (projects_table, items_table, links_table)


def create_schema(engine: Engine) -> None:
    """Create the trace tables and indexes that are missing; existing ones are kept."""
    Base.metadata.create_all(engine, checkfirst=True)


def drop_schema(engine: Engine) -> None:
    """Drop the trace tables (and their rows) if they exist."""
    Base.metadata.drop_all(engine, checkfirst=True)

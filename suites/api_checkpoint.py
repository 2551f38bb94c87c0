"""SQLite WAL checkpoints off the API's event loop.

The API writes on its event-loop thread (a single-row write costs tens of
microseconds, less than a hop to a thread). SQLite's automatic checkpoint,
though, runs inside whichever commit crosses 1000 WAL pages and fsyncs the
WAL and the database file: measured here, that stalled the loop for tens of
milliseconds several times a second under ``POST /items`` load (the server
sat 60 % idle). So the API's connections turn the automatic checkpoint off
and :class:`Checkpointer` runs a ``PASSIVE`` checkpoint on a thread of its
own every :data:`INTERVAL_S` (sqlite3 releases the GIL while it writes and
syncs). Checkpoints use a raw DBAPI cursor: they are not the API's
statements and pass no SQLAlchemy event.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

import sqlalchemy as sa

INTERVAL_S = 0.2


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class Checkpointer:
    """A daemon thread checkpointing a SQLite engine's WAL until :meth:`stop`."""

    def __init__(self, engine: sa.Engine, interval_s: float = INTERVAL_S) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trace-api-checkpoint", daemon=True)

    @classmethod
    def attach(cls, engine: sa.Engine) -> Checkpointer | None:
        """For a SQLite engine not yet connected: turn autocheckpoint off, return a
        checkpointer to start; None for other backends (nothing to do)."""
        if engine.dialect.name != "sqlite":
            return None
        sa.event.listen(engine, "connect", _no_autocheckpoint)
        return cls(engine)

    def start(self) -> None:
        self._thread.start()

    def checkpoint(self) -> None:
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            raw.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            with suppress(Exception):  # a busy or closing database: try again next time
                self.checkpoint()

    def stop(self) -> None:
        """Stop the thread and checkpoint once more (the WAL is left small)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        with suppress(Exception):
            self.checkpoint()

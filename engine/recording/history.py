"""The run history: every run, accepted or not, in a SQLite database.

Default ``.tracetui/history.db``. Runs are recorded as they start and each
result as it arrives, so a cancelled or crashed run keeps what finished.
SQLite in WAL mode with a bounded busy timeout, so concurrent writers (two
CI jobs, the console and a terminal) never corrupt it.

No run stays "running" for ever: each run row names the process that owns
it (host, boot id, pid and the pid's start time, since pids are reused).
Opening the history marks the runs of processes that are gone (SIGKILL,
SIGHUP, a reboot, a pid now owned by a later process) ``interrupted``; a run
this process started and did not finish is marked ``crashed`` when it exits.

Every fault is a :class:`HistoryError` with one line: a damaged file (with
the first line of ``PRAGMA integrity_check``), a lock held past the wait,
a full disk, a read-only file.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import socket
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from tracetui.engine.core.database import DatabaseConfigError, make_engine, mask_url
from tracetui.engine.core.names import InvalidName, check_backend, check_benchmark_id
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import Verdict

DEFAULT_PATH = Path(".tracetui/history.db")
#: How long a write waits for another writer's lock before it gives up (seconds).
LOCK_TIMEOUT_S = float(os.environ.get("TRACETUI_HISTORY_LOCK_TIMEOUT", "10"))
#: Columns added since the first history schema (added to an older file on open).
ADDED_COLUMNS = {
    "pid": "INTEGER",
    "host": "VARCHAR(255)",
    "boot_id": "VARCHAR(64)",
    "planned": "INTEGER",
    "pid_started": "INTEGER",
}

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    # running | completed | cancelled | crashed | interrupted (its process vanished)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("profile", sa.String(32), nullable=False),
    sa.Column("backend", sa.String(32), nullable=False),
    sa.Column("db_url", sa.String(500), nullable=False),  # masked
    sa.Column("commit", sa.String(64)),
    sa.Column("source", sa.String(32), nullable=False, default="run"),  # run | import | pytest
    sa.Column("environment", sa.Text, nullable=False, default="{}"),
    sa.Column("regressions", sa.Integer, nullable=False, default=0),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("pid", sa.Integer),  # the process that owns a running run
    sa.Column("host", sa.String(255)),
    sa.Column("boot_id", sa.String(64)),
    sa.Column("planned", sa.Integer),  # benchmarks in the plan (a run's results may be fewer)
    # when the pid's process started (clock ticks after boot); None where there is no /proc
    sa.Column("pid_started", sa.Integer),
)

results = sa.Table(
    "results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    sa.Column("benchmark_id", sa.String(300), nullable=False),
    sa.Column("suite", sa.String(100), nullable=False),
    sa.Column("median", sa.Float),
    sa.Column("result", sa.Text),  # BenchmarkResult JSON; null for a failure
    sa.Column("error", sa.Text),
    sa.Column("level", sa.String(16)),
    sa.Column("verdict", sa.Text),
    sa.Index("ix_results_benchmark", "benchmark_id", "run_id"),
    sa.UniqueConstraint("run_id", "benchmark_id"),
)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: float
    finished_at: float | None
    status: str
    profile: str
    backend: str
    db_url: str
    commit: str | None
    source: str
    regressions: int
    failures: int
    result_count: int
    environment: Mapping[str, Any]
    planned: int | None = None


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started_at: float
    median: float
    commit: str | None


class HistoryError(Exception):
    """The history database cannot be used; the message is one line for the user."""


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _process_started(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks after boot (field 22 of
    ``/proc/<pid>/stat``); None where there is no ``/proc`` or no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    try:  # the name (field 2) may hold spaces and parentheses: count after its last ")"
        return int(stat[stat.rindex(b")") + 1 :].split()[22 - 3])
    except (ValueError, IndexError):
        return None


def _owner_gone(pid: int | None, started: int | None) -> bool:
    """Whether the process that recorded a run (``pid``, started at ``started``) is gone.

    A live pid whose start time differs from the recorded one was reused by a
    later process. Without a recorded or a readable start time (an older
    tracetui, no ``/proc``) only the pid's existence is known.
    """
    if pid is None or not _alive(pid):
        return True
    if started is None:
        return False
    now = _process_started(pid)
    return now is not None and now != started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _no_space(folder: Path) -> bool:
    """SQLite reports a full disk while appending to its WAL as a mere I/O error."""
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


P = ParamSpec("P")
T = TypeVar("T")


def _guarded(method: Callable[P, T]) -> Callable[P, T]:
    """Turn a database fault inside a History method into a :class:`HistoryError`."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with args[0]._faults():  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


class History:
    """Read and write the history database at ``path``.

    Opening it checks the file (``PRAGMA quick_check``), creates or upgrades
    the tables, and marks runs whose process is gone ``interrupted``.
    """

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self._open_runs: set[str] = set()
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            in_the_way = next((p for p in (folder, *folder.parents) if p.is_file()), None)
            reason = f"{in_the_way} is a file" if in_the_way else (exc.strerror or str(exc))
            raise HistoryError(f"cannot create the history folder {folder}/: {reason}") from None
        if self.path.is_dir():
            raise HistoryError(f"history {self.path} is a folder, not a file")
        try:
            self.engine = make_engine(
                f"sqlite:///{self.path}", busy_timeout_ms=int(LOCK_TIMEOUT_S * 1000)
            )
        except DatabaseConfigError as exc:
            raise HistoryError(str(exc)) from None
        with self._faults():
            self._check()
            with self.engine.begin() as conn:
                metadata.create_all(conn)
                self._upgrade(conn)
                self._reap(conn)
        atexit.register(_crash_unfinished, weakref.ref(self))

    def close(self) -> None:
        self.engine.dispose()

    # -- faults, upgrades, orphans

    @contextmanager
    def _faults(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.DBAPIError as exc:
            raise HistoryError(self._explain(exc)) from None
        except OSError as exc:
            raise HistoryError(f"history {self.path}: {exc.strerror or exc}") from None

    def _explain(self, exc: sa.exc.DBAPIError) -> str:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        low = reason.lower()
        if "locked" in low or "busy" in low:
            return (
                f"history {self.path} is locked by another writer "
                f"(waited {LOCK_TIMEOUT_S:g} s; TRACETUI_HISTORY_LOCK_TIMEOUT sets the wait)"
            )
        if "full" in low or ("i/o" in low and _no_space(self.path.parent)):
            return f"history {self.path}: the disk is full ({reason}); nothing more was recorded"
        if "readonly" in low or "read-only" in low:
            return f"history {self.path} is read-only ({reason})"
        if "not a database" in low:
            return f"history {self.path} is not a SQLite database ({reason})"
        if "malformed" in low or "corrupt" in low:
            return self._damaged(reason)
        return f"history {self.path}: {reason}"

    def _damaged(self, reason: str) -> str:
        try:
            with self.engine.connect() as conn:
                first = conn.exec_driver_sql("PRAGMA integrity_check(1)").scalar()
        except sa.exc.DBAPIError as exc:
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else reason
        first = " ".join(str(first).split())  # its report spans lines
        return (
            f"history {self.path} is damaged (PRAGMA integrity_check: {first}); "
            "move it aside and a new one is started"
        )

    def _check(self) -> None:
        with self.engine.connect() as conn:
            verdict = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
        if verdict != "ok":
            raise HistoryError(self._damaged(str(verdict)))

    @staticmethod
    def _upgrade(conn: sa.Connection) -> None:
        """Add the newer columns to a history written by an older tracetui."""
        have = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(runs)")}
        for name, sql_type in ADDED_COLUMNS.items():
            if name not in have:
                conn.exec_driver_sql(f"ALTER TABLE runs ADD COLUMN {name} {sql_type}")

    @staticmethod
    def _reap(conn: sa.Connection) -> None:
        """Mark ``interrupted`` the running runs whose process is gone (on this host):
        no such pid, a pid started at another time than the run's, another boot.

        Runs of other hosts (a shared file) are left alone: their pids mean nothing here.
        """
        host, boot = socket.gethostname(), _boot_id()
        rows = conn.execute(
            sa.select(runs.c.run_id, runs.c.pid, runs.c.pid_started, runs.c.boot_id).where(
                runs.c.status == "running",
                sa.or_(runs.c.host == host, runs.c.host.is_(None)),  # None: an older tracetui
            )
        ).all()
        gone = [
            run_id
            for run_id, pid, started, run_boot in rows
            if (boot and run_boot and run_boot != boot) or _owner_gone(pid, started)
        ]
        if gone:
            conn.execute(
                runs.update()
                .where(runs.c.run_id.in_(gone), runs.c.status == "running")
                .values(status="interrupted", finished_at=time.time())
            )

    def start_run(
        self,
        run_id: str,
        *,
        profile: str,
        backend: str,
        db_url: str,
        environment: Mapping[str, Any],
        source: str = "run",
        started_at: float | None = None,
        planned: int | None = None,
    ) -> None:
        try:
            check_backend(backend)
            masked = mask_url(db_url) if db_url else ""
        except (InvalidName, DatabaseConfigError) as exc:
            raise HistoryError(f"cannot record run {run_id}: {exc}") from None
        with self._faults(), self.engine.begin() as conn:
            conn.execute(
                runs.insert().values(
                    run_id=run_id,
                    started_at=started_at or time.time(),
                    status="running",
                    profile=profile,
                    backend=backend,
                    db_url=masked,
                    commit=environment.get("commit"),
                    source=source,
                    environment=json.dumps(dict(environment), default=str),
                    regressions=0,
                    failures=0,
                    pid=os.getpid(),
                    pid_started=_process_started(os.getpid()),
                    host=socket.gethostname(),
                    boot_id=_boot_id(),
                    planned=planned,
                )
            )
        self._open_runs.add(run_id)

    @_guarded
    def add_result(self, run_id: str, result: BenchmarkResult) -> None:
        try:
            check_benchmark_id(result.id, result.suite)
        except InvalidName as exc:
            raise HistoryError(f"cannot record a result: {exc}") from None
        with self.engine.begin() as conn:
            conn.execute(
                results.insert().values(
                    run_id=run_id,
                    benchmark_id=result.id,
                    suite=result.suite,
                    median=result.median,
                    result=json.dumps(result.to_json()),
                )
            )

    @_guarded
    def replace_result(self, run_id: str, result: BenchmarkResult) -> None:
        """Replace a benchmark's result in a run (after a confirming re-run)."""
        with self.engine.begin() as conn:
            conn.execute(
                results.update()
                .where(results.c.run_id == run_id, results.c.benchmark_id == result.id)
                .values(median=result.median, result=json.dumps(result.to_json()))
            )

    @_guarded
    def add_failure(self, run_id: str, benchmark_id: str, error: str) -> None:
        try:
            check_benchmark_id(benchmark_id)
        except InvalidName as exc:
            raise HistoryError(f"cannot record a failure: {exc}") from None
        with self.engine.begin() as conn:
            conn.execute(
                results.insert().values(
                    run_id=run_id,
                    benchmark_id=benchmark_id,
                    suite=benchmark_id.split(".", 1)[0],
                    error=error,
                    level="FAILED",
                )
            )

    @_guarded
    def finish_run(self, run_id: str, status: str, verdicts: Iterable[Verdict] = ()) -> None:
        verdict_list = list(verdicts)
        with self.engine.begin() as conn:
            for v in verdict_list:
                conn.execute(
                    results.update()
                    .where(results.c.run_id == run_id, results.c.benchmark_id == v.benchmark_id)
                    .values(level=str(v.level), verdict=json.dumps(v.to_json()))
                )
            conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(
                    status=status,
                    finished_at=time.time(),
                    regressions=sum(1 for v in verdict_list if v.level.is_regression),
                    failures=sum(1 for v in verdict_list if v.level == "FAILED"),
                )
            )
        self._open_runs.discard(run_id)

    def abandon_open_runs(self, status: str = "crashed") -> None:
        """Mark the runs this object started and never finished (at exit: ``crashed``)."""
        for run_id in list(self._open_runs):
            with self.engine.begin() as conn:
                conn.execute(
                    runs.update()
                    .where(runs.c.run_id == run_id, runs.c.status == "running")
                    .values(status=status, finished_at=time.time())
                )
            self._open_runs.discard(run_id)

    @_guarded
    def runs(self, limit: int = 50, *, run_id: str | None = None) -> list[RunSummary]:
        """The newest ``limit`` runs (or the one named ``run_id``), newest first."""
        count = (
            sa.select(sa.func.count(results.c.id))
            .where(results.c.run_id == runs.c.run_id, results.c.result.is_not(None))
            .scalar_subquery()
        )
        query = (
            sa.select(runs, count.label("result_count"))
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        if run_id is not None:
            query = query.where(runs.c.run_id == run_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            RunSummary(
                run_id=r["run_id"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                status=r["status"],
                profile=r["profile"],
                backend=r["backend"],
                db_url=r["db_url"],
                commit=r["commit"],
                source=r["source"],
                regressions=r["regressions"],
                failures=r["failures"],
                result_count=r["result_count"],
                environment=json.loads(r["environment"] or "{}"),
                planned=r["planned"],
            )
            for r in rows
        ]

    @_guarded
    def get_run(self, run_id: str) -> RunSummary | None:
        found = self.runs(limit=1, run_id=run_id)  # by key, however old the run
        return found[0] if found else None

    @_guarded
    def latest_run_id(self, *, with_results: bool = True) -> str | None:
        for run in self.runs(limit=100):
            if not with_results or run.result_count:
                return run.run_id
        return None

    @_guarded
    def results(self, run_id: str) -> list[BenchmarkResult]:
        query = (
            sa.select(results.c.result)
            .where(results.c.run_id == run_id, results.c.result.is_not(None))
            .order_by(results.c.id)
        )
        with self.engine.connect() as conn:
            return [BenchmarkResult.from_json(json.loads(r)) for r in conn.scalars(query)]

    @_guarded
    def results_for(
        self, benchmark_id: str, *, backend: str, before: str, limit: int
    ) -> list[tuple[str, BenchmarkResult]]:
        """(run_id, result) of this benchmark in completed runs started before run ``before``.

        Newest first; the same backend only. Used to pool a baseline over runs.
        """
        started = sa.select(runs.c.started_at).where(runs.c.run_id == before).scalar_subquery()
        query = (
            sa.select(runs.c.run_id, results.c.result)
            .join(results, results.c.run_id == runs.c.run_id)
            .where(
                results.c.benchmark_id == benchmark_id,
                results.c.result.is_not(None),
                runs.c.backend == backend,
                runs.c.status == "completed",
                runs.c.started_at < started,
            )
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(r, BenchmarkResult.from_json(json.loads(t))) for r, t in conn.execute(query)]

    @_guarded
    def verdicts(self, run_id: str) -> list[Verdict]:
        query = (
            sa.select(results.c.verdict)
            .where(results.c.run_id == run_id, results.c.verdict.is_not(None))
            .order_by(results.c.id)
        )
        with self.engine.connect() as conn:
            return [Verdict.from_json(json.loads(v)) for v in conn.scalars(query)]

    @_guarded
    def profiles(
        self, benchmark_id: str, *, limit: int = 50
    ) -> list[tuple[str, str | None, float, str]]:
        """(run_id, commit, median, profile JSON) of past results that carry a cProfile table."""
        query = (
            sa.select(runs.c.run_id, runs.c.commit, results.c.median, results.c.result)
            .join(results, results.c.run_id == runs.c.run_id)
            .where(results.c.benchmark_id == benchmark_id, results.c.result.contains('"profile"'))
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for run_id, commit, median, text in rows:
            profile = json.loads(text).get("evidence", {}).get("profile")
            if profile:
                out.append((run_id, commit, median, profile))
        return out

    @_guarded
    def trend(
        self, benchmark_id: str, *, backend: str | None = None, limit: int = 50
    ) -> list[TrendPoint]:
        """Medians of one benchmark over past runs, oldest first."""
        query = (
            sa.select(runs.c.run_id, runs.c.started_at, results.c.median, runs.c.commit)
            .join(results, results.c.run_id == runs.c.run_id)
            .where(results.c.benchmark_id == benchmark_id, results.c.median.is_not(None))
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        if backend:
            query = query.where(runs.c.backend == backend)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [TrendPoint(r[0], r[1], r[2], r[3]) for r in reversed(rows)]


def _crash_unfinished(ref: weakref.ref[History]) -> None:
    """At interpreter exit: a run this process started and did not finish is ``crashed``."""
    history = ref()
    if history is not None and history._open_runs:
        # exiting anyway: if this fails, the next open marks the run interrupted
        with contextlib.suppress(Exception):
            history.abandon_open_runs("crashed")


@dataclass(frozen=True)
class LatestRow:
    """One benchmark's newest row: its median (None for a failure), level and run."""

    benchmark_id: str
    median: float | None
    level: str | None
    run_id: str


def latest_per_benchmark(
    history: History, *, backend: str, runs_to_scan: int = 20
) -> list[LatestRow]:
    """Each benchmark's newest row among the last ``runs_to_scan`` runs on ``backend``.

    Reads only the indexed columns (no result JSON), so the console can call it often.
    """
    recent = (
        sa.select(runs.c.run_id, runs.c.started_at)
        .where(runs.c.backend == backend)
        .order_by(runs.c.started_at.desc())
        .limit(runs_to_scan)
        .subquery()
    )
    query = (
        sa.select(results.c.benchmark_id, results.c.median, results.c.level, results.c.run_id)
        .join(recent, recent.c.run_id == results.c.run_id)
        .order_by(recent.c.started_at.desc(), results.c.id)
    )
    seen: dict[str, LatestRow] = {}
    with history.engine.connect() as conn:
        for bid, median, level, run_id in conn.execute(query):
            if bid not in seen:
                seen[bid] = LatestRow(bid, median, level, run_id)
    return list(seen.values())

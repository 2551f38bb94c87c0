"""The run history: every run, accepted or not, in a SQLite database.

Default ``.tracetui/history.db``. Runs are recorded as they start and each
result as it arrives, so a cancelled or crashed run keeps what finished.
SQLite in WAL mode with a busy timeout, so concurrent writers (two CI jobs,
the console and a terminal) never corrupt it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import Verdict

DEFAULT_PATH = Path(".tracetui/history.db")

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    sa.Column("status", sa.String(16), nullable=False),  # running|completed|cancelled|crashed
    sa.Column("profile", sa.String(32), nullable=False),
    sa.Column("backend", sa.String(32), nullable=False),
    sa.Column("db_url", sa.String(500), nullable=False),  # masked
    sa.Column("commit", sa.String(64)),
    sa.Column("source", sa.String(32), nullable=False, default="run"),  # run | import | pytest
    sa.Column("environment", sa.Text, nullable=False, default="{}"),
    sa.Column("regressions", sa.Integer, nullable=False, default=0),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
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


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started_at: float
    median: float
    commit: str | None


class History:
    """Read and write the history database at ``path``."""

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(f"sqlite:///{self.path}")
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

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
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                runs.insert().values(
                    run_id=run_id,
                    started_at=started_at or time.time(),
                    status="running",
                    profile=profile,
                    backend=backend,
                    db_url=db_url,
                    commit=environment.get("commit"),
                    source=source,
                    environment=json.dumps(dict(environment), default=str),
                    regressions=0,
                    failures=0,
                )
            )

    def add_result(self, run_id: str, result: BenchmarkResult) -> None:
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

    def replace_result(self, run_id: str, result: BenchmarkResult) -> None:
        """Replace a benchmark's result in a run (after a confirming re-run)."""
        with self.engine.begin() as conn:
            conn.execute(
                results.update()
                .where(results.c.run_id == run_id, results.c.benchmark_id == result.id)
                .values(median=result.median, result=json.dumps(result.to_json()))
            )

    def add_failure(self, run_id: str, benchmark_id: str, error: str) -> None:
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

    def runs(self, limit: int = 50) -> list[RunSummary]:
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
            )
            for r in rows
        ]

    def get_run(self, run_id: str) -> RunSummary | None:
        return next((r for r in self.runs(limit=10_000) if r.run_id == run_id), None)

    def latest_run_id(self, *, with_results: bool = True) -> str | None:
        for run in self.runs(limit=100):
            if not with_results or run.result_count:
                return run.run_id
        return None

    def results(self, run_id: str) -> list[BenchmarkResult]:
        query = (
            sa.select(results.c.result)
            .where(results.c.run_id == run_id, results.c.result.is_not(None))
            .order_by(results.c.id)
        )
        with self.engine.connect() as conn:
            return [BenchmarkResult.from_json(json.loads(r)) for r in conn.scalars(query)]

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

    def verdicts(self, run_id: str) -> list[Verdict]:
        query = (
            sa.select(results.c.verdict)
            .where(results.c.run_id == run_id, results.c.verdict.is_not(None))
            .order_by(results.c.id)
        )
        with self.engine.connect() as conn:
            return [Verdict.from_json(json.loads(v)) for v in conn.scalars(query)]

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

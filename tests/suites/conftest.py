"""Fixtures for the trace system and its suites: a real SQLite file per test,
a context like the engine's, and a helper that drives one benchmark by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Benchmark, Context, Pedantic, Suite, Timed
from tracetui.engine.core.profiles import PROFILES
from tracetui.suites.trace.schema import create_schema
from tracetui.suites.trace.service import TraceService


@pytest.fixture
def trace_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trace.db'}"


@pytest.fixture
def trace_engine(trace_db_url: str) -> Iterator[Engine]:
    engine = make_engine(trace_db_url)
    create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def trace_service(trace_engine: Engine) -> TraceService:
    return TraceService(trace_engine)


@pytest.fixture
def smoke_context(trace_db_url: str) -> Iterator[Context]:
    """A suite context on a fresh SQLite file with the smoke profile (no schema yet)."""
    engine = make_engine(trace_db_url)
    try:
        yield Context(db_url=trace_db_url, engine=engine, profile=PROFILES["smoke"], seed=1234)
    finally:
        engine.dispose()


def _drive_once(bench: Benchmark, ctx: Context) -> object:
    generator = bench.open(ctx)
    case = next(generator)
    if isinstance(case, Timed):
        outcome = case.fn()
    else:
        assert isinstance(case, Pedantic)
        args = (case.setup() if case.setup else None) or ()
        outcome = case.fn(*args)
        if case.teardown:
            case.teardown(*args)
    with pytest.raises(StopIteration):
        next(generator)
    return outcome


@pytest.fixture
def drive_once() -> Callable[[Benchmark, Context], object]:
    """Run one benchmark as the engine does, but once: suite setup, case, one call, finish.

    The returned callable gives back what the timed call returned.
    """
    prepared: set[int] = set()

    def drive(bench: Benchmark, ctx: Context) -> object:
        suite = _suite_of(bench)
        if id(ctx) not in prepared and suite.setup:
            suite.setup(ctx)
            prepared.add(id(ctx))
        return _drive_once(bench, ctx)

    return drive


def _suite_of(bench: Benchmark) -> Suite:
    from tracetui.suites import bulk, database

    return {"database": database.SUITE, "bulk": bulk.SUITE}[bench.suite]

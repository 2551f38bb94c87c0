"""The bulk suite: every benchmark runs once, does its bulk work and leaves no rows."""

from __future__ import annotations

import pytest
from tracetui.engine.core.model import Context, Kind, Pedantic
from tracetui.suites.bulk import SUITE

from tests.trace_tables import row_counts

REQUIRED_IDS = {
    "bulk.create_items[100]",
    "bulk.create_items[500]",
    "bulk.create_items[1000]",
    "bulk.update_items[100]",
    "bulk.update_items[1000]",
    "bulk.delete_items[100]",
    "bulk.delete_items[1000]",
    "bulk.create_links[100]",
    "bulk.create_links[1000]",
    "bulk.create_items_memory[5000]",
    "bulk.raw_sqlite3_create_items[100]",
    "bulk.raw_sqlite3_create_items[1000]",
}


def test_suite_defines_the_required_benchmarks() -> None:
    ids = set(SUITE.ids())
    assert ids >= REQUIRED_IDS
    assert len(ids) >= 12


def test_every_bulk_benchmark_is_a_pedantic_workload_counting_items() -> None:
    for bench in SUITE.benchmarks:
        assert bench.kind is Kind.WORKLOAD, bench.id
        assert bench.items_per_op == bench.param, bench.id
    memory = [b.id for b in SUITE.benchmarks if b.track_memory]
    assert "bulk.create_items_memory[5000]" in memory


@pytest.mark.parametrize("bench", SUITE.benchmarks, ids=lambda b: b.id)
def test_benchmark_runs_once_and_leaves_the_database_as_found(
    bench, smoke_context: Context, drive_once
) -> None:
    SUITE.setup(smoke_context)
    service = smoke_context.state["service"]
    kept = service.create_project("kept")
    kept_item = service.create_item(kept, type="task", title="kept item")
    before = row_counts(smoke_context.engine)
    drive_once(bench, smoke_context)
    assert row_counts(smoke_context.engine) == before
    assert service.get_item(kept_item) is not None


@pytest.mark.parametrize("bench", SUITE.benchmarks, ids=lambda b: b.id)
def test_an_aborted_run_cleans_up(bench, smoke_context: Context) -> None:
    """The engine may stop after a round's setup (an error): closing still cleans up."""
    SUITE.setup(smoke_context)
    before = row_counts(smoke_context.engine)
    generator = bench.open(smoke_context)
    case = next(generator)
    assert isinstance(case, Pedantic)
    if case.setup:
        case.setup()
    generator.close()
    assert row_counts(smoke_context.engine) == before


def test_create_items_really_inserts_n_rows(smoke_context: Context) -> None:
    SUITE.setup(smoke_context)
    bench = next(b for b in SUITE.benchmarks if b.id == "bulk.create_items[500]")
    generator = bench.open(smoke_context)
    case = next(generator)
    before = row_counts(smoke_context.engine)["items"]
    case.fn()
    assert row_counts(smoke_context.engine)["items"] == before + 500
    case.teardown()
    assert row_counts(smoke_context.engine)["items"] == before
    generator.close()


def test_raw_reference_never_touches_the_suite_database(smoke_context: Context) -> None:
    SUITE.setup(smoke_context)
    bench = next(b for b in SUITE.benchmarks if b.id == "bulk.raw_sqlite3_create_items[1000]")
    generator = bench.open(smoke_context)
    case = next(generator)
    before = row_counts(smoke_context.engine)
    case.fn()
    assert row_counts(smoke_context.engine) == before
    case.teardown()
    generator.close()

"""The database suite: every benchmark runs once and leaves the database as found."""

from __future__ import annotations

import pytest
from tracetui.engine.core.model import Context, Kind, Pedantic, Timed
from tracetui.suites.database import SUITE

from tests.trace_tables import row_counts

REQUIRED_IDS = {
    "database.item_lookup_by_id_indexed",
    "database.item_create",
    "database.item_read",
    "database.item_update",
    "database.item_delete",
    "database.link_create",
    "database.item_lookup_by_title",
    "database.query_all_items[1000]",
    "database.filter_by_status",
    "database.paginate[0]",
    "database.paginate[500]",
    "database.paginate[980]",
    "database.item_with_links",
    "database.count_by_status",
    "database.count_by_type_and_status",
    "database.downstream_trace",
    "database.raw_sqlite3_lookup_by_id",
}


def test_suite_defines_the_required_benchmarks() -> None:
    ids = set(SUITE.ids())
    assert ids >= REQUIRED_IDS
    assert len(ids) >= 19


@pytest.mark.parametrize("bench", SUITE.benchmarks, ids=lambda b: b.id)
def test_benchmark_runs_once_and_leaves_the_database_as_found(
    bench, smoke_context: Context, drive_once
) -> None:
    SUITE.setup(smoke_context)
    before = row_counts(smoke_context.engine)
    drive_once(bench, smoke_context)
    assert row_counts(smoke_context.engine) == before


@pytest.mark.parametrize("bench", SUITE.benchmarks, ids=lambda b: b.id)
def test_case_matches_kind_and_an_aborted_run_cleans_up(bench, smoke_context: Context) -> None:
    """Reads are Timed micro cases, writes Pedantic workloads; closing early still cleans up."""
    SUITE.setup(smoke_context)
    before = row_counts(smoke_context.engine)
    generator = bench.open(smoke_context)
    case = next(generator)
    expected = {Kind.MICRO: Timed, Kind.WORKLOAD: Pedantic}[bench.kind]
    assert isinstance(case, expected)
    if bench.name.startswith(("item_create", "item_delete", "link_create", "bulk_")):
        assert bench.kind is Kind.WORKLOAD
    generator.close()  # the engine gives up before the first round
    assert row_counts(smoke_context.engine) == before


def test_existing_rows_survive_a_benchmark(smoke_context: Context, drive_once) -> None:
    SUITE.setup(smoke_context)
    service = smoke_context.state["service"]
    project_id = service.create_project("a user's project")
    item_id = service.create_item(project_id, type="task", title="keep me")
    drive_once(next(b for b in SUITE.benchmarks if b.name == "bulk_update"), smoke_context)
    assert service.get_item(item_id)["title"] == "keep me"
    assert service.count_items(project_id) == 1


def test_filter_by_status_selects_333_of_1000(smoke_context: Context, drive_once) -> None:
    bench = next(b for b in SUITE.benchmarks if b.id == "database.filter_by_status")
    rows = drive_once(bench, smoke_context)
    assert isinstance(rows, list) and len(rows) == 333
    assert {row["status"] for row in rows} == {"open"}


def test_paginate_at_980_returns_the_last_20(smoke_context: Context, drive_once) -> None:
    bench = next(b for b in SUITE.benchmarks if b.id == "database.paginate[980]")
    rows = drive_once(bench, smoke_context)
    assert isinstance(rows, list) and len(rows) == 20
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)

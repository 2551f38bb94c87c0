"""TraceService on a real SQLite file: CRUD, bulk, links, queries, trace, errors."""

from __future__ import annotations

from datetime import datetime
from threading import Thread

import pytest
import sqlalchemy as sa
from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.schema import create_schema, drop_schema
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

from tests.trace_tables import row_counts


@pytest.fixture
def project(trace_service: TraceService) -> int:
    return trace_service.create_project("demo")


def _items(service: TraceService, project_id: int, n: int, seed: int = 7) -> list[int]:
    return service.bulk_create_items(project_id, DataGenerator(seed).items(n))


# --- schema -----------------------------------------------------------------------------------


def test_create_schema_is_idempotent_and_keeps_rows(trace_engine, trace_service) -> None:
    trace_service.create_project("kept")
    create_schema(trace_engine)
    assert row_counts(trace_engine)["projects"] == 1


def test_drop_schema_removes_the_tables(trace_engine) -> None:
    drop_schema(trace_engine)
    assert not {"projects", "items", "links"} & set(sa.inspect(trace_engine).get_table_names())


def test_create_schema_adds_the_indexes_the_queries_use(trace_engine) -> None:
    inspector = sa.inspect(trace_engine)
    item_indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("items")}
    assert item_indexes["ix_items_project_status"] == ["project_id", "status"]
    assert item_indexes["ix_items_project_title"] == ["project_id", "title"]
    link_indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("links")}
    assert link_indexes["ix_links_target_id"] == ["target_id"]
    unique = inspector.get_unique_constraints("links")
    assert [u["column_names"] for u in unique] == [["source_id", "target_id", "link_type"]]


def test_sqlite_engine_without_foreign_keys_is_refused(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        with pytest.raises(TraceError, match="foreign keys"):
            TraceService(engine)
    finally:
        engine.dispose()


# --- projects and items -----------------------------------------------------------------------


def test_project_names_are_unique(trace_service: TraceService, project: int) -> None:
    with pytest.raises(DuplicateProject):
        trace_service.create_project("demo")
    assert trace_service.get_project(project)["name"] == "demo"


def test_item_crud_round_trip(trace_service: TraceService, project: int) -> None:
    item_id = trace_service.create_item(project, type="requirement", title="Login", priority=1)
    item = trace_service.get_item(item_id)
    assert item is not None
    assert {k: item[k] for k in ("project_id", "type", "title", "status", "priority")} == {
        "project_id": project,
        "type": "requirement",
        "title": "Login",
        "status": "open",
        "priority": 1,
    }
    created = datetime.fromisoformat(item["created_at"])
    assert item["updated_at"] == item["created_at"]

    assert trace_service.update_item(item_id, status="done", title="Login v2")
    updated = trace_service.get_item(item_id)
    assert (updated["status"], updated["title"]) == ("done", "Login v2")
    assert datetime.fromisoformat(updated["updated_at"]) >= created
    assert updated["created_at"] == item["created_at"]

    assert trace_service.delete_item(item_id)
    assert trace_service.get_item(item_id) is None
    assert not trace_service.delete_item(item_id)
    assert not trace_service.update_item(item_id, status="open")


def test_update_bumps_updated_at(trace_service: TraceService, project: int) -> None:
    item_id = trace_service.create_item(project, type="task", title="t")
    before = trace_service.get_item(item_id)["updated_at"]
    with trace_service.engine.begin() as conn:  # age the row so the bump is visible
        conn.exec_driver_sql(
            "UPDATE items SET updated_at = '2000-01-01 00:00:00.000' WHERE id = ?", (item_id,)
        )
    assert trace_service.update_item(item_id, priority=5)
    after = trace_service.get_item(item_id)["updated_at"]
    assert after >= before > "2000-01-02"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "finished"},
        {"type": "epic"},
        {"priority": 0},
        {"priority": 6},
        {"priority": True},
        {"priority": "2"},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"colour": "red"},
    ],
)
def test_invalid_fields_are_refused(trace_service: TraceService, project: int, fields) -> None:
    item_id = trace_service.create_item(project, type="task", title="t")
    with pytest.raises(InvalidField):
        trace_service.update_item(item_id, **fields)
    row = {"type": "task", "title": "t", **fields}
    with pytest.raises(InvalidField):
        trace_service.bulk_create_items(project, [row])
    assert trace_service.count_items(project) == 1


def test_unknown_project_is_reported(trace_service: TraceService) -> None:
    with pytest.raises(UnknownProject):
        trace_service.create_item(999, type="task", title="orphan")
    with pytest.raises(UnknownProject):
        trace_service.bulk_create_items(999, [{"type": "task", "title": "orphan"}])
    with pytest.raises(UnknownProject):
        trace_service.delete_project(999)


def test_only_an_empty_project_is_deleted_and_its_items_go_first(
    trace_engine, trace_service: TraceService, project: int
) -> None:
    ids = _items(trace_service, project, 5)
    other = trace_service.create_project("other")
    kept = _items(trace_service, other, 2)
    trace_service.bulk_create_links([(ids[0], ids[1], "verifies"), (kept[0], ids[2], "verifies")])
    with pytest.raises(ProjectNotEmpty, match=f"project {project} still has items"):
        trace_service.delete_empty_project(project)
    assert row_counts(trace_engine) == {"projects": 2, "items": 7, "links": 2}  # nothing went
    assert trace_service.delete_project_items(project) == 5
    assert row_counts(trace_engine) == {"projects": 2, "items": 2, "links": 0}
    assert trace_service.delete_project_items(project) == 0  # empty, but it exists
    trace_service.delete_empty_project(project)
    assert trace_service.get_project(project) is None
    for call in (trace_service.delete_empty_project, trace_service.delete_project_items):
        with pytest.raises(UnknownProject):
            call(project)
    assert [trace_service.get_item(i) is not None for i in kept] == [True, True]


# --- bulk -------------------------------------------------------------------------------------


def test_bulk_create_returns_ids_in_row_order(trace_service: TraceService, project: int) -> None:
    rows = DataGenerator(3).items(1200)  # more than one IN chunk, one insert batch or two
    ids = trace_service.bulk_create_items(project, rows)
    assert len(ids) == len(set(ids)) == 1200
    for index in (0, 1, 599, 1199):
        assert trace_service.get_item(ids[index])["title"] == rows[index]["title"]
    assert trace_service.bulk_create_items(project, []) == []


def test_bulk_update_and_delete_count_rows(trace_service: TraceService, project: int) -> None:
    ids = _items(trace_service, project, 1000)
    assert trace_service.bulk_update_items(ids, status="closed", priority=2) == 1000
    assert trace_service.count_items(project, status="closed") == 1000
    assert trace_service.bulk_update_items([*ids[:10], 10**9], status="open") == 10
    assert trace_service.bulk_delete_items(ids[:950]) == 950
    assert trace_service.count_items(project) == 50
    assert trace_service.bulk_delete_items([]) == 0


def test_one_bad_row_rejects_the_whole_batch(trace_service: TraceService, project: int) -> None:
    rows = [*DataGenerator(1).items(10), {"type": "task", "title": "bad", "status": "??"}]
    with pytest.raises(InvalidField):
        trace_service.bulk_create_items(project, rows)
    assert trace_service.count_items(project) == 0


# --- links ------------------------------------------------------------------------------------


def test_links_are_unique_per_type(trace_service: TraceService, project: int) -> None:
    a, b = _items(trace_service, project, 2)
    trace_service.create_link(a, b, "verifies")
    trace_service.create_link(a, b, "depends_on")  # another type is another link
    with pytest.raises(DuplicateLink):
        trace_service.create_link(a, b, "verifies")
    with pytest.raises(UnknownItem):
        trace_service.create_link(a, 10**9, "verifies")
    with pytest.raises(InvalidField):
        trace_service.create_link(a, b, "blocks")
    with pytest.raises(InvalidField):
        trace_service.create_link(a, a, "relates_to")
    assert row_counts(trace_service.engine)["links"] == 2


def test_bulk_links_are_all_or_nothing(trace_service: TraceService, project: int) -> None:
    ids = _items(trace_service, project, 50)
    links = DataGenerator(5).links(ids, 100)
    assert trace_service.bulk_create_links(links) == 100
    with pytest.raises(DuplicateLink):
        trace_service.bulk_create_links([(ids[0], ids[1], "implements"), links[0]])
    with pytest.raises(UnknownItem):
        trace_service.bulk_create_links([(ids[0], 10**9, "implements")])
    assert row_counts(trace_service.engine)["links"] == 100
    assert trace_service.delete_project_links(project) == 100


def test_deleting_an_item_deletes_its_links(trace_service: TraceService, project: int) -> None:
    a, b, c = _items(trace_service, project, 3)
    trace_service.bulk_create_links(
        [(a, b, "implements"), (c, a, "verifies"), (b, c, "relates_to")]
    )
    trace_service.delete_item(a)
    assert row_counts(trace_service.engine)["links"] == 1


def test_deleting_a_project_cascades(trace_service: TraceService, project: int) -> None:
    other = trace_service.create_project("other")
    kept = trace_service.create_item(other, type="task", title="kept")
    ids = _items(trace_service, project, 200)
    trace_service.bulk_create_links(DataGenerator(2).tree_links(ids))
    trace_service.delete_project(project)
    assert row_counts(trace_service.engine) == {"projects": 1, "items": 1, "links": 0}
    assert trace_service.get_item(kept) is not None


# --- queries ----------------------------------------------------------------------------------


def test_list_items_filters_and_pages(trace_service: TraceService, project: int) -> None:
    rows = DataGenerator(11).items(1000)
    ids = trace_service.bulk_create_items(project, rows)
    opened = trace_service.list_items(project, status="open", limit=1000)
    assert len(opened) == 333 == trace_service.count_items(project, status="open")
    wanted = [
        i
        for i, row in zip(ids, rows, strict=True)
        if row["type"] == "test" and row["priority"] in (1, 2)
    ]
    found = trace_service.list_items(project, type="test", priority=[1, 2], limit=1000)
    assert [item["id"] for item in found] == wanted
    one = trace_service.list_items(project, type="test", priority=1, status="open", limit=1000)
    assert all((i["type"], i["priority"], i["status"]) == ("test", 1, "open") for i in one)
    page = trace_service.list_items(project, limit=20, offset=980)
    assert [item["id"] for item in page] == ids[980:]
    assert trace_service.list_items(project, limit=20, offset=1000) == []
    with pytest.raises(InvalidField):
        trace_service.list_items(project, limit=0)
    with pytest.raises(InvalidField):
        trace_service.list_items(project, status="nope")


def test_counts_group_by_status_and_type(trace_service: TraceService, project: int) -> None:
    rows = DataGenerator(4).items(300)
    trace_service.bulk_create_items(project, rows)
    by_status = trace_service.count_by_status(project)
    assert by_status["open"] == 100
    assert sum(by_status.values()) == 300
    assert by_status["done"] == sum(1 for r in rows if r["status"] == "done")
    by_both = trace_service.count_by_type_and_status(project)
    assert by_both["defect"]["review"] == sum(
        1 for r in rows if (r["type"], r["status"]) == ("defect", "review")
    )
    assert sum(sum(v.values()) for v in by_both.values()) == 300
    empty = trace_service.create_project("empty")
    assert set(trace_service.count_by_status(empty).values()) == {0}


def test_item_with_links_lists_both_directions(trace_service: TraceService, project: int) -> None:
    a, b, c = _items(trace_service, project, 3)
    trace_service.create_link(a, b, "implements")
    trace_service.create_link(c, a, "verifies")
    item = trace_service.item_with_links(a)
    assert [(link["item_id"], link["link_type"]) for link in item["outgoing"]] == [
        (b, "implements")
    ]
    assert [(link["item_id"], link["link_type"]) for link in item["incoming"]] == [(c, "verifies")]
    assert item["outgoing"][0]["title"] == trace_service.get_item(b)["title"]
    assert trace_service.item_with_links(10**9) is None


def test_items_with_link_counts(trace_service: TraceService, project: int) -> None:
    a, b, c = _items(trace_service, project, 3)
    trace_service.bulk_create_links(
        [(a, b, "implements"), (a, c, "implements"), (b, c, "verifies")]
    )
    counts = {
        i["id"]: (i["outgoing"], i["incoming"])
        for i in trace_service.items_with_link_counts(project)
    }
    assert counts == {a: (2, 0), b: (1, 1), c: (0, 2)}


def test_find_items_by_title(trace_service: TraceService, project: int) -> None:
    rows = DataGenerator(8).items(100)
    ids = trace_service.bulk_create_items(project, rows)
    found = trace_service.find_items_by_title(project, str(rows[42]["title"]))
    assert [item["id"] for item in found] == [ids[42]]
    assert trace_service.find_items_by_title(project, "no such title") == []


def test_downstream_trace_follows_outgoing_links(trace_service: TraceService, project: int) -> None:
    ids = _items(trace_service, project, 15)
    trace_service.bulk_create_links(DataGenerator(1).tree_links(ids))  # binary tree, 4 levels
    assert trace_service.downstream_trace(ids[0]) == ids[1:]
    assert trace_service.downstream_trace(ids[0], max_depth=1) == ids[1:3]
    assert trace_service.downstream_trace(ids[1], max_depth=2) == [ids[3], ids[4], *ids[7:11]]
    assert trace_service.downstream_trace(ids[14]) == []  # a leaf
    with pytest.raises(UnknownItem):
        trace_service.downstream_trace(10**9)
    with pytest.raises(InvalidField):
        trace_service.downstream_trace(ids[0], max_depth=0)


def test_downstream_trace_survives_cycles(trace_service: TraceService, project: int) -> None:
    a, b, c = _items(trace_service, project, 3)
    trace_service.bulk_create_links(
        [(a, b, "depends_on"), (b, c, "depends_on"), (c, a, "depends_on")]
    )
    assert trace_service.downstream_trace(a, max_depth=50) == [b, c]


# --- threads ----------------------------------------------------------------------------------


def test_one_service_serves_many_threads(trace_service: TraceService, project: int) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(20):
                item_id = trace_service.create_item(project, type="task", title=f"w{worker}-{n}")
                trace_service.update_item(item_id, status="done")
                assert trace_service.get_item(item_id)["status"] == "done"
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert trace_service.count_items(project, status="done") == 80

"""DataGenerator: deterministic, valid rows and links."""

from __future__ import annotations

import pytest
from tracetui.suites.trace.generator import FILTER_STATUS, DataGenerator, expected_filter_count
from tracetui.suites.trace.schema import ITEM_TYPES, LINK_TYPES, PRIORITIES, STATUSES


def test_same_seed_same_items_and_links() -> None:
    assert DataGenerator(42).items(500) == DataGenerator(42).items(500)
    ids = list(range(1, 101))
    assert DataGenerator(42).links(ids, 300) == DataGenerator(42).links(ids, 300)
    assert DataGenerator(42).items(100) != DataGenerator(43).items(100)


def test_items_use_the_vocabulary_and_unique_titles() -> None:
    rows = DataGenerator(1).items(1000)
    assert {r["type"] for r in rows} == set(ITEM_TYPES)
    assert {r["status"] for r in rows} == set(STATUSES)
    assert {r["priority"] for r in rows} == set(PRIORITIES)
    assert len({r["title"] for r in rows}) == 1000


@pytest.mark.parametrize("n", [1000, 999, 100, 3])
def test_status_filter_selects_a_third(n: int) -> None:
    rows = DataGenerator(9).items(n)
    assert sum(1 for r in rows if r["status"] == FILTER_STATUS) == expected_filter_count(n)
    assert expected_filter_count(1000) == 333


def test_links_are_distinct_and_never_self_links() -> None:
    ids = [10, 20, 30, 40]
    links = DataGenerator(3).links(ids, 40)
    assert len(set(links)) == 40
    assert all(s != t and s in ids and t in ids and kind in LINK_TYPES for s, t, kind in links)
    with pytest.raises(ValueError):
        DataGenerator(3).links([1, 2], 9)  # 2 items x 1 direction x 4 types = 8


def test_tree_links_form_a_binary_tree() -> None:
    ids = list(range(100, 107))
    assert DataGenerator(0).tree_links(ids) == [
        (100, 101, "depends_on"),
        (100, 102, "depends_on"),
        (101, 103, "depends_on"),
        (101, 104, "depends_on"),
        (102, 105, "depends_on"),
        (102, 106, "depends_on"),
    ]

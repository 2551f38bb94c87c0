"""Deterministic test data for the trace system: items, titles and links.

``DataGenerator(seed)`` gives the same output for the same seed, call after
call (every method is a pure function of the seed and its arguments), so a
benchmark's data never changes between runs or machines.

The status column follows a fixed rhythm: every third item (positions 2, 5,
8, ...) is ``open`` and the others are spread over the remaining statuses,
so a ``status == "open"`` filter selects exactly 333 of 1000 items (the
seed's "filtered query (333 of 1000)"), ``n // 3`` in general.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tracetui.suites.trace.schema import ITEM_TYPES, LINK_TYPES, PRIORITIES, STATUSES

FILTER_STATUS = "open"
_OTHER_STATUSES = tuple(s for s in STATUSES if s != FILTER_STATUS)

_ADJECTIVES = (
    "secure", "fast", "robust", "modular", "auditable", "offline", "scalable", "accessible",
    "encrypted", "resilient", "portable", "traceable",
)  # fmt: skip
_SUBJECTS = (
    "login", "export", "sync engine", "report", "parser", "scheduler", "cache", "dashboard",
    "billing", "search", "backup", "notification",
)  # fmt: skip
_VERBS = {
    "requirement": "shall support",
    "design": "describes",
    "test": "checks",
    "defect": "breaks",
    "task": "implements",
}


def expected_filter_count(n: int) -> int:
    """How many of ``n`` generated items have status :data:`FILTER_STATUS`."""
    return n // 3


class DataGenerator:
    """Seeded, reproducible rows for the trace schema."""

    def __init__(self, seed: int = 1234) -> None:
        self.seed = seed

    def _random(self, purpose: str, *args: object) -> random.Random:
        return random.Random(f"{self.seed}/{purpose}/" + "/".join(map(str, args)))

    def title(self, item_type: str, index: int) -> str:
        """A readable title, unique per index: "R-00042 secure login shall support ..."."""
        rng = self._random("title", item_type, index)
        adjective, subject = rng.choice(_ADJECTIVES), rng.choice(_SUBJECTS)
        return f"{item_type[0].upper()}-{index:05d} {adjective} {subject} {_VERBS[item_type]}"

    def items(self, n: int, *, start: int = 0) -> list[dict[str, object]]:
        """``n`` item dicts (type, title, status, priority) for ``bulk_create_items``.

        ``start`` offsets the index used in titles and the status rhythm, so
        consecutive batches continue one sequence.
        """
        rng = self._random("items", start, n)
        rows: list[dict[str, object]] = []
        for index in range(start, start + n):
            item_type = rng.choice(ITEM_TYPES)
            status = FILTER_STATUS if index % 3 == 2 else rng.choice(_OTHER_STATUSES)
            rows.append(
                {
                    "type": item_type,
                    "title": self.title(item_type, index),
                    "status": status,
                    "priority": rng.choice(PRIORITIES),
                }
            )
        return rows

    def links(self, ids: Sequence[int], n: int) -> list[tuple[int, int, str]]:
        """``n`` distinct (source, target, link type) triples over ``ids``, no self-links.

        Raises ``ValueError`` if ``ids`` cannot hold ``n`` distinct links.
        """
        capacity = len(ids) * (len(ids) - 1) * len(LINK_TYPES)
        if n > capacity:
            raise ValueError(f"{len(ids)} items hold at most {capacity} distinct links")
        rng = self._random("links", len(ids), n)
        seen: set[tuple[int, int, str]] = set()
        links: list[tuple[int, int, str]] = []
        while len(links) < n:
            source, target = rng.sample(range(len(ids)), 2)
            link = (ids[source], ids[target], rng.choice(LINK_TYPES))
            if link not in seen:
                seen.add(link)
                links.append(link)
        return links

    def tree_links(
        self, ids: Sequence[int], *, fanout: int = 2, link_type: str = "depends_on"
    ) -> list[tuple[int, int, str]]:
        """Links that make ``ids`` a tree: ``ids[i]`` points to its ``fanout`` children.

        With 1000 items and fanout 2 the tree is 10 levels deep: the shape a
        downstream trace walks (requirement -> design -> test ...).
        """
        return [
            (ids[parent], ids[child], link_type)
            for parent in range(len(ids))
            for child in range(parent * fanout + 1, min(parent * fanout + fanout + 1, len(ids)))
        ]

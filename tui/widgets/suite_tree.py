"""The suite picker's tree: suites with their benchmarks, each toggled with space.

For a catalog with a params level (a user's pytest tests) the tree is
module → test → params: a parametrized test is a node whose children are its
parameter sets; toggling the test toggles all of them.

The tree owns the selection (a set of benchmark ids) and renders each
node's label from it and from what the history last said about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from tracetui.engine.core.model import Benchmark
from tracetui.tui import format as fmt
from tracetui.tui.catalog import Catalog, LastKnown

NAME_WIDTH = 20  # benchmark names longer than this are cut so the result fits at 80 columns
RESULT_WIDTH = 30  # guides, check mark, median and the longest level after the name
PARAMS_OPEN = 12  # a parametrized test with more params than this starts collapsed


@dataclass(frozen=True)
class NodeData:
    suite: str
    benchmark_id: str | None = None  # None for a suite or a test node
    test: str | None = None  # a parametrized test's id without its param (params level)


def test_of(bench: Benchmark) -> str:
    """The id of a parametrized benchmark without its parameter (``mod.test_sum``)."""
    return f"{bench.suite}.{bench.name}"


def relative(benchmark_id: str, suite: str) -> str:
    """What a row shows of an id under its suite (``tests.test_io.test_read`` -> ``test_read``)."""
    if benchmark_id.startswith(f"{suite}."):
        return benchmark_id[len(suite) + 1 :]
    return benchmark_id.split(".", 1)[-1]


class SuiteTree(Tree[NodeData]):
    """Suites (and parametrized tests) with their benchmarks, check marks, last results.

    With :attr:`Catalog.params_level` a parametrized benchmark is a node of its
    own (its params are its children; toggling it toggles them all).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_selected", "Toggle"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "toggle_node", "Expand", show=False),
    ]

    class SelectionChanged(Message):
        def __init__(self, selected: frozenset[str]) -> None:
            super().__init__()
            self.selected = selected

    def __init__(
        self,
        catalog: Catalog,
        known: dict[str, LastKnown] | None,
        *,
        broken_suites: dict[str, str],
        selected: set[str],
        id: str | None = None,
    ) -> None:
        super().__init__("suites", id=id)
        self.show_root = False
        self.guide_depth = 3
        self.catalog = catalog
        self.known = known
        self.broken_suites = broken_suites
        self.selected: set[str] = set(selected)
        #: (suite, test) -> the ids of its params, in catalog order (params level only)
        self.param_ids: dict[tuple[str, str], list[str]] = {}
        self._populate()
        widths = (len(self._row_name(row)) + self._row_indent(row) for row in self._rows())
        self.longest = max(widths, default=10)
        self.name_width = min(self.longest, NAME_WIDTH)
        self.refresh_labels()

    def _populate(self) -> None:
        grouped = self.catalog.params_level
        for name, suite in self.catalog.suites.items():
            # With a preselection, open only the suites (and tests) it touches.
            expand = not self.selected or any(b in self.selected for b in suite.ids())
            node = self.root.add("", data=NodeData(name), expand=expand)
            parents: dict[str, TreeNode[NodeData]] = {}
            for bench in suite.benchmarks:
                if not grouped or bench.param is None:
                    node.add_leaf("", data=NodeData(name, bench.id))
                    continue
                test = test_of(bench)
                if test not in parents:
                    params = [b for b in suite.benchmarks if b.param is not None]
                    ids = [b.id for b in params if test_of(b) == test]
                    self.param_ids[(name, test)] = ids
                    touched = any(b in self.selected for b in ids)
                    opened = touched if self.selected else len(ids) <= PARAMS_OPEN
                    parents[test] = node.add("", data=NodeData(name, test=test), expand=opened)
                parents[test].add_leaf("", data=NodeData(name, bench.id, test=test))
        for name in self.catalog.errors:
            self.root.add_leaf("", data=NodeData(name))

    def _rows(self) -> list[TreeNode[NodeData]]:
        """Every test and benchmark node (not the suites)."""
        rows: list[TreeNode[NodeData]] = []
        for suite in self.root.children:
            for child in suite.children:
                rows.append(child)
                rows.extend(child.children)
        return rows

    def _row_name(self, node: TreeNode[NodeData]) -> str:
        """A row's name: the test or benchmark under its suite, a param alone under its test."""
        assert node.data is not None
        data = node.data
        if data.benchmark_id is None:
            return relative(data.test or data.suite, data.suite)
        if data.test is not None:
            return data.benchmark_id[len(data.test) :]  # "[10]"
        return relative(data.benchmark_id, data.suite)

    def _row_indent(self, node: TreeNode[NodeData]) -> int:
        """A param under its test sits one guide deeper: its name gets that much less room."""
        data = node.data
        return self.guide_depth if data and data.test and data.benchmark_id else 0

    def on_resize(self) -> None:
        """Names get what the tree's width leaves after the result and the level."""
        room = self.size.width - RESULT_WIDTH
        width = min(self.longest, max(NAME_WIDTH, room))
        if width != self.name_width:
            self.name_width = width
            self.refresh_labels()

    def refresh_labels(self) -> None:
        for node in self.root.children:
            self._label_suite(node)
            for child in node.children:
                if child.data is not None and child.data.benchmark_id is None:
                    self._label_test(child)
                    for leaf in child.children:
                        self._label_benchmark(leaf)
                else:
                    self._label_benchmark(child)

    def _check(self, state: str) -> Text:
        marks = {"all": ("[x] ", "bold green"), "some": ("[-] ", "yellow"), "none": ("[ ] ", "")}
        mark, style = marks[state]
        return Text(mark, style=style)

    def _state(self, ids: list[str]) -> tuple[str, int]:
        chosen = sum(1 for b in ids if b in self.selected)
        return ("all" if ids and chosen == len(ids) else "some" if chosen else "none"), chosen

    def _fit(self, node: TreeNode[NodeData]) -> str:
        width = self.name_width - self._row_indent(node)
        name = self._row_name(node)
        if len(name) > width:
            name = name[: width - 1] + "…"
        return f"{name:<{width}}"

    def _label_suite(self, node: TreeNode[NodeData]) -> None:
        assert node.data is not None
        name = node.data.suite
        ids = self.catalog.benchmark_ids(name)
        state, chosen = self._state(ids)
        label = self._check(state) + Text(name, style="bold")
        label.append(f"  {chosen}/{len(ids)}", style="dim")
        if name in self.catalog.errors:
            label.append("  ✗ suite failed to load", style="bold red")
        elif name in self.broken_suites:
            label.append("  ⚠ baseline file error", style="bold yellow")
        node.set_label(label)

    def _label_test(self, node: TreeNode[NodeData]) -> None:
        assert node.data is not None and node.data.test is not None
        ids = self.param_ids[(node.data.suite, node.data.test)]
        state, chosen = self._state(ids)
        label = self._check(state) + Text(self._fit(node))
        label.append(f"  {chosen}/{len(ids)} params", style="dim")
        node.set_label(label)

    def _label_benchmark(self, node: TreeNode[NodeData]) -> None:
        assert node.data is not None and node.data.benchmark_id is not None
        bid = node.data.benchmark_id
        label = self._check("all" if bid in self.selected else "none")
        label.append(self._fit(node))
        last = self.known.get(bid) if self.known is not None else None
        if self.known is None:
            label.append("  …", style="dim")  # the history is still being read
        elif last is None:
            label.append("  never run", style="dim")
        else:
            label.append(f" {fmt.seconds(last.median):>9} ")
            label.append_text(fmt.level_text(last.level))
        node.set_label(label)

    def ids_of(self, data: NodeData) -> list[str]:
        """The benchmarks a node stands for: itself, its test's params, or its suite's."""
        if data.benchmark_id is not None:
            return [data.benchmark_id]
        if data.test is not None:
            return list(self.param_ids[(data.suite, data.test)])
        return self.catalog.benchmark_ids(data.suite)

    def action_toggle_selected(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        ids = set(self.ids_of(node.data))
        if ids and ids <= self.selected:
            self.selected -= ids
        else:
            self.selected |= ids
        self.refresh_labels()
        self.post_message(self.SelectionChanged(frozenset(self.selected)))

    def ordered_selection(self) -> list[str]:
        return [bid for bid in self.catalog.all_ids() if bid in self.selected]

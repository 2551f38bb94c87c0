"""The suite picker's tree: suites with their benchmarks, each toggled with space.

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
from tracetui.tui import format as fmt
from tracetui.tui.catalog import Catalog, LastKnown

NAME_WIDTH = 20  # benchmark names longer than this are cut so the result fits at 80 columns
RESULT_WIDTH = 30  # guides, check mark, median and the longest level after the name


@dataclass(frozen=True)
class NodeData:
    suite: str
    benchmark_id: str | None = None  # None for a suite node


class SuiteTree(Tree[NodeData]):
    """Suites and benchmarks with check marks, last median and last verdict."""

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
        self.longest = max((len(b.split(".", 1)[1]) for b in catalog.all_ids()), default=10)
        self.name_width = min(self.longest, NAME_WIDTH)
        self._populate()

    def _populate(self) -> None:
        for name, suite in self.catalog.suites.items():
            # With a preselection, open only the suites it touches.
            expand = not self.selected or any(b in self.selected for b in suite.ids())
            node = self.root.add("", data=NodeData(name), expand=expand)
            for bench in suite.benchmarks:
                node.add_leaf("", data=NodeData(name, bench.id))
        for name in self.catalog.errors:
            self.root.add_leaf("", data=NodeData(name))
        self.refresh_labels()

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
            for leaf in node.children:
                self._label_benchmark(leaf)

    def _check(self, state: str) -> Text:
        marks = {"all": ("[x] ", "bold green"), "some": ("[-] ", "yellow"), "none": ("[ ] ", "")}
        mark, style = marks[state]
        return Text(mark, style=style)

    def _label_suite(self, node: TreeNode[NodeData]) -> None:
        assert node.data is not None
        name = node.data.suite
        ids = self.catalog.benchmark_ids(name)
        chosen = sum(1 for b in ids if b in self.selected)
        state = "all" if ids and chosen == len(ids) else "some" if chosen else "none"
        label = self._check(state) + Text(name, style="bold")
        label.append(f"  {chosen}/{len(ids)}", style="dim")
        if name in self.catalog.errors:
            label.append("  ✗ suite failed to load", style="bold red")
        elif name in self.broken_suites:
            label.append("  ⚠ baseline file error", style="bold yellow")
        node.set_label(label)

    def _label_benchmark(self, node: TreeNode[NodeData]) -> None:
        assert node.data is not None and node.data.benchmark_id is not None
        bid = node.data.benchmark_id
        label = self._check("all" if bid in self.selected else "none")
        short = bid.split(".", 1)[1]
        if len(short) > self.name_width:
            short = short[: self.name_width - 1] + "…"
        label.append(f"{short:<{self.name_width}}")
        last = self.known.get(bid) if self.known is not None else None
        if self.known is None:
            label.append("  …", style="dim")  # the history is still being read
        elif last is None:
            label.append("  never run", style="dim")
        else:
            label.append(f" {fmt.seconds(last.median):>9} ")
            label.append_text(fmt.level_text(last.level))
        node.set_label(label)

    def action_toggle_selected(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        data = node.data
        if data.benchmark_id is not None:
            self.selected ^= {data.benchmark_id}
        else:
            ids = set(self.catalog.benchmark_ids(data.suite))
            if ids and ids <= self.selected:
                self.selected -= ids
            else:
                self.selected |= ids
        self.refresh_labels()
        self.post_message(self.SelectionChanged(frozenset(self.selected)))

    def ordered_selection(self) -> list[str]:
        return [bid for bid in self.catalog.all_ids() if bid in self.selected]

"""First screen: pick suites and benchmarks, a profile, and run them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Select, Static
from tracetui.engine.core.profiles import PROFILES
from tracetui.tui import format as fmt
from tracetui.tui.catalog import Catalog, LastKnown
from tracetui.tui.host import console_of, revision_host
from tracetui.tui.widgets.releasing import ScreenFooter
from tracetui.tui.widgets.suite_tree import NodeData, SuiteTree


class PickerScreen(Screen[None]):
    """Suite tree on the left; database, profile and the highlighted benchmark on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run selection"),
        Binding("p", "cycle_profile", "Profile"),
        Binding("b", "base_revision", "Compare with", show=False),  # said beside the count
        Binding("h", "history", "History"),
        Binding("a", "select_all", "All/none", show=False),
    ]

    def __init__(
        self,
        *,
        catalog: Catalog,
        known: dict[str, LastKnown] | None,
        broken_suites: dict[str, str],
        selected: set[str],
        profile: str,
        db_url_masked: str,
        backend: str,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.known = known
        self.broken_suites = broken_suites
        self.initial_selection = selected
        self.profile = profile
        self.db_url_masked = db_url_masked
        self.backend = backend
        self.sub_title = "pick suites · space toggles · r runs"

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="picker-body"):
            yield SuiteTree(
                self.catalog,
                self.known,
                broken_suites=self.broken_suites,
                selected=self.initial_selection,
                id="suite-tree",
            )
            with Vertical(id="picker-side"):
                yield Static(self._db_text(), id="db-line")
                yield Static("Profile", classes="side-title")
                yield Select(
                    [(name, name) for name in PROFILES],
                    value=self.profile,
                    allow_blank=False,
                    id="profile",
                )
                yield Static("", id="selection-count")
                yield Static("", id="bench-detail")
        yield ScreenFooter()

    def on_mount(self) -> None:
        tree = self.query_one(SuiteTree)
        tree.focus()
        if tree.cursor_line < 0:
            tree.cursor_line = 0
        self._show_count()
        console_of(self.app).load_known(self.refresh_known)

    def _db_text(self) -> Text:
        return Text.assemble(
            ("Database  ", "bold"), (self.db_url_masked, "cyan"), (f"  ({self.backend})", "dim")
        )

    @property
    def tree(self) -> SuiteTree:
        return self.query_one(SuiteTree)

    def _show_count(self) -> None:
        n = len(self.tree.selected)
        line = Text.assemble(("Selected  ", "bold"), f"{n} benchmark{'s' if n != 1 else ''}")
        host = revision_host(self.app)
        if host is not None:  # b sets a revision: runs are then paired A/B against it
            against = host.against_text()
            line.append("\nCompare   ", style="bold")
            line.append(against or "baselines (b)", style="cyan" if against else "dim")
        self.query_one("#selection-count", Static).update(line)

    def show_against(self) -> None:
        self._show_count()

    def action_base_revision(self) -> None:
        host = revision_host(self.app)
        if host is not None:
            host.ask_revision()

    def on_suite_tree_selection_changed(self, _message: SuiteTree.SelectionChanged) -> None:
        self._show_count()
        node = self.tree.cursor_node
        if node is not None and node.data is not None and node.data.test is not None:
            self.query_one("#bench-detail", Static).update(self._detail(node.data))

    def on_tree_node_highlighted(self, message: SuiteTree.NodeHighlighted[NodeData]) -> None:
        data = message.node.data
        if data is None:
            return
        self.query_one("#bench-detail", Static).update(self._detail(data))

    def _detail(self, data: NodeData) -> Text:
        if data.suite in self.catalog.errors:
            return Text(self.catalog.errors[data.suite], style="red")
        suite = self.catalog.suites[data.suite]
        if data.benchmark_id is None and data.test is not None:
            ids = self.tree.ids_of(data)
            chosen = sum(1 for b in ids if b in self.tree.selected)
            params = ", ".join(b[len(data.test) :] for b in ids)
            return Text.assemble(
                (data.test, "bold"),
                "\n",
                (f"{len(ids)} parameter sets, {chosen} selected", "dim"),
                "\n",
                params,
                "\n\nspace selects them all; each alone below",
            )
        if data.benchmark_id is None:
            text = Text.assemble((suite.name, "bold"), "\n", suite.description or "")
            if data.suite in self.broken_suites:
                text.append(f"\n\n{self.broken_suites[data.suite]}", style="yellow")
            return text
        bench = next(b for b in suite.benchmarks if b.id == data.benchmark_id)
        text = Text.assemble(
            (bench.id, "bold"),
            "\n",
            (f"kind {bench.kind}", "dim"),
            "\n",
            bench.description or "",
            "\n",
        )
        if bench.items_per_op != 1:
            text.append(f"{bench.items_per_op} items per op\n", style="dim")
        last = self.known.get(bench.id) if self.known else None
        if last is not None:
            text.append(f"\nlast median {fmt.seconds(last.median)} per call  ")
            text.append_text(fmt.level_text(last.level))
            text.append(f"\nrun {last.run_id}", style="dim")
        return text

    def on_select_changed(self, message: Select.Changed) -> None:
        if message.value in PROFILES:
            self.profile = str(message.value)

    def action_cycle_profile(self) -> None:
        names = list(PROFILES)
        self.set_profile(names[(names.index(self.profile) + 1) % len(names)])

    def set_profile(self, profile: str) -> None:
        self.profile = profile
        self.query_one("#profile", Select).value = profile

    def set_database(self, db_url_masked: str, backend: str) -> None:
        self.db_url_masked, self.backend = db_url_masked, backend
        self.query_one("#db-line", Static).update(self._db_text())

    def action_select_all(self) -> None:
        everything = set(self.catalog.all_ids())
        tree = self.tree
        tree.selected = set() if tree.selected >= everything else everything
        tree.refresh_labels()
        self._show_count()

    def action_run(self) -> None:
        ids = self.tree.ordered_selection()
        if not ids:
            self.notify(
                "Nothing selected: space toggles a suite or benchmark.",
                severity="warning",
                markup=False,
            )
            return
        console_of(self.app).start_run(ids, self.profile)

    def action_history(self) -> None:
        console_of(self.app).open_history()

    def on_screen_resume(self) -> None:
        console_of(self.app).load_known(self.refresh_known)  # in a worker: never blocks

    def refresh_known(self, known: dict[str, LastKnown]) -> None:
        if not self.is_attached:
            return
        self.known = known
        tree = self.tree
        tree.known = known
        tree.refresh_labels()

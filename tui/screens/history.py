"""Past runs, the benchmarks of the highlighted run and a trend plot per benchmark."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static
from tracetui.engine.recording.history import History, RunSummary
from tracetui.tui import format as fmt
from tracetui.tui.host import close_help, console_of
from tracetui.tui.widgets import plots
from tracetui.tui.widgets.releasing import ScreenFooter, ScreenHeader
from tracetui.tui.widgets.row_table import RowTable


class HistoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Review run"),
        Binding("tab", "focus_next", "Runs/benchmarks", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.runs: list[RunSummary] = []
        self.backend: str | None = None  # the highlighted run's: trends stay on one backend
        self.sub_title = "history"

    def compose(self) -> ComposeResult:
        yield ScreenHeader(show_clock=False)
        yield Static("", id="history-title")
        yield RowTable(id="runs-table", zebra_stripes=True)
        with Horizontal(id="history-bottom"):
            yield RowTable(id="run-benchmarks")
            yield plots.Plot(id="history-trend")
        yield ScreenFooter()

    def on_mount(self) -> None:
        runs = self.query_one("#runs-table", DataTable)
        for label in (
            "When (UTC)",
            "Run",
            "Status",
            "Commit",
            "Profile",
            "Backend",
            "Results",
            "Regressions",
            "Failed",
        ):
            runs.add_column(label, key=label.lower())
        benches = self.query_one("#run-benchmarks", DataTable)
        benches.add_column("Benchmark", key="benchmark")
        benches.add_column("Median per call", key="median")
        benches.add_column("Level", key="level")
        self.reload()
        runs.focus()

    def reload(self) -> None:
        self.runs = self.history.runs(limit=200)
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        for run in self.runs:
            table.add_row(  # Text, not str: a str cell is markup ("[low]" would vanish)
                Text(fmt.when(run.started_at)),
                Text(run.run_id),
                Text(run.status),
                Text((run.commit or "—")[:10]),
                Text(run.profile),
                Text(run.backend),
                Text(str(run.result_count)),
                Text(str(run.regressions), style="bold red" if run.regressions else ""),
                Text(str(run.failures), style="bold red" if run.failures else ""),
                key=run.run_id,
            )
        self.query_one("#history-title", Static).update(
            Text.assemble(
                ("History  ", "bold"),
                f"{fmt.counted(len(self.runs), 'run')}  ",
                (str(self.history.path), "dim"),
            )
        )
        if self.runs:
            self._show_run(self.runs[0].run_id)
        else:
            plots.trend(self.query_one("#history-trend", plots.Plot), "—", [])

    def _show_run(self, run_id: str) -> None:
        self.backend = next((r.backend for r in self.runs if r.run_id == run_id), None)
        benches = self.query_one("#run-benchmarks", DataTable)
        benches.clear()
        levels = {v.benchmark_id: v.level for v in self.history.verdicts(run_id)}
        for result in self.history.results(run_id):
            benches.add_row(
                Text(result.id),
                Text(fmt.seconds(result.median)),
                fmt.level_text(levels.get(result.id)),
                key=result.id,
            )
        if benches.row_count:
            self._show_trend(str(benches.coordinate_to_cell_key((0, 0)).row_key.value))
        else:
            plots.trend(self.query_one("#history-trend", plots.Plot), run_id, [])

    def _show_trend(self, benchmark_id: str) -> None:
        plots.trend(
            self.query_one("#history-trend", plots.Plot),
            benchmark_id,
            self.history.trend(benchmark_id, backend=self.backend),  # like with like
        )

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.row_key is None or message.row_key.value is None:
            return
        if message.data_table.id == "runs-table":
            self._show_run(str(message.row_key.value))
        elif message.data_table.id == "run-benchmarks":
            self._show_trend(str(message.row_key.value))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        if message.data_table.id == "runs-table":
            self.action_open_run()

    def action_open_run(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        if not table.row_count:
            return
        run_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        console_of(self.app).open_review_of_history(run_id)

    def action_back(self) -> None:
        if not close_help(self):
            self.app.pop_screen()

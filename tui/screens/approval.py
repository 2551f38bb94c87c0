"""Baseline approval: one row per verdict; accept, reject, save only what was accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from tracetui.engine.judging.baselines import BaselineError, BaselineStore
from tracetui.engine.judging.verdicts import Verdict
from tracetui.engine.recording.history import History
from tracetui.tui import format as fmt
from tracetui.tui.host import close_help
from tracetui.tui.review import Decision, Review
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.widgets.releasing import ScreenFooter, ScreenHeader
from tracetui.tui.widgets.row_table import RowTable

DECISION_TEXT = {
    Decision.PENDING: Text("·", style="dim"),
    Decision.ACCEPTED: Text("✓ accept", style="bold green"),
    Decision.REJECTED: Text("✗ reject", style="bold red"),
}

#: What matters first comes first: at 80 columns Level, Decision, Benchmark, Change stay visible.
COLUMNS = [
    ("Level", "level"),
    ("Decision", "decision"),
    ("Benchmark", "benchmark"),
    ("Change", "change"),
    ("New", "new"),
    ("Baseline", "baseline"),
    ("Significance", "significance"),
    ("SQL/op", "sql"),
]


class ApprovalScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept"),
        Binding("x", "reject", "Reject"),
        Binding("A", "accept_all", "Accept rest", key_display="A"),
        Binding("enter", "detail", "Detail"),
        Binding("s", "save", "Save"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, review: Review, *, store: BaselineStore, history: History | None) -> None:
        super().__init__()
        self.review = review
        self.store = store
        self.history = history
        self.saved_paths: list[str] = []
        self.sub_title = f"review run {self.review.run_id}"

    def compose(self) -> ComposeResult:
        yield ScreenHeader(show_clock=False)
        yield Static("", id="approval-title")
        noise = Text(self.review.noise or "noise check: not measured", style="dim")
        if self.review.against:  # a paired run: its verdicts are head against that base
            noise = Text.assemble(("paired A/B ", "bold"), (self.review.against, "cyan"), "  ")
            noise.append(self.review.noise or "", style="dim")
        yield Static(noise, id="approval-noise")
        if self.review.machine:  # another machine, or floors that moved: said before any row
            yield Static(Text(self.review.machine, style="bold yellow"), id="approval-machine")
        yield RowTable(id="approval-table", zebra_stripes=True)
        yield Static("", id="approval-hint")
        yield ScreenFooter()

    def on_mount(self) -> None:
        table = self.table
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        for verdict in self.review.verdicts:
            table.add_row(*self._cells(verdict), key=verdict.benchmark_id)
        table.focus()
        self._update_title()

    @property
    def table(self) -> RowTable:
        return self.query_one("#approval-table", RowTable)

    def _cells(self, v: Verdict) -> list[Text]:
        """Every cell is Text: a str cell is markup, and ``load.crud[low]`` would lose ``[low]``."""
        decision = self.review.decisions[v.benchmark_id]
        level = fmt.level_text(v.level)
        if v.budget_broken:
            level.append(" budget!", style="bold red")
        return [
            level,
            DECISION_TEXT[decision],
            Text(v.benchmark_id),
            fmt.change(v.change),
            Text(fmt.metric_value(v.current, v.unit, v.metric))
            if not v.error
            else Text("failed", "bold red"),
            Text(fmt.metric_value(v.baseline, v.unit, v.metric)),
            Text(fmt.significance(v)),
            fmt.sql_per_op(v),
        ]

    def _update_title(self) -> None:
        counts: dict[Decision, int] = {d: 0 for d in Decision}
        for decision in self.review.decisions.values():
            counts[decision] += 1
        self.query_one("#approval-title", Static).update(
            Text.assemble(
                (f"Run {self.review.run_id}", "bold"),
                f"  backend {self.review.backend}   ",
                (f"{counts[Decision.ACCEPTED]} accepted", "green"),
                "  ",
                (f"{counts[Decision.REJECTED]} rejected", "red"),
                "  ",
                f"{counts[Decision.PENDING]} undecided",
            )
        )

    def on_data_table_row_highlighted(self, message: RowTable.RowHighlighted) -> None:
        if message.row_key is None or message.row_key.value is None:
            return
        v = self.review.verdict(str(message.row_key.value))
        if v.error:
            hint = Text(f"{v.benchmark_id}: {v.error}", style="red")
        else:
            hint = Text(f"{fmt.metric_label(v.metric)} ", style="bold")
            hint.append(
                f"{fmt.metric_value(v.baseline, v.unit, v.metric)} → "
                f"{fmt.metric_value(v.current, v.unit, v.metric)}",
                style="",
            )
            if v.budget is not None:
                hint.append(
                    f"   budget {fmt.metric_value(v.budget, v.unit, v.metric)}",
                    style="bold red" if v.budget_broken else "dim",
                )
            weaker = self.review.weakens_baseline(v.benchmark_id)
            if weaker:
                hint.append("   ⚠ " + weaker.split(": ", 1)[1], style="yellow")
            else:
                hint.append("   enter: distributions and trend", style="dim")
        self.query_one("#approval-hint", Static).update(hint)

    def _refresh_row(self, benchmark_id: str) -> None:
        self.table.update_cell(
            benchmark_id, "decision", DECISION_TEXT[self.review.decisions[benchmark_id]]
        )

    def _current_id(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(row_key.value)

    def action_accept(self) -> None:
        bid = self._current_id()
        if bid is None:
            return
        weaker = self.review.weakens_baseline(bid)
        if weaker and self.review.decisions[bid] != Decision.ACCEPTED:
            self.app.push_screen(
                ConfirmScreen(
                    f"{weaker}.\nAccept it anyway?",
                    [("y", "Accept"), ("n", "Leave it")],
                    default="n",
                ),
                lambda answer: self._accept(bid) if answer == "y" else None,
            )
            return
        self._accept(bid)

    def _accept(self, bid: str) -> None:
        if not self.review.accept(bid):
            self.notify(f"{bid} has no result to accept.", severity="warning", markup=False)
            return
        self._refresh_row(bid)
        self._update_title()
        self._advance()

    def action_reject(self) -> None:
        bid = self._current_id()
        if bid is None:
            return
        self.review.reject(bid)
        self._refresh_row(bid)
        self._update_title()
        self._advance()

    def _advance(self) -> None:
        table = self.table
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_accept_all(self) -> None:
        weaker = [
            v.benchmark_id
            for v in self.review.verdicts
            if self.review.decisions[v.benchmark_id] == Decision.PENDING
            and self.review.weakens_baseline(v.benchmark_id)
        ]
        changed = self.review.accept_all_but_critical()  # leaves the `weaker` rows pending
        for bid in changed:
            self._refresh_row(bid)
        self._update_title()
        message = f"Accepted {len(changed)} rows (CRITICAL and rejected rows left alone)."
        if weaker:
            message += (
                f" {len(weaker)} would replace a baseline pooled from more or longer runs"
                " or measured on another machine: accept those one by one with a."
            )
        self.notify(message, markup=False)

    def action_save(self) -> None:
        self.save()

    def save(self) -> bool:
        """Write the accepted rows; False when nothing could be written."""
        accepted = self.review.accepted_results()
        if not accepted:
            self.notify("Nothing accepted: no baseline written.", severity="warning", markup=False)
            return False
        try:
            changed = self.review.save(self.store)
        except BaselineError as exc:
            self.notify(
                str(exc), title="Baselines not saved", severity="error", timeout=15, markup=False
            )
            return False
        self.saved_paths = [str(p) for p in changed]
        if changed:
            self.notify(
                "\n".join(self.saved_paths), title=f"Saved {len(accepted)} baselines", markup=False
            )
        else:
            self.notify(
                "The accepted baselines were already up to date: no file changed.", markup=False
            )
        return True

    def action_detail(self) -> None:
        bid = self._current_id()
        if bid is None:
            return
        from tracetui.tui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(self.review, bid, history=self.history))

    def on_data_table_row_selected(self, _message: RowTable.RowSelected) -> None:
        self.action_detail()

    def action_back(self) -> None:
        if not close_help(self):
            self.leave(self.app.pop_screen)

    def leave(self, then: Callable[[], object]) -> None:
        """Run ``then`` (pop, quit); with unsaved accepted rows ask first: save, discard, stay."""
        unsaved = self.review.unsaved()
        if not unsaved:
            then()
            return
        rows = f"{len(unsaved)} accepted row{'s are' if len(unsaved) != 1 else ' is'}"

        def answered(answer: str | None) -> None:
            if answer == "d" or (answer == "s" and self.save()):
                then()

        self.app.push_screen(
            ConfirmScreen(
                f"{rows} not saved as baselines yet.",
                [("s", "Save"), ("d", "Discard"), ("c", "Stay")],
                default="c",
            ),
            answered,
        )

"""The console application (``tracetui launch``) and its entry point.

:class:`ConsoleApp` wires the screens to the engine: it loads the suite
catalog, the history and the baselines, starts runs (through an injectable
``run_factory``: a worker process by default, canned events in tests) and
opens the approval and history screens. :func:`run_console` is what the
CLI calls. Screens reach the App only through :class:`tracetui.tui.host.ConsoleHost`.

Nothing slow runs on the UI thread: the history's last-known table, the
judging of a past run and the machine's noise check run in thread workers.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import HelpPanel
from textual.worker import Worker, WorkerState
from tracetui.engine.core.database import backend_name, mask_url
from tracetui.engine.core.plan import Plan, new_run_id
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.measuring.against import Checkout, refused
from tracetui.engine.recording.history import History
from tracetui.tui import format as fmt
from tracetui.tui.against import DEFAULT_LOG, AgainstChoice, PairedFactory, paired_run_factory
from tracetui.tui.bridge import RunFactory, RunJudged, worker_run_factory
from tracetui.tui.catalog import Catalog, baseline_problems, last_known, load_catalog
from tracetui.tui.commands import console_commands
from tracetui.tui.host import KnownSink
from tracetui.tui.review import Review, review_from_history, review_of_record
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.history import HistoryScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tracetui.tui.terminal import console_driver


def measure_noise() -> str:
    """The engine's one-line noise check (0.3 s of a reference workload)."""
    from tracetui.engine.measuring.doctor import measure

    return measure(0.3).one_line()


def initial_selection(catalog: Catalog, wanted: Iterable[str] | None) -> tuple[set[str], list[str]]:
    """Benchmark ids for suite names / ids / id prefixes; and the items that matched nothing."""
    selected: set[str] = set()
    unknown: list[str] = []
    all_ids = catalog.all_ids()
    for item in wanted or ():
        if item in catalog.suites:
            selected.update(catalog.benchmark_ids(item))
        elif item in all_ids:
            selected.add(item)
        elif prefixed := [b for b in all_ids if b.startswith(item + "[")]:
            selected.update(prefixed)
        else:
            unknown.append(item)
    return selected, unknown


class ConsoleApp(AgainstChoice):
    """Pick, run, watch, review, accept."""

    CSS_PATH = "console.tcss"
    TITLE = "tracetui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_console", "Quit"),
        Binding("question_mark", "toggle_help", "Keys", key_display="?"),
    ]

    def __init__(
        self,
        *,
        db_url: str,
        suites: list[str] | None = None,
        baselines_dir: Path = Path("baselines"),
        history_path: Path = Path(".tracetui/history.db"),
        profile: str = "standard",
        run_factory: RunFactory | None = None,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.monotonic,
        run_id_factory: Callable[[], str] = new_run_id,
        noise: Callable[[], str] | None = measure_noise,
        against: Checkout | None = None,
        paired_factory: PairedFactory | None = None,
        freeze_heap: bool = False,
    ) -> None:
        super().__init__(driver_class=console_driver())
        self.freeze_heap = freeze_heap  # the console's own process (run_console): see warm_up
        self.db_url = db_url
        self.wanted_suites = suites
        self.store = BaselineStore(baselines_dir)
        self.history_path = Path(history_path)
        self.profile = profile
        self.run_factory = run_factory or worker_run_factory(DEFAULT_LOG)
        self.catalog = catalog
        self.clock = clock
        self.run_id_factory = run_id_factory
        self.history: History | None = None
        self.backend = backend_name(db_url)
        self.noise = noise
        self.noise_line = "noise check: measuring…" if noise else "noise check: off"
        self.last_selection: tuple[list[str], str] | None = None
        self.against = against  # the base revision runs are compared with (None: baselines)
        self.paired_factory = paired_factory or paired_run_factory(DEFAULT_LOG)

    # -- start-up -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.history = History(self.history_path)
        catalog = self.catalog = self.catalog or load_catalog()
        for error in catalog.errors.values():
            self.notify(
                error, title="Suite failed to load", severity="error", timeout=15, markup=False
            )
        broken = baseline_problems(self.store, list(catalog.suites), self.backend)
        for error in broken.values():
            self.notify(
                error, title="Baseline file error", severity="error", timeout=15, markup=False
            )
        selected, unknown = initial_selection(catalog, self.wanted_suites)
        if unknown:
            self.notify(
                f"Unknown suite or benchmark: {', '.join(unknown)}",
                severity="warning",
                markup=False,
            )
        self.push_screen(
            PickerScreen(
                catalog=catalog,
                known=None,
                broken_suites=broken,
                selected=selected,
                profile=self.profile,
                db_url_masked=mask_url(self.db_url),
                backend=self.backend,
            )
        )
        self.check_size(self.size.width, self.size.height)
        if self.noise is not None:
            self.measure_noise_in_worker()
        self.warm_up()

    @work(thread=True, exit_on_error=False, group="noise", exclusive=True)
    def measure_noise_in_worker(self) -> None:
        assert self.noise is not None
        self.noise_line = self.noise()

    @work(thread=True, exit_on_error=False, group="warm-up", exclusive=True)
    def warm_up(self) -> None:
        """Import scipy.stats while the user picks (1.2 s of CPU the first judging paid), then
        freeze the heap start-up made, if this process is the console's own.

        Start-up leaves ~150k objects that live as long as the console (modules, classes,
        the catalog, the picker); every full pass of the garbage collector walked them
        all, ~90 ms of each 100–300 ms pause of the UI thread, every few seconds of a run.
        Frozen, a pass walks only what came later, until the first run's start
        (:meth:`settle_heap`) collects everything once and freezes again.
        """
        import scipy.stats  # noqa: F401

        if self.freeze_heap:
            gc.freeze()

    def settle_heap(self) -> None:
        """At a run's start: collect everything once, then freeze what is left (its own
        process only, as :meth:`warm_up`).

        The collector's full passes walked every long-lived object and the garbage of
        the screens popped since (a Textual widget is in reference cycles, so only a
        full pass frees one): 100–250 ms with the UI thread stopped, every 4–5 s of a
        run, about one key in 40 over 100 ms. Here that pass happens once, while the
        worker process starts; until the next run's start, a pass walks only what came
        after (the run's own screens and numbers), and what dies meanwhile waits for it.
        """
        if self.freeze_heap:
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def load_known(self, apply: KnownSink) -> None:
        """Read what the history last said of each benchmark in a worker; ``apply`` it on the UI."""
        if self.history is not None:
            self._known_in_worker(self.history, self.backend, apply)

    @work(thread=True, exit_on_error=False, group="known", exclusive=True)
    def _known_in_worker(self, history: History, backend: str, apply: KnownSink) -> None:
        known = last_known(history, backend)
        self.call_from_thread(apply, known)

    def on_unmount(self) -> None:
        if self.history is not None:
            self.history.close()

    # -- navigation -----------------------------------------------------------------------

    def open(self, screen: Screen[None]) -> None:
        """Push a screen beneath the too-small notice if it is showing."""
        small = isinstance(self.screen, TooSmallScreen)
        if small:
            self.pop_screen()
        self.push_screen(screen)
        if small:
            self.check_size(self.size.width, self.size.height)

    def start_run(self, benchmark_ids: list[str], profile: str) -> None:
        if self.run_in_progress():
            self.notify("A run is in progress.", severity="warning", markup=False)
            return
        base = self.against
        why = refused(benchmark_ids) if base is not None else ""
        if why:
            self.notify(
                why.replace("--against", "Comparing with a revision"),
                severity="error",
                markup=False,
            )
            return
        self.profile = profile
        self.last_selection = (list(benchmark_ids), profile)
        plan = Plan(
            benchmark_ids=tuple(benchmark_ids),
            profile=profile,
            db_url=self.db_url,
            run_id=self.run_id_factory(),
        )
        common = dict(
            history=self.history, store=self.store, clock=self.clock, per=self._per(benchmark_ids)
        )
        if base is None:
            self.open(DashboardScreen(plan, run_factory=self.run_factory, **common))
        else:
            self.open(self.paired_dashboard(base, plan, common))

    def _per(self, benchmark_ids: list[str]) -> dict[str, str]:
        """What each benchmark's live latency counts (per call / item / op / request)."""
        benches = {
            b.id: b
            for suite in (self.catalog.suites if self.catalog else {}).values()
            for b in suite.benchmarks
        }
        return {
            bid: fmt.per_unit(str(benches[bid].kind), benches[bid].items_per_op)
            for bid in benchmark_ids
            if bid in benches
        }

    def open_history(self) -> None:
        if self.history is not None:
            self.open(HistoryScreen(self.history))

    def open_review_of_run(self, judged: RunJudged) -> None:
        review = review_of_record(
            judged.record,
            judged.verdicts,
            judged.references,
            noise=self.noise_line,
            stored=judged.stored,
        )
        self.open(ApprovalScreen(review, store=self.store, history=self.history))

    def open_review_of_history(self, run_id: str) -> None:
        """Judge a past run against today's baselines in a worker, then open its review."""
        if self.history is None:
            return
        self.notify(f"Judging run {run_id}…", timeout=3, markup=False)
        self._judge_in_worker(self.history, run_id)

    @work(thread=True, exit_on_error=False, group="judge", exclusive=True)
    def _judge_in_worker(self, history: History, run_id: str) -> None:
        review, error = review_from_history(history, run_id, self.store)
        self.call_from_thread(self._show_review, review, error)

    def _show_review(self, review: Review, error: str) -> None:
        if error:
            self.notify(
                error, title="Baseline file error", severity="error", timeout=15, markup=False
            )
        self.open(ApprovalScreen(review, store=self.store, history=self.history))

    def run_in_progress(self) -> bool:
        return any(isinstance(s, DashboardScreen) and s.running for s in self.screen_stack)

    # -- size -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif small and isinstance(self.screen, TooSmallScreen):
            self.screen.show_size(width, height)
        elif not small and showing:
            self.pop_screen()

    # -- actions --------------------------------------------------------------------------

    def action_quit_console(self) -> None:
        if self.run_in_progress():
            self.notify(
                "A run is in progress: esc cancels it first.", severity="warning", markup=False
            )
            return
        unsaved = [
            s for s in self.screen_stack if isinstance(s, ApprovalScreen) and s.review.unsaved()
        ]
        if unsaved:
            unsaved[-1].leave(lambda: self.exit(0))  # unsaved accepted rows: ask first
        else:
            self.exit(0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where the App's own workers (history, judging, noise) report errors."""
        if event.state != WorkerState.ERROR or event.worker.group not in (
            "known",
            "judge",
            "noise",
            "revision",
        ):
            return
        error = event.worker.error
        if event.worker.group == "revision":
            self.notify(f"{type(error).__name__}: {error}", severity="error", markup=False)
            return
        if event.worker.group == "noise":
            self.noise_line = f"noise check failed: {type(error).__name__}: {error}"
            return
        self.notify(
            f"{type(error).__name__}: {error}",
            title="Could not read the history",
            severity="error",
            timeout=10,
            markup=False,
        )

    # -- command palette ------------------------------------------------------------------

    def switch_profile(self, profile: str) -> None:
        self.profile = profile
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen):
                screen.set_profile(profile)

    def switch_database(self, db_url: str) -> None:
        if self.run_in_progress():
            self.notify("A run is in progress.", severity="warning", markup=False)
            return
        self.db_url, self.backend = db_url, backend_name(db_url)
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen):
                screen.set_database(mask_url(db_url), self.backend)
                self.load_known(screen.refresh_known)

    def run_again(self) -> None:
        if self.last_selection is None:
            self.notify("Nothing has run yet in this session.", severity="warning", markup=False)
            return
        self.start_run(*self.last_selection)

    def known_databases(self) -> list[str]:
        """This session's database and the password-free ones of recent runs."""
        urls = [self.db_url]
        if self.history is not None:
            urls += [r.db_url for r in self.history.runs(limit=30) if "***" not in r.db_url]
        return list(dict.fromkeys(urls))

    def action_toggle_help(self) -> None:
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from console_commands(self, screen)


def run_console(
    db_url: str,
    suites: list[str] | None,
    baselines_dir: Path,
    history_path: Path,
    profile: str,
    against: Checkout | None = None,
) -> int:
    """Run the console until the user quits; the exit code (0 normally)."""
    app = ConsoleApp(
        freeze_heap=True,
        db_url=db_url,
        suites=suites,
        baselines_dir=Path(baselines_dir),
        history_path=Path(history_path),
        profile=profile,
        against=against,
    )
    code = app.run()  # a run still going is cancelled when its screen unmounts
    return code if isinstance(code, int) else 0

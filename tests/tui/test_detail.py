"""The detail screen: the query-plan diff, and `p` profiling one call under cProfile."""

from __future__ import annotations

import json

from textual.app import App
from tracetui.engine.core.events import BenchmarkFinished
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.history import TrendPoint
from tracetui.tui.review import Review
from tracetui.tui.screens.detail import DetailScreen

from tests.tui.canned import result
from tests.tui.conftest import SIZE
from tests.tui.helpers import run, screen_text, wait_for

BID = "demo.lookup[10]"
PROFILE = [
    {
        "function": "suites/trace/service.py:101(get_item)",
        "calls": 1,
        "tottime": 2e-5,
        "cumtime": 5.1e-5,
    },
    {
        "function": "sqlalchemy/engine/base.py:1400(execute)",
        "calls": 2,
        "tottime": 1e-5,
        "cumtime": 3.2e-5,
    },
]


class ProfiledRun:
    def __init__(self, events: list) -> None:
        self.events = events
        self.cancelled = False

    def __iter__(self):
        return iter(self.events)

    def cancel(self) -> None:
        self.cancelled = True


class DetailApp(App[None]):
    """Just enough of the console (a ConsoleHost) for the detail screen."""

    def __init__(self, review: Review, history: object = None) -> None:
        super().__init__()
        self.review = review
        self.history = history
        self.db_url = "sqlite:///x.db"
        self.backend = "sqlite"
        self.noise_line = ""
        self.plans: list[Plan] = []

    def run_factory(self, plan: Plan) -> ProfiledRun:
        self.plans.append(plan)
        profiled = result(BID, 0.001)
        from dataclasses import replace

        profiled = replace(profiled, evidence={"profile": json.dumps(PROFILE)})
        return ProfiledRun([BenchmarkFinished(result=profiled)])

    def start_run(self, benchmark_ids: list[str], profile: str) -> None: ...
    def open_history(self) -> None: ...
    def open_review_of_run(self, judged: object) -> None: ...
    def open_review_of_history(self, run_id: str) -> None: ...
    def load_known(self, apply: object) -> None: ...
    def settle_heap(self) -> None: ...

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.review, BID, history=self.history))


def make_review() -> Review:
    verdict = Verdict(
        benchmark_id=BID,
        level=Level.WARNING,
        baseline=0.001,
        current=0.001,
        change=0.0,
        sql_baseline=2,
        sql_current=2,
        plan_baseline=(
            "SEARCH items USING INDEX ix_items_project_status (project_id=? AND status=?)"
        ),
        plan_current="SCAN items",
    )
    from dataclasses import replace

    measured = replace(
        result(BID, 0.001),
        evidence={
            "statement": "SELECT items.id FROM items WHERE items.status = ?",
            "rows": "333",
            "plan": "SCAN items",
        },
    )
    return Review(
        run_id="r", backend="sqlite", verdicts=[verdict], results={BID: measured}, references={}
    )


def test_detail_shows_the_plan_diff_and_profiles_on_p() -> None:
    async def scenario():
        app = DetailApp(make_review())
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            text = screen_text(app)
            assert "query plan changed" in text
            assert "-SEARCH items USING INDEX ix_items_project_status" in text
            assert "+SCAN items" in text
            assert "main statement touches 333 rows" in text
            await pilot.press("p")
            await wait_for(pilot, lambda: "why is it slower?" in screen_text(app))
            text = screen_text(app)
            assert "get_item" in text and "no earlier profile in the history" in text
            assert app.plans[0].options == {"cprofile": True}
            assert app.plans[0].benchmark_ids == (BID,)

    run(scenario())


class BlockingRun(ProfiledRun):
    """A profiling run that only ends when cancelled (a slow worker process)."""

    def __init__(self) -> None:
        super().__init__([])
        import threading

        self.stop = threading.Event()
        self.started = threading.Event()

    def __iter__(self):
        self.started.set()
        self.stop.wait(10)
        return iter(())

    def cancel(self) -> None:
        super().cancel()
        self.stop.set()


def test_popping_the_detail_cancels_its_profiling_process():
    app = DetailApp(make_review())
    blocking = BlockingRun()
    app.run_factory = lambda plan: blocking  # type: ignore[method-assign]

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            await pilot.press("p")
            await wait_for(pilot, lambda: blocking.started.is_set())
            app.pop_screen()
            await wait_for(pilot, lambda: blocking.cancelled)

    run(scenario())


class SlowTrendHistory:
    """A history whose trend read waits until the test lets it go, and says on which thread."""

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.threads: list[object] = []

    def trend(self, benchmark_id: str, *, backend: str) -> list[TrendPoint]:
        import threading

        self.threads.append(threading.current_thread())
        self.release.wait(10)
        return [TrendPoint(f"r{i}", float(i), 0.001 * (1 + i / 10), None) for i in range(3)]

    def profiles(self, *args: object, **kwargs: object) -> list[object]:
        return []


def test_enter_shows_the_summary_at_once_and_the_trend_once_the_history_is_read():
    """The plots come after the first frame and the trend from a worker thread: a slow
    history read leaves the screen answering (esc works) with a visible state."""
    import threading

    history = SlowTrendHistory()
    app = DetailApp(make_review(), history)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            await wait_for(pilot, lambda: "reading the history" in screen_text(app))
            text = screen_text(app)
            assert "query plan changed" in text  # the summary is there meanwhile
            assert "baseline vs new" in text
            assert history.threads and history.threads[0] is not threading.main_thread()
            history.release.set()
            await wait_for(pilot, lambda: "median per call over 3 runs" in screen_text(app))

    run(scenario())

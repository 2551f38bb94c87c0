"""The live dashboard: live numbers, a failed benchmark, cancelling, quitting, errors."""

from __future__ import annotations

from pathlib import Path

from tracetui.engine.core.plan import Plan
from tracetui.engine.recording.history import History
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.widgets.bench_panel import BenchmarkPanel
from tracetui.tui.widgets.plan_progress import PlanProgress

from tests.tui.canned import CannedFactory
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for


def dashboard(app) -> DashboardScreen:
    return next(s for s in app.screen_stack if isinstance(s, DashboardScreen))


async def start(app, pilot) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    await pilot.press("r")


def test_live_numbers_a_failed_benchmark_and_the_run_going_on(make_app, baselines):
    # Pause after the 5th benchmark (demo.broken, which failed): the run is still going.
    factory = CannedFactory(STEPS, pause_after_finished=5)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            dash = dashboard(app)
            await wait_for(pilot, lambda: "demo.broken" in dash.failed and not dash.plot_dirty)
            broken = dash.panel("demo.broken")
            assert broken.state == "failed"
            assert "RuntimeError: the canned benchmark broke" in screen_text(app)
            lookup = dash.panel("demo.lookup[10]")
            assert lookup.state == "done"
            assert len(lookup.series["throughput"]) == 6  # one point per canned Progress event
            browse = dash.panel("demo.browse")
            assert browse.is_load and browse.series["rps"][-1] == 240.0
            assert "users 30" in screen_text(app)
            assert dash.running and dash.panel("extra.scan").state == "queued"
            assert dash.query_one(PlanProgress).progress == 5
            assert "83%" in screen_text(app)
            assert "5/6 done" in screen_text(app)
            factory.runs[0].resume()  # the run goes on after the failure
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert dash.status == "completed"
            assert dash.panel("extra.scan").state == "done"
            assert dash.panel("demo.broken").state == "failed"

    run(scenario())


def test_escape_cancels_and_finished_results_are_kept(make_app, baselines, workdir: Path):
    factory = CannedFactory(STEPS, pause_after_finished=2)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            dash = dashboard(app)
            await wait_for(pilot, lambda: len(dash.done) == 2)
            assert "esc Cancel run" in screen_text(app) and "esc Back" not in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert factory.runs[0].cancelled.is_set()
            assert dash.status == "cancelled"
            assert dash.panel("demo.create").state == "cancelled"
            review = app.screen.review
            assert set(review.results) == {"demo.lookup[10]", "demo.lookup[100]"}
            assert app.screen.query_one("#approval-table").row_count == 2
            await pilot.press("escape")  # back to the finished run: escape now goes back
            await wait_for(pilot, lambda: app.screen is dash)
            await pilot.pause()
            assert "esc Back" in screen_text(app) and "Cancel run" not in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))

    run(scenario())
    history = History(workdir / "history.db")
    (summary,) = history.runs()
    assert summary.status == "cancelled"
    assert [r.id for r in history.results(summary.run_id)] == [
        "demo.lookup[10]",
        "demo.lookup[100]",
    ]
    history.close()


def test_ctrl_c_cancels_too_and_q_waits_for_the_run(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=1)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running and dashboard(app).running
            assert any("run is in progress" in n.message for n in app._notifications)
            await pilot.press("ctrl+c")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert factory.runs[0].cancelled.is_set()
            await pilot.press("q")
            await wait_for(pilot, lambda: not app.is_running)
        assert app.return_value == 0

    run(scenario())


def test_a_run_that_cannot_start_is_reported_once(make_app):
    def failing_factory(plan: Plan):
        raise FileNotFoundError("python: not found")

    async def scenario():
        app = make_app(failing_factory)
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await wait_for(
                pilot,
                lambda: any(
                    isinstance(s, DashboardScreen) and s.status == "crashed"
                    for s in app.screen_stack
                ),
            )
            errors = [n.message for n in app._notifications if "run stopped" in n.message]
            assert errors == ["The run stopped: FileNotFoundError: python: not found"]
            assert app.is_running  # the console survives
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))

    run(scenario())


def test_t_switches_the_plot_and_arrows_pick_the_benchmark(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=3)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=(100, 30)) as pilot:  # panels overflow: they scroll
            await start(app, pilot)
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            dash = dashboard(app)
            await wait_for(pilot, lambda: len(dash.done) == 3 and not dash.plot_dirty)
            assert dash.selected == "demo.create"  # follows the running benchmark
            assert "demo.create: latency per call" in screen_text(app)
            await pilot.press("up")
            assert dash.selected == "demo.lookup[100]"
            assert dash.panel("demo.lookup[100]").selected
            await pilot.pause()
            assert "▌✓ demo.lookup[100]" in screen_text(app)  # the selection is marked
            assert "▌✓ demo.create" not in screen_text(app)
            await pilot.press("t")
            await wait_for(pilot, lambda: not dash.plot_dirty)
            await pilot.pause(0.1)
            assert "demo.lookup[100]: latency per call, distribution" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not dash.running)

    run(scenario())


def test_panel_ids_are_valid_for_any_benchmark_id():
    assert BenchmarkPanel.dom_id("db.query[a/b 1.5]") == "bench-db-query-a-b-1-5-"


def test_elapsed_and_remaining_time_follow_the_plan(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=3)
    now = [100.0]

    async def scenario():
        app = make_app(factory, clock=lambda: now[0])
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            dash = dashboard(app)
            await wait_for(pilot, lambda: len(dash.done) == 3)
            now[0] = 130.0  # 30 s in, 3 of 6 benchmarks done
            await pilot.pause(0.7)  # the clock line redraws on a 0.5 s tick
            assert "elapsed 0:30   remaining ~0:30" in screen_text(app)
            await pilot.press("escape")  # 30 s in: cancelling asks first
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "Cancel this run (0:30 in, 3/6 benchmarks done)?" in screen_text(app)
            await pilot.press("n")  # keep running
            await pilot.pause()
            assert dash.running and not factory.runs[0].cancelled.is_set()
            await pilot.press("escape", "y")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert factory.runs[0].cancelled.is_set()

    run(scenario())

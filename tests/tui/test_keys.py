"""Keys are offered only where they work; rows move with j/k/Home/End; the palette's commands."""

from __future__ import annotations

import time
from pathlib import Path

from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.history import History
from tracetui.tui.review import Review
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.detail import DetailScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import CannedFactory, result
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def test_review_is_offered_only_after_the_run(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=2)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            await pilot.pause(0.1)
            assert "Review" not in footer(app) and "Cancel run" in footer(app)
            factory.runs[0].resume()
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.pause(0.1)
            assert "v Review" in footer(app)

    run(scenario())


def test_profiling_is_not_offered_for_a_load_benchmark(make_app, workdir: Path):
    bid = "demo.browse"
    review = Review(
        run_id="r",
        backend="sqlite",
        verdicts=[Verdict(bid, Level.NEW, metric="p95", current=0.004)],
        results={bid: result(bid, 0.004, kind="load")},
        references={},
    )

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await app.push_screen(DetailScreen(review, bid, history=None))
            await pilot.pause(0.1)
            assert "cProfile" not in screen_text(app)
            await pilot.press("p")
            await pilot.pause()
            assert app.run_factory.plans == []  # nothing started

    run(scenario())


def test_j_k_home_end_move_rows_in_the_review(make_app, baselines):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            table = app.screen.table
            await pilot.press("j", "j")
            assert table.cursor_row == 2
            await pilot.press("k")
            assert table.cursor_row == 1
            await pilot.press("end")
            assert table.cursor_row == table.row_count - 1
            await pilot.press("home")
            assert table.cursor_row == 0 and table.scroll_x == 0

    run(scenario())


def test_the_palette_runs_suites_again_opens_runs_and_switches(make_app, workdir: Path):
    history = History(workdir / "history.db")
    for run_id, url in (("pg-run", "postgresql+psycopg://postgres@127.0.0.1/t"),):
        history.start_run(
            run_id,
            profile="smoke",
            backend="postgresql",
            db_url=url,
            environment={},
            started_at=time.time() - 60,
        )
        history.finish_run(run_id, "completed")
    history.close()
    factory = CannedFactory(STEPS)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            assert {
                "Run suite demo",
                "Run suite extra",
                "Profile standard",
                "Open run pg-run",
            } <= set(commands)
            assert "Database postgresql+psycopg://postgres@127.0.0.1/t" in commands
            commands["Profile thorough"].callback()
            assert app.screen.profile == "thorough"
            commands["Run suite extra"].callback()
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert factory.plans[-1].benchmark_ids == ("extra.scan",)
            assert factory.plans[-1].profile == "thorough"
            await pilot.press("escape", "escape")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            again = {c.title: c for c in app.get_system_commands(app.screen)}
            again["Run the last selection again"].callback()
            await wait_for(pilot, lambda: len(factory.plans) == 2)
            assert factory.plans[1].benchmark_ids == ("extra.scan",)

    run(scenario())


def test_switching_the_database_shows_only_that_backends_results(make_app, workdir: Path):
    history = History(workdir / "history.db")
    for run_id, backend, median in (("sq", "sqlite", 0.00125), ("pg", "postgresql", 0.00777)):
        history.start_run(
            run_id,
            profile="smoke",
            backend=backend,
            db_url="sqlite://",
            environment={},
            started_at=time.time() - (60 if backend == "sqlite" else 30),
        )
        history.add_result(run_id, result("demo.lookup[100]", median))
        history.finish_run(run_id, "completed", [Verdict("demo.lookup[100]", Level.INFO)])
    history.close()

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await wait_for(pilot, lambda: "1.24 ms" in screen_text(app))
            assert "7.73 ms" not in screen_text(app)  # the newer PostgreSQL run is not ours
            app.switch_database("postgresql+psycopg://postgres@127.0.0.1/t")
            await wait_for(pilot, lambda: "7.73 ms" in screen_text(app))
            assert "1.24 ms" not in screen_text(app)
            assert "(postgresql)" in screen_text(app)

    run(scenario())

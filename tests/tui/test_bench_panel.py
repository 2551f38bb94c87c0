"""A benchmark panel: a finished load panel shows the exact p95 and its users (no "users 0"),
and a sparkline says how many points it has."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult
from tracetui.tui.bridge import BenchSnapshot
from tracetui.tui.widgets.bench_panel import BenchmarkPanel

from tests.tui.canned import result
from tests.tui.helpers import run, screen_text


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BenchmarkPanel("load.crud[low]", per="request")


def test_a_finished_load_panel_shows_the_exact_p95_and_its_users():
    async def scenario():
        app = PanelApp()
        async with app.run_test(size=(100, 8)) as pilot:
            panel = app.query_one(BenchmarkPanel)
            panel.start(1)
            snap = BenchSnapshot(
                "load.crud[low]",
                1,
                1,
                5.0,
                (80.0, 82.0),
                (0.02,),
                extra={"users": (10.0, 0.0), "rps": (80.0, 82.0), "p95": (0.054,)},
                is_load=True,  # the bridge sets it when Progress carries a LoadSecond
            )
            panel.update_live(snap)
            await pilot.pause()
            assert "users 0" in screen_text(app) and "(live, bucketed)" in screen_text(app)
            done = replace(
                result("load.crud[low]", 0.02, kind="load", rounds=1),
                metrics={"p95": 0.02701, "rps": 8.2, "users": 10.0},
            )
            panel.finish(done)
            await pilot.pause()
            text = screen_text(app)
            assert "users 0" not in text and "54.00 ms" not in text and "1 rounds" not in text
            assert "users 10   exact p95 27.01 ms/request" in text
            assert "p95 27.01 ms/request  8.2 requests/s" in text

    run(scenario())


def test_a_sparkline_draws_a_point_a_column_and_nothing_before_its_benchmark_starts():
    async def scenario():
        app = PanelApp()
        async with app.run_test(size=(100, 8)) as pilot:
            panel = app.query_one(BenchmarkPanel)
            await pilot.pause()
            assert "ops/s" not in screen_text(app) and "▁" not in screen_text(app)  # queued
            panel.start(3)
            panel.update_live(BenchSnapshot("load.crud[low]", 3, 3, 1.0, (10.0, 30.0, 20.0), ()))
            await pilot.pause()
            row = next(line for line in screen_text(app).splitlines() if "ops/s" in line)
            bars = row.split("ops/s", 1)[1].split("latency", 1)[0].strip()
            assert bars == "▁█▄"  # three points, three bars: not stretched across the panel
            panel.update_live(BenchSnapshot("load.crud[low]", 3, 3, 1.0, (10.0,), ()))
            await pilot.pause()
            row = next(line for line in screen_text(app).splitlines() if "ops/s" in line)
            assert row.split("ops/s", 1)[1].split("latency", 1)[0].strip() == ""  # one point

    run(scenario())

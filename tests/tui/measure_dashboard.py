"""Measure the live dashboard against a real worker process (not a test: run it by hand).

    PYTHONPATH=. TRACETUI_SUITES=tests.fixtures.toy_suite:SUITE TOY_SLEEP=0.002 \\
        .venv/bin/python tests/tui/measure_dashboard.py [profile]

Runs the toy suite in a worker process under a headless console (120x40)
and prints how often the dashboard applied live updates, how often the
plot was redrawn, and how late a 20 ms UI timer fired (event-loop lag).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tracetui.tui.app import ConsoleApp
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen


async def measure(profile: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tracetui-measure-"))
    app = ConsoleApp(
        db_url=f"sqlite:///{tmp / 'trace.db'}",
        suites=["toy"],
        baselines_dir=tmp / "baselines",
        history_path=tmp / "history.db",
        profile=profile,
    )
    batches: list[float] = []
    plots: list[float] = []
    lags: list[float] = []
    original_batch = DashboardScreen.on_progress_batch
    original_plot = DashboardScreen._draw_plot

    def on_batch(self, message):  # type: ignore[no-untyped-def]
        batches.append(time.perf_counter())
        return original_batch(self, message)

    def draw(self):  # type: ignore[no-untyped-def]
        plots.append(time.perf_counter())
        return original_plot(self)

    DashboardScreen.on_progress_batch = on_batch  # type: ignore[method-assign]
    DashboardScreen._draw_plot = draw  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, PickerScreen):
            await pilot.pause(0.05)
        await pilot.press("r")
        start = time.perf_counter()
        while not isinstance(app.screen, ApprovalScreen):
            t0 = time.perf_counter()
            await asyncio.sleep(0.02)
            lags.append(time.perf_counter() - t0 - 0.02)
        duration = time.perf_counter() - start
        await pilot.pause(0.2)  # let the approval screen finish mounting before exiting
    print(
        f"run {duration:.1f} s  live updates {len(batches)} ({len(batches) / duration:.1f}/s)"
        f"  plot redraws {len(plots)} ({len(plots) / duration:.1f}/s)"
    )
    print(
        f"UI timer lag: median {statistics.median(lags) * 1e3:.1f} ms, "
        f"p95 {sorted(lags)[int(len(lags) * 0.95)] * 1e3:.1f} ms, max {max(lags) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(measure(sys.argv[1] if len(sys.argv) > 1 else "standard"))

"""The console's own process freezes its heap after start-up and settles it at each run's
start: one full collection then, so the collector's passes during the run skip the rest."""

from __future__ import annotations

import gc
import weakref

from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import CannedFactory
from tests.tui.conftest import STEPS
from tests.tui.helpers import run, wait_for


class Cycle:
    """Garbage only a full collection frees (it refers to itself)."""

    def __init__(self) -> None:
        self.me = self


def test_the_console_freezes_its_start_up_heap_only_when_it_owns_the_process(make_app):
    async def scenario(freeze: bool) -> int:
        gc.unfreeze()
        app = make_app(freeze_heap=freeze)
        try:
            async with app.run_test(size=(120, 40)):
                await app.workers.wait_for_complete()  # the warm-up: scipy, then the freeze
                return gc.get_freeze_count()
        finally:
            gc.unfreeze()  # the test process goes on collecting as before

    assert run(scenario(False)) == 0  # a console embedded in another process (tests) leaves gc be
    assert run(scenario(True)) > 10_000  # modules, classes, the catalog, the picker


def test_a_run_starts_with_the_garbage_collected_and_the_rest_frozen(make_app, baselines):
    async def scenario() -> tuple[bool, int]:
        gc.unfreeze()
        app = make_app(CannedFactory(STEPS, pause_after_finished=1), freeze_heap=True)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
                await app.workers.wait_for_complete()
                gc.disable()  # only the console's own collection may free the cycle
                garbage = weakref.ref(Cycle())
                await pilot.press("r")
                await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
                dash = app.screen
                await wait_for(pilot, lambda: len(dash.panels) == len(dash.plan.benchmark_ids))
                await pilot.pause()
                return garbage() is None, gc.get_freeze_count()
        finally:
            gc.enable()
            gc.unfreeze()

    collected, frozen = run(scenario())
    assert collected  # the run's start collected what came before it
    assert frozen > 10_000  # and froze what is left

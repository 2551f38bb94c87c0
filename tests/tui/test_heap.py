"""The console's own process freezes what start-up made, so the collector's passes skip it."""

from __future__ import annotations

import gc

from tests.tui.helpers import run


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

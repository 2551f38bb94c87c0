"""What a plot says for the data at hand: a single sample as its value, a title that fits."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from tracetui.tui.widgets import plots

from tests.tui.helpers import run, screen_text

BENCH = "database.items_with_link_counts"


class PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield plots.Plot()


def shown(size: tuple[int, int], draw: Callable[[plots.Plot], None]) -> str:
    async def scenario() -> str:
        app = PlotApp()
        async with app.run_test(size=size) as pilot:
            draw(app.query_one(plots.Plot))
            await pilot.pause()
            return screen_text(app)

    return run(scenario())


def test_a_single_sample_is_shown_as_its_value_not_one_dot():
    text = shown((100, 20), lambda plot: plots.latency_timeline(plot, BENCH, [0.0042]))
    assert "one sample: 4.2 ms" in text
    assert "1.50" not in text  # no x axis from 0.50 to 1.50 around one point


def test_a_title_names_the_benchmark_where_it_fits_and_what_is_drawn_where_it_does_not():
    def draw(plot: plots.Plot) -> None:
        plots.baseline_vs_new(plot, BENCH, [0.001, 0.0011], [0.002, 0.0021])

    assert f"{BENCH}: baseline vs new (ms)" in shown((100, 20), draw)
    narrow = shown((40, 20), draw)
    assert "baseline vs new (ms)" in narrow and BENCH not in narrow


def test_a_far_outlier_is_counted_in_the_title_not_drawn_as_the_axis():
    baseline = [150e-6, 152e-6, 149e-6, 151e-6, 6e-3]  # one 6 ms round among 150 µs ones
    current = [122e-6, 121e-6, 124e-6, 123e-6]
    text = shown((100, 24), lambda plot: plots.baseline_vs_new(plot, BENCH, baseline, current))
    assert "baseline vs new (µs), 1 beyond 152 µs" in text  # the body of both, in µs

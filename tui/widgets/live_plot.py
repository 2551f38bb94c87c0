"""The dashboard's larger plot: one benchmark's latencies as a timeline or a distribution.

It owns the choice of samples (a finished benchmark's own samples replace the
live ones when there are more: its latencies per op or request if it has them,
else its rounds, per call) and the drawing mode. Building a plotext figure is
the dashboard's most expensive repaint, so :meth:`LivePlot.draw` does nothing
when asked to draw what it already shows.
"""

from __future__ import annotations

from tracetui.engine.core.results import BenchmarkResult
from tracetui.tui.bridge import BenchSnapshot
from tracetui.tui.widgets import plots

Samples = tuple[tuple[float, ...], tuple[float, ...], str]  # latencies, throughput, per


def samples_of(snap: BenchSnapshot | None, result: BenchmarkResult | None, per: str) -> Samples:
    """Latencies, live throughput, and what one latency counts, for one benchmark."""
    latencies: tuple[float, ...] = snap.latencies if snap else ()
    if result is not None:
        finished, finished_per = (
            (result.latencies, per) if result.latencies else (result.samples, "call")
        )
        if len(finished) > len(latencies):
            latencies, per = tuple(finished), finished_per
    return latencies, (snap.ops_per_s if snap else ()), per


class LivePlot(plots.Plot):
    """A latency timeline (newest right) or distribution of the benchmark it is given."""

    MODES = ("timeline", "distribution")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = "timeline"
        self._drawn: tuple[object, ...] | None = None

    def toggle_mode(self) -> None:
        self.mode = "distribution" if self.mode == "timeline" else "timeline"

    def draw(self, benchmark_id: str, samples: Samples) -> None:
        latencies, throughput, per = samples
        key = (benchmark_id, self.mode, latencies, throughput, per)
        if key == self._drawn:
            return  # the same figure: plotext would build it again for nothing
        self._drawn = key
        if self.mode == "timeline":
            plots.latency_timeline(self, benchmark_id, latencies, per=per, throughput=throughput)
        else:
            plots.latency_distribution(self, benchmark_id, latencies, per=per)

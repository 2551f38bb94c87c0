"""Plotext drawings the console uses, each a function of a ``PlotextPlot``.

Times are drawn in the unit (s, ms, µs, ns) that suits the largest value.
Every function clears the plot first and asks the widget to refresh, so
callers only pass data.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot
from tracetui.engine.recording.history import TrendPoint

UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def unit_for(values: Sequence[float]) -> tuple[float, str]:
    """The scale and unit that keep the largest value readable (>= 1 of the unit)."""
    top = max((abs(v) for v in values), default=0.0)
    for size, name in UNITS:
        if top >= size:
            return size, name
    return UNITS[-1]


def scaled(values: Sequence[float], size: float) -> list[float]:
    return [v / size for v in values]


def _reset(widget: PlotextPlot, title: str) -> None:
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)


def _empty(widget: PlotextPlot, title: str, message: str) -> None:
    _reset(widget, f"{title} — {message}")
    widget.refresh()


def latency_timeline(widget: PlotextPlot, benchmark_id: str, latencies: Sequence[float]) -> None:
    if not latencies:
        _empty(widget, f"{benchmark_id}: latency per op", "waiting for data")
        return
    size, unit = unit_for(latencies)
    _reset(widget, f"{benchmark_id}: latency per op ({unit}), newest right")
    widget.plt.plot(scaled(latencies, size), marker="braille")
    widget.plt.ylabel(unit)
    widget.refresh()


def latency_distribution(
    widget: PlotextPlot, benchmark_id: str, latencies: Sequence[float]
) -> None:
    if not latencies:
        _empty(widget, f"{benchmark_id}: latency distribution", "waiting for data")
        return
    size, unit = unit_for(latencies)
    _reset(widget, f"{benchmark_id}: latency distribution ({unit})")
    widget.plt.hist(scaled(latencies, size), bins=30)
    widget.plt.xlabel(unit)
    widget.refresh()


def baseline_vs_new(
    widget: PlotextPlot, benchmark_id: str, baseline: Sequence[float], current: Sequence[float]
) -> None:
    if not baseline and not current:
        _empty(widget, f"{benchmark_id}: baseline vs new", "no samples")
        return
    size, unit = unit_for([*baseline, *current])
    _reset(widget, f"{benchmark_id}: baseline vs new ({unit})")
    if baseline:
        widget.plt.hist(scaled(baseline, size), bins=20, label="baseline", color="blue")
    if current:
        widget.plt.hist(scaled(current, size), bins=20, label="new", color="orange")
    widget.plt.xlabel(unit)
    widget.refresh()


def trend(widget: PlotextPlot, benchmark_id: str, points: Sequence[TrendPoint]) -> None:
    if not points:
        _empty(widget, f"{benchmark_id}: median over runs", "no history")
        return
    size, unit = unit_for([p.median for p in points])
    _reset(widget, f"{benchmark_id}: median over runs ({unit})")
    xs = list(range(1, len(points) + 1))
    medians = scaled([p.median for p in points], size)
    widget.plt.plot(xs, medians, marker="braille")
    widget.plt.scatter(xs, medians)
    widget.plt.xlabel("run (oldest → newest)")
    widget.refresh()

"""Plotext drawings the console uses, each a function of a ``PlotextPlot``.

Times are drawn in milliseconds. Every function clears the plot first and
asks the widget to refresh, so callers only pass data.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from engine.history import TrendPoint

MS = 1e3


def _reset(widget: PlotextPlot, title: str) -> None:
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)


def _empty(widget: PlotextPlot, title: str, message: str) -> None:
    _reset(widget, f"{title} — {message}")
    widget.refresh()


def latency_timeline(widget: PlotextPlot, benchmark_id: str, latencies: Sequence[float]) -> None:
    title = f"{benchmark_id}: latency per op (ms), newest right"
    if not latencies:
        _empty(widget, title, "waiting for data")
        return
    _reset(widget, title)
    widget.plt.plot([x * MS for x in latencies], marker="braille")
    widget.plt.ylabel("ms")
    widget.refresh()


def latency_distribution(
    widget: PlotextPlot, benchmark_id: str, latencies: Sequence[float]
) -> None:
    title = f"{benchmark_id}: latency distribution (ms)"
    if not latencies:
        _empty(widget, title, "waiting for data")
        return
    _reset(widget, title)
    widget.plt.hist([x * MS for x in latencies], bins=30)
    widget.plt.xlabel("ms")
    widget.refresh()


def baseline_vs_new(
    widget: PlotextPlot, benchmark_id: str, baseline: Sequence[float], current: Sequence[float]
) -> None:
    title = f"{benchmark_id}: baseline vs new (ms)"
    if not baseline and not current:
        _empty(widget, title, "no samples")
        return
    _reset(widget, title)
    if baseline:
        widget.plt.hist([x * MS for x in baseline], bins=20, label="baseline", color="blue")
    if current:
        widget.plt.hist([x * MS for x in current], bins=20, label="new", color="orange")
    widget.plt.xlabel("ms")
    widget.refresh()


def trend(widget: PlotextPlot, benchmark_id: str, points: Sequence[TrendPoint]) -> None:
    title = f"{benchmark_id}: median over runs (ms)"
    if not points:
        _empty(widget, title, "no history")
        return
    _reset(widget, title)
    xs = list(range(1, len(points) + 1))
    widget.plt.plot(xs, [p.median * MS for p in points], marker="braille")
    widget.plt.scatter(xs, [p.median * MS for p in points])
    widget.plt.xlabel("run (oldest → newest)")
    widget.refresh()

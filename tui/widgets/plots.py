"""Plotext drawings the console uses, each a function of a :class:`Plot`.

Times are drawn in the unit (s, ms, µs, ns) that suits the largest value.
Every function clears the plot first and asks the widget to refresh, so
callers only pass data. Each draws what the data at hand can say: no trend
line for one run, points and the baseline band for a few, a single sample as
its value, a histogram whose axis never starts below zero and ends before the
far outliers (their count is in the title).

A title names the benchmark and what is drawn; where the plot is too narrow
for both (two plots side by side at 80 columns), it says what is drawn (the
screen names the benchmark), cut to the width if it must be: plotext drops a
title that does not fit.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from textual.app import RenderResult
from tracetui.engine.recording.history import TrendPoint
from tracetui.tui.widgets import releasing

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


TICKS_WIDTH = 8  # columns the y ticks and the frame may take ("137.5┤", "10.00┤")


class Plot(releasing.Plot):
    """A plotext plot whose title is the longest of its titles that fits its canvas.

    plotext centres a title on the canvas (right of the y ticks) and drops one
    that does not fit there; the ticks take up to ``TICKS_WIDTH`` columns.
    """

    titles: tuple[str, ...] = ()  # longest first

    def render(self) -> RenderResult:
        if self.titles:
            width = self.size.width - TICKS_WIDTH
            fitting = [t for t in self.titles if len(t) <= width] or [
                self.titles[-1][: max(0, width - 1)] + "…"
            ]
            self.plt.title(fitting[0])
        return super().render()


def _reset(widget: Plot, benchmark_id: str, what: str, *shorter: str) -> None:
    """Clear the plot; its title the benchmark and ``what``, else ``what``, else ``shorter``."""
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    widget.titles = (f"{benchmark_id}: {what}", what, *shorter)


def placeholder(widget: Plot, benchmark_id: str, what: str, message: str) -> None:
    _reset(widget, benchmark_id, f"{what} — {message}")
    widget.refresh()


FEW_POINTS = 8  # up to this many points (runs, samples): the points, no line between them


def _from_zero(widget: Plot, values: Sequence[float]) -> None:
    """Times are never negative: keep plotext's auto range from starting below 0."""
    top = max(values, default=0.0)
    if top > 0:
        widget.plt.xlim(0, top * 1.05)


def latency_timeline(
    widget: Plot,
    benchmark_id: str,
    latencies: Sequence[float],
    *,
    per: str = "call",
    throughput: Sequence[float] = (),
) -> None:
    if not latencies:
        if throughput:  # no per-call samples (a load round): throughput says what is going on
            _reset(widget, benchmark_id, "throughput (/s), newest right")
            widget.plt.plot(list(throughput), marker="braille")
            widget.refresh()
        else:
            placeholder(widget, benchmark_id, f"latency per {per}", "no samples yet")
        return
    size, unit = unit_for(latencies)
    if len(latencies) == 1:  # one dot on an axis from 0.5 to 1.5 says less than its value
        value = f"{latencies[0] / size:.4g} {unit}"
        placeholder(widget, benchmark_id, f"latency per {per}", f"one sample: {value}")
        return
    _reset(widget, benchmark_id, f"latency per {per} ({unit}), newest right")
    xs = list(range(1, len(latencies) + 1))
    values = scaled(latencies, size)
    if len(latencies) <= FEW_POINTS:  # a few samples: the samples, not a line between them
        widget.plt.scatter(xs, values)
        widget.plt.xticks(xs)
    else:
        widget.plt.plot(xs, values, marker="braille")
    widget.plt.ylabel(unit)
    widget.refresh()


OUTLIER_FACTOR = 4.0  # a histogram's axis ends at this many times the larger median


def _body(*series: Sequence[float]) -> tuple[list[list[float]], int]:
    """Each series without its far outliers (over ``OUTLIER_FACTOR`` × the larger median),
    and how many were left out: one 6 ms round put a 150 µs distribution in one bar."""
    medians = [statistics.median(values) for values in series if values]
    cap = OUTLIER_FACTOR * max(medians, default=0.0)
    kept = [[v for v in values if v <= cap] for values in series] if cap > 0 else list(series)
    return [list(k) for k in kept], sum(len(v) for v in series) - sum(len(k) for k in kept)


def _beyond(left_out: int, values: Sequence[float], unit: str) -> str:
    return f", {left_out} beyond {max(values, default=0):.3g} {unit}" if left_out else ""


def latency_distribution(
    widget: Plot, benchmark_id: str, latencies: Sequence[float], *, per: str = "call"
) -> None:
    if not latencies:
        placeholder(widget, benchmark_id, "latency distribution", "no samples yet")
        return
    (kept,), left_out = _body(latencies)
    size, unit = unit_for(kept)
    values = scaled(kept, size)
    beyond = _beyond(left_out, values, unit)
    what = f"latency per {per}, distribution ({unit})"
    _reset(widget, benchmark_id, what + beyond, what)
    widget.plt.hist(values, bins=30)
    _from_zero(widget, values)
    widget.plt.xlabel(unit)
    widget.refresh()


def baseline_vs_new(
    widget: Plot, benchmark_id: str, baseline: Sequence[float], current: Sequence[float]
) -> None:
    if not baseline and not current:
        placeholder(widget, benchmark_id, "baseline vs new", "no samples")
        return
    (baseline, current), left_out = _body(baseline, current)
    size, unit = unit_for([*baseline, *current])
    beyond = _beyond(left_out, scaled([*baseline, *current], size), unit)
    _reset(widget, benchmark_id, f"baseline vs new ({unit}){beyond}", f"baseline vs new ({unit})")
    if baseline:
        widget.plt.hist(scaled(baseline, size), bins=20, label="baseline", color="blue")
    if current:
        widget.plt.hist(scaled(current, size), bins=20, label="new", color="orange")
    _from_zero(widget, scaled([*baseline, *current], size))
    widget.plt.xlabel(unit)
    widget.refresh()


def trend(
    widget: Plot,
    benchmark_id: str,
    points: Sequence[TrendPoint],
    *,
    baseline: float | None = None,
    spread: float = 0.0,
) -> None:
    """Median over runs; for few runs the points and the baseline band (± its spread)."""
    if not points:
        placeholder(widget, benchmark_id, "median over runs", "no history")
        return
    if len(points) == 1:
        placeholder(widget, benchmark_id, "one run so far", "no trend yet")
        return
    medians_s = [p.median for p in points]
    size, unit = unit_for([*medians_s, *([baseline] if baseline else [])])
    _reset(widget, benchmark_id, f"median per call over {len(points)} runs ({unit})")
    xs = list(range(1, len(points) + 1))
    medians = scaled(medians_s, size)
    if baseline:
        low, mid, high = (baseline * (1 - spread), baseline, baseline * (1 + spread))
        for value, label in ((mid, "baseline"), (low, None), (high, None)):
            widget.plt.plot([xs[0], xs[-1]], [value / size] * 2, color="blue", label=label or "")
    if len(points) > FEW_POINTS:
        widget.plt.plot(xs, medians, marker="braille")
    widget.plt.scatter(xs, medians, color="orange")
    if len(xs) <= FEW_POINTS:
        widget.plt.xticks(xs)
    widget.plt.xlabel("run (oldest → newest)")
    widget.refresh()

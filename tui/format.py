"""How numbers, levels and times look on screen (pure functions, no widgets)."""

from __future__ import annotations

import time

from rich.text import Text
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.reports import format_seconds, format_value

LEVEL_STYLES: dict[str, str] = {
    Level.CRITICAL: "bold red",
    Level.WARNING: "bold yellow",
    Level.INCONCLUSIVE: "magenta",
    Level.INFO: "default",
    Level.IMPROVED: "bold green",
    Level.NEW: "bold blue",
    Level.MISSING: "dim",
    Level.FAILED: "bold red reverse",
}


def level_text(level: Level | str | None) -> Text:
    if level is None:
        return Text("—", style="dim")
    return Text(str(level), style=LEVEL_STYLES.get(str(level), ""))


def seconds(value: float | None) -> str:
    """A duration per call with a readable unit: ``812 ns``, ``1.24 ms``, ``3.10 s``."""
    return format_seconds(value, digits=2)


#: Metrics that are not a duration; each is formatted with its own unit.
NOT_TIME = frozenset(
    {"rps", "peak_rps", "ops", "ops_per_s", "items_per_s", "failure_ratio", "saturation_users"}
)

#: What a verdict's metric measures, said in words (per call / per request / per item).
METRIC_LABELS: dict[str, str] = {
    "median": "median per call",
    "mean": "mean per call",
    "p50": "p50 per request",
    "p95": "p95 per request",
    "p99": "p99 per request",
    "rps": "requests per second",
    "peak_rps": "peak requests per second",
    "failure_ratio": "failed requests",
    "saturation_users": "saturation point",
}


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def metric_value(value: float | None, unit: str = "s", metric: str = "") -> str:
    """A value in its own unit: seconds for times, ``/s``, ``%`` or ``users`` otherwise."""
    if value is None:
        return "—"
    if metric in NOT_TIME:
        return format_value(value, metric)
    return seconds(value) if unit == "s" else f"{value:,.1f} {unit}"


def rate(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1e6:
        return f"{value / 1e6:.2f} M/s"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k/s"
    return f"{value:.1f} /s"


def change(value: float | None) -> Text:
    if value is None:
        return Text("—", style="dim")
    style = "red" if value > 0.15 else "green" if value < -0.10 else ""
    return Text(f"{value * 100:+.1f} %", style=style)


def significance(verdict: Verdict) -> str:
    parts = []
    if verdict.p_value is not None:
        parts.append(f"p={verdict.p_value:.3f}")
    if verdict.ci_low is not None and verdict.ci_high is not None:
        parts.append(f"[{verdict.ci_low * 100:+.0f}%, {verdict.ci_high * 100:+.0f}%]")
    return " ".join(parts) or "—"


def sql_per_op(verdict: Verdict) -> Text:
    base, cur = verdict.sql_baseline, verdict.sql_current
    if cur is None:
        return Text("—", style="dim")
    if base is None or base == cur:
        return Text(f"{cur:g}")
    return Text(f"{base:g} → {cur:g}", style="bold red" if cur > base else "green")


def clock_span(value: float) -> str:
    """Elapsed/remaining time as ``m:ss``."""
    value = max(0, round(value))
    return f"{value // 60}:{value % 60:02d}"


def when(timestamp: float | None) -> str:
    if not timestamp:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


def per_unit(kind: str, items_per_op: int = 1) -> str:
    """What one live latency sample is: per call, per item (a batch), per op, per request."""
    if kind == "load":
        return "request"
    if kind == "concurrent":
        return "op"
    return "item" if items_per_op != 1 else "call"


def rate_of(value: float | None, per: str) -> str:
    """A throughput with what is counted: ``219.0 k items/s``, ``1.0 k calls/s``."""
    text = rate(value)
    return text if text == "—" else text.replace(" /s", "/s").replace("/s", f" {per}s/s")


def counted(number: int, noun: str) -> str:
    """``1 run``, ``2 runs``, ``0 regressions``: a count and its noun, plural unless one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

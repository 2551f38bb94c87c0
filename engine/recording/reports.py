"""Reports of a judged run: the verdict table, pytest-benchmark JSON, JUnit XML, Markdown.

Headless output is an API: the table goes to stdout, these files to the
paths a user asks for. The JSON is exactly pytest-benchmark's own format
(:func:`pytest_benchmark_json`), so ``pytest-benchmark compare``,
``--benchmark-compare=out.json`` and any tool that reads it work, and pair
our entries with theirs by ``name``/``fullname``.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from tracetui.engine.core.files import write_atomic
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.benchmark_json import pytest_benchmark_json
from tracetui.engine.recording.session import RunRecord, count_levels

LEVEL_ORDER = [
    Level.CRITICAL,
    Level.WARNING,
    Level.FAILED,
    Level.INCONCLUSIVE,
    Level.INFO,
    Level.IMPROVED,
    Level.NEW,
    Level.MISSING,
]


def format_seconds(value: float | None, digits: int = 3) -> str:
    """Human units for a duration in seconds: ``12.34 µs``, ``4.567 ms``, ``1.234 s``.

    ``digits`` decimals for s and ms, one fewer for µs (the console uses 2).
    """
    if value is None or not math.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{value:.{digits}f} s"
    if magnitude >= 1e-3:
        return f"{value * 1e3:.{digits}f} ms"
    if magnitude >= 1e-6:
        return f"{value * 1e6:.{digits - 1}f} µs"
    return f"{value * 1e9:.0f} ns"


def format_value(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    if metric in ("rps", "peak_rps", "ops", "ops_per_s", "items_per_s"):
        return f"{value:,.1f}/s"
    if metric in ("saturation_users", "users"):
        return f"{value:,.0f} users"
    if metric == "failure_ratio":
        return f"{value:.2%}"
    return format_seconds(value)


def format_change(v: Verdict) -> str:
    if v.change is None or not math.isfinite(v.change):
        return "—"
    return f"{v.change * 100:+.1f}%"


def format_sql(v: Verdict) -> str:
    if v.sql_current is None:
        return "—"
    current = f"{v.sql_current:g}"
    if v.sql_baseline is not None and v.sql_baseline != v.sql_current:
        return f"{v.sql_baseline:g}→{current}"
    return current


def format_evidence(v: Verdict) -> str:
    parts = []
    if v.p_value is not None:
        interval = ""
        if v.ci_low is not None and v.ci_high is not None:
            interval = f" [{v.ci_low * 100:+.0f}%, {v.ci_high * 100:+.0f}%]"
        parts.append(f"p={v.p_value:.3f}{interval}")
    if v.plan_changed:
        parts.append("PLAN CHANGED")
    return " ".join(parts)


def plan_diff(v: Verdict) -> str:
    """A unified diff of the baseline's and this run's query plan."""
    import difflib

    return "\n".join(
        difflib.unified_diff(
            (v.plan_baseline or "").splitlines(),
            (v.plan_current or "").splitlines(),
            "baseline plan",
            "current plan",
            lineterm="",
        )
    )


TABLE_HEADERS = ("benchmark", "baseline", "current", "change", "level", "SQL/op", "evidence")


def table_rows(verdicts: Sequence[Verdict]) -> list[tuple[str, ...]]:
    rows = []
    for v in verdicts:
        level = str(v.level) + (" +BUDGET" if v.budget_broken else "")
        rows.append(
            (
                v.benchmark_id,
                format_value(v.baseline, v.metric),
                format_value(v.current, v.metric) if v.level != Level.FAILED else v.error[:60],
                format_change(v),
                level,
                format_sql(v),
                format_evidence(v),
            )
        )
    return rows


def render_table(verdicts: Sequence[Verdict]) -> str:
    """A plain-text table that reads well in a CI log."""
    rows = [TABLE_HEADERS, *table_rows(verdicts)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_HEADERS))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(record: RunRecord, verdicts: Sequence[Verdict]) -> str:
    counts = count_levels(verdicts)
    parts = [f"{counts[level]} {level}" for level in LEVEL_ORDER if counts.get(level)]
    budgets = sum(1 for v in verdicts if v.budget_broken)
    if budgets:
        parts.append(f"{budgets} over budget")
    return f"run {record.run_id} ({record.status}, {record.profile}, {record.backend}): " + (
        ", ".join(parts) or "nothing ran"
    )


# ---------------------------------------------------------------- files


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` atomically (the one writer: :mod:`tracetui.engine.core.files`)."""
    write_atomic(path, text)


def junit_xml(record: RunRecord, verdicts: Sequence[Verdict], *, fail_on: Level) -> str:
    """One test case per benchmark; regressions at the fail level fail, errors are errors."""
    suite = ET.Element(
        "testsuite",
        name=f"tracetui {record.profile} {record.backend}",
        tests=str(len(verdicts)),
        failures=str(sum(1 for v in verdicts if v.fails(fail_on))),
        errors=str(sum(1 for v in verdicts if v.level == Level.FAILED)),
        skipped=str(sum(1 for v in verdicts if v.level == Level.MISSING)),
        time=f"{record.duration:.3f}",
    )
    results = record.results
    for v in verdicts:
        classname, _, name = v.benchmark_id.partition(".")
        case = ET.SubElement(suite, "testcase", classname=classname, name=name or classname)
        if v.benchmark_id in results:
            case.set("time", f"{sum(results[v.benchmark_id].samples):.6f}")
        text = (
            f"{v.level}: {format_value(v.baseline, v.metric)} -> "
            f"{format_value(v.current, v.metric)} ({format_change(v)}) {format_evidence(v)}"
        )
        if v.level == Level.FAILED:
            ET.SubElement(case, "error", message=v.error).text = v.error
        elif v.fails(fail_on):
            message = text + (
                f"; over budget {format_value(v.budget, v.metric)}" if v.budget_broken else ""
            )
            ET.SubElement(case, "failure", message=message).text = message
        elif v.level == Level.MISSING:
            ET.SubElement(case, "skipped", message="baseline exists, benchmark did not run")
        ET.SubElement(case, "system-out").text = text
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def markdown_summary(record: RunRecord, verdicts: Sequence[Verdict], *, fail_on: Level) -> str:
    """A summary fit for a CI job page (GitHub's $GITHUB_STEP_SUMMARY)."""
    failing = [v for v in verdicts if v.fails(fail_on) or v.level == Level.FAILED]
    icon = "❌" if failing else "✅"
    env = record.environment
    lines = [
        f"## {icon} tracetui — {len(verdicts)} benchmarks, {len(failing)} failing",
        "",
        f"Run `{record.run_id}` · profile **{record.profile}** · backend **{record.backend}** · "
        f"commit `{(env.get('commit') or 'unknown')[:10]}` · python {env.get('python', '?')} · "
        f"sqlalchemy {env.get('sqlalchemy', '?')}",
        "",
        "| benchmark | baseline | current | change | level | SQL/op | evidence |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for row in table_rows(verdicts):
        cells = [c.replace("|", "\\|") for c in row]
        cells[0] = f"`{cells[0]}`"
        if row[4].startswith(("CRITICAL", "WARNING", "FAILED")):
            cells[4] = f"**{cells[4]}**"
        lines.append("| " + " | ".join(cells) + " |")
    changed = [v for v in verdicts if v.plan_changed]
    for v in changed:
        lines += [
            "",
            f"<details><summary>Query plan changed: <code>{v.benchmark_id}</code></summary>",
            "",
            "```diff",
            plan_diff(v),
            "```",
            "</details>",
        ]
    lines += ["", summary_line(record, verdicts), ""]
    return "\n".join(lines)


def write_reports(
    record: RunRecord,
    verdicts: Sequence[Verdict],
    *,
    fail_on: Level,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    markdown_path: Path | None = None,
) -> list[Path]:
    written = []
    outputs: Mapping[Path | None, str] = {}
    if json_path:
        outputs = {
            **outputs,
            json_path: json.dumps(pytest_benchmark_json(record, verdicts), indent=2),
        }
    if junit_path:
        outputs = {**outputs, junit_path: junit_xml(record, verdicts, fail_on=fail_on)}
    if markdown_path:
        outputs = {**outputs, markdown_path: markdown_summary(record, verdicts, fail_on=fail_on)}
    for path, text in outputs.items():
        assert path is not None
        write_atomically(path, text)
        written.append(path)
    return written

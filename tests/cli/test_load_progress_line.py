"""The load run's live line on stderr comes from the typed ``Progress.load``."""

from __future__ import annotations

import pytest
from tracetui.cli.headless import StderrProgress
from tracetui.engine.core.events import BenchmarkStarted, LoadSecond, Progress


def test_a_load_second_is_one_stderr_line_and_other_progress_is_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = StderrProgress()
    progress(BenchmarkStarted(benchmark_id="load.crud[low]", index=0, total=1, kind="load"))
    second = LoadSecond(t=3.0, users=10, rps=412.4, failures_per_s=2.0, p95=0.0049)
    progress(Progress("load.crud[low]", 1, 1, ops_per_s=412.4, elapsed=3.0, load=second))
    progress(Progress("load.crud[low]", 1, 1, ops_per_s=1.0, extra={"precision": 0.1}))
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("[1/1] load.crud[low]:   3.0s  users 10  412 req/s  p95 ")
    assert lines[0].endswith("failures 2/s")

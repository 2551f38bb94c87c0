"""End to end: `tracetui run` on the load suite with faults injected into the API.

The faults are test-only (``tests/fixtures/api_faults/sitecustomize.py`` on
``PYTHONPATH``, inherited by the server tracetui starts): a delay of half the
baseline's p95 on every response, and the server killing itself mid-run.
Loopback only, 4 users, a few seconds of load.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tracetui.suites.load.process import LoadRunError, api_server

FAULTS = Path(__file__).resolve().parents[1] / "fixtures" / "api_faults"
BENCH = "load.crud[medium]"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def tracetui(tmp_path: Path, *args: str, **faults: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACETUI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULTS), env.get("PYTHONPATH")]))
    env.update(faults)
    return subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
    )


def load_run(tmp_path: Path, duration: str, **faults: str) -> subprocess.CompletedProcess[str]:
    return tracetui(
        tmp_path,
        "run",
        BENCH,
        "--ci",
        "--profile",
        "smoke",
        "--users",
        "4",
        "--duration",
        duration,
        "--no-noise-check",
        "--fail-on",
        "warning",
        "--json",
        "out.json",
        **faults,
    )


def verdict(tmp_path: Path) -> dict[str, object]:
    report = json.loads((tmp_path / "out.json").read_text())
    (bench,) = report["benchmarks"]
    own = bench["extra_info"]["tracetui"]  # tracetui's data in pytest-benchmark's JSON
    return {**own["metrics"], **({"level": own["level"]} if "level" in own else {})}


def test_a_50_percent_delay_in_the_api_is_a_regression(tmp_path: Path) -> None:
    # 15 s runs: p95 is tested on per-second windows, and with 8 s (6 windows) a measured
    # +48 % came out INCONCLUSIVE ([+2 %, +106 %]) on a busy machine.
    first = load_run(tmp_path, "15s")
    assert first.returncode == 0, first.stderr
    accepted = tracetui(tmp_path, "baseline", "accept")
    assert accepted.returncode == 0, accepted.stderr
    baseline_p95 = float(verdict(tmp_path)["p95"])
    toml = (tmp_path / "baselines" / "load.sqlite.toml").read_text()
    assert f'[benchmarks."{BENCH}".windows]' in toml  # the seconds the verdict tests

    delayed = load_run(tmp_path, "15s", TRACETUI_TEST_API_DELAY=f"{baseline_p95 / 2:.6f}")
    assert delayed.returncode == 1, delayed.stdout + delayed.stderr
    row = next(line for line in delayed.stdout.splitlines() if line.startswith(BENCH))
    assert " WARNING " in row or " CRITICAL " in row, row
    assert verdict(tmp_path)["level"] in ("WARNING", "CRITICAL")


def test_the_api_killed_mid_run_is_a_failed_benchmark_exit_3(tmp_path: Path) -> None:
    killed = load_run(tmp_path, "5s", TRACETUI_TEST_API_DIE_AFTER="1.5")
    assert killed.returncode == 3, killed.stdout + killed.stderr
    assert "was killed by SIGKILL during the load run" in killed.stderr
    assert "FAILED" in killed.stdout


def test_a_server_that_died_under_the_caller_is_an_error(tmp_path: Path) -> None:
    pids: list[int] = []
    dying = api_server(f"sqlite:///{tmp_path / 'trace.db'}", pids=pids)
    with pytest.raises(LoadRunError, match="was killed by SIGKILL during the load run"), dying:
        os.kill(pids[0], signal.SIGKILL)
        time.sleep(0.5)  # the signal is delivered; the server's parent reaps it

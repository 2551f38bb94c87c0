"""The load report's CPU of client and server, and its warning when the client was the limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tracetui.cli.headless import load_cpu_note
from tracetui.suites.load.cpu import CpuWatch, client_bound, process_cpu_s
from tracetui.suites.load.process import LoadOptions, run_load


def test_a_busy_child_shows_as_client_cpu_and_a_live_process_as_server_cpu() -> None:
    watch = CpuWatch(server_pid=os.getpid())
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    sum(i for i in range(300_000))  # this process: the "server"
    watch.stop()
    assert watch.client_cores is not None and watch.client_cores > 0
    assert watch.server_cores is not None and watch.server_cores > 0
    assert process_cpu_s(2**22 + 12345) is None  # no such process


def test_the_note_warns_only_when_the_client_used_its_core() -> None:
    assert load_cpu_note({}) == ""
    calm = load_cpu_note({"client_cpu": 0.3, "server_cpu": 0.9})
    assert calm == "; CPU client 0.30 / server 0.90 cores"
    busy = load_cpu_note({"client_cpu": 0.97, "server_cpu": 0.4})
    assert "WARNING" in busy and "client" in busy
    assert client_bound(0.9) and not client_bound(None) and not client_bound(0.5)


@pytest.mark.timeout(120)
def test_a_real_run_reports_both_sides(tmp_path: Path) -> None:
    options = LoadOptions(users=3, spawn_rate=3, duration_s=2, profile="high")
    summary = run_load(options, f"sqlite:///{tmp_path / 'cpu.db'}", lambda _: None)
    assert summary.failures == 0, summary.errors
    assert summary.client_cpu is not None and summary.client_cpu > 0
    assert summary.server_cpu is not None and summary.server_cpu > 0

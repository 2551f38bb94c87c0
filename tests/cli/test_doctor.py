from __future__ import annotations

import json
import subprocess
import sys

from tracetui.engine.measuring.doctor import NoiseReport


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_doctor_reports_what_it_can_detect() -> None:
    proc = run("--seconds", "0.5", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["detectable"] > 0
    assert data["timer_resolution"] > 0
    assert any("pin" in a for a in data["advice"])
    human = run("--seconds", "0.5")
    assert "can be told from noise here" in human.stdout


def test_doctor_rejects_a_silly_duration() -> None:
    proc = run("--seconds", "0")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "tracetui: error: --seconds 0.0 is out of range (allowed 0.5–60)"


def test_warning_when_the_machine_cannot_see_the_threshold() -> None:
    report = NoiseReport(
        timer_resolution=1e-9,
        timer_overhead=5e-8,
        cpu_count=2,
        load_average=0.1,
        governor="performance",
        isolated_cpus="1",
        round_spread=0.1,
        run_spread=0.08,
        detectable=0.224,
        warnings=["this machine cannot reliably detect a 15% regression"],
    )
    line = report.one_line()
    assert "±8.0%" in line and "≈22%" in line and "cannot reliably detect" in line

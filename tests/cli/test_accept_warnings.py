"""`tracetui baseline accept` says (on stderr, and still accepts) what it replaces:
a baseline measured on another machine, or one pooled from more runs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import tomli_w

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]
BENCH = "toy.batch[10]"
OTHER = {"fingerprint": "0ther0machine", "fingerprint_desc": "16 × AMD EPYC 7763, CPython 3.11.7"}


def tracetui(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def run_once(env: dict[str, str], cwd: Path) -> None:
    proc = tracetui(["run", BENCH, "--ci", "--profile", "smoke", "--no-noise-check"], env, cwd)
    assert proc.returncode == 0, proc.stderr


def baseline(cwd: Path) -> tuple[Path, dict]:
    path = cwd / "baselines" / "toy.sqlite.toml"
    return path, tomllib.loads(path.read_text())


def test_accept_over_another_machines_baseline_warns_on_stderr_and_accepts(
    toy_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "baselines").mkdir()
    run_once(toy_env, tmp_path)
    first = tracetui(["baseline", "accept"], toy_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "⚠" not in first.stderr  # nothing replaced
    path, doc = baseline(tmp_path)
    provenance = doc["benchmarks"][BENCH]["provenance"]
    mine = provenance["fingerprint"]
    assert provenance["fingerprint_desc"]  # what the hash stands for, in words
    run_once(toy_env, tmp_path)
    same = tracetui(["baseline", "accept"], toy_env, tmp_path)
    assert same.returncode == 0 and "⚠" not in same.stderr  # same machine: nothing said

    doc["benchmarks"][BENCH]["provenance"].update(OTHER)  # as if accepted elsewhere
    path.write_text(tomli_w.dumps(doc))
    run_once(toy_env, tmp_path)
    done = tracetui(["baseline", "accept"], toy_env, tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "⚠" in line]
    assert len(warnings) == 1, done.stderr  # one line for the file
    line = warnings[0]
    assert f"{path.relative_to(tmp_path)}: {BENCH}: " in line
    assert "replaces a baseline measured on another machine (16 × AMD EPYC 7763" in line
    assert "→ this one " in line
    assert "⚠" not in done.stdout
    assert baseline(tmp_path)[1]["benchmarks"][BENCH]["provenance"]["fingerprint"] == mine


def test_one_smoke_run_over_a_pooled_baseline_is_said(
    toy_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "baselines").mkdir()
    for _ in range(3):
        run_once(toy_env, tmp_path)
    pooled = tracetui(["baseline", "accept", "--runs", "3"], toy_env, tmp_path)
    assert pooled.returncode == 0 and "⚠" not in pooled.stderr
    run_once(toy_env, tmp_path)
    single = tracetui(["baseline", "accept"], toy_env, tmp_path)
    assert single.returncode == 0, single.stderr
    assert f"{BENCH}: replaces a baseline pooled from 3 smoke runs" in single.stderr
    assert "with this one smoke run" in single.stderr

"""Faults of the machine and of files: damaged or locked history, full disks, read-only
files, killed and interrupted processes. One line, a documented exit code, nothing lost.

Full disks are real: a 256 KiB tmpfs mounted for the test (needs root; skipped
otherwise). Permission cases run the command as `nobody` when the tests run as root.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import (
    FAST,
    TRACETUI,
    integrity,
    needs_permissions,
    one_line_error,
    snapshot,
    statuses,
    tracetui,
)
from tests.conftest import ROOT
from tests.engine.test_history_faults import corrupt_pages
from tests.processes import children_of


def ok_run(env: dict[str, str], cwd: Path, *ids: str, **extra: str) -> None:
    proc = tracetui(["run", *(ids or ("toy.spin",)), *FAST], env, cwd, **extra)
    assert proc.returncode == 0, proc.stderr


def test_a_read_only_sqlite_file_is_a_configuration_error(toy_env, world_dir: Path) -> None:
    needs_permissions()
    db = world_dir / "trace.db"
    with sqlite3.connect(db) as conn:  # already in WAL mode, so only a write can fail
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
    db.chmod(0o444)
    before = db.read_bytes()
    env = {**toy_env, "TRACETUI_DB": f"sqlite:///{db}", "TRACETUI_HISTORY": str(world_dir / "h.db")}
    proc = tracetui(["run", "toy.sql", *FAST], env, world_dir, as_nobody=True)
    one_line_error(proc, 2, "cannot write to sqlite file", "readonly")
    assert db.read_bytes() == before
    assert statuses(world_dir / "h.db") == []


@pytest.mark.parametrize(
    "command", [["run", "toy.spin", *FAST], ["history"], ["baseline", "accept"], ["launch"]]
)
def test_a_damaged_history(toy_env, tmp_path: Path, command: list[str]) -> None:
    ok_run(toy_env, tmp_path)
    (tmp_path / "baselines").mkdir()
    before = corrupt_pages(tmp_path / "history.db")
    proc = tracetui(command, toy_env, tmp_path, timeout=60)
    one_line_error(proc, 2, "is damaged (PRAGMA integrity_check:", "Page")
    assert (tmp_path / "history.db").read_bytes() == before  # never written into
    assert list((tmp_path / "baselines").iterdir()) == []


def test_history_locked_by_another_writer(toy_env, tmp_path: Path) -> None:
    ok_run(toy_env, tmp_path)
    other = sqlite3.connect(tmp_path / "history.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        proc = tracetui(
            ["run", "toy.spin", *FAST], toy_env, tmp_path, TRACETUI_HISTORY_LOCK_TIMEOUT="1"
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    one_line_error(proc, 2, "locked by another writer (waited 1 s", only=False)
    assert statuses(tmp_path / "history.db") == ["completed"]  # nothing half-recorded
    assert integrity(tmp_path / "history.db") == "ok"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: a real full disk (root only)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_history_on_a_full_disk(toy_env, tmp_path: Path, tiny_disk: Path) -> None:
    env = {**toy_env, "TRACETUI_HISTORY": str(tiny_disk / "history.db")}
    ok_run(env, tmp_path)
    filler = fill(tiny_disk)
    proc = tracetui(["run", "toy.spin", *FAST], env, tmp_path)
    one_line_error(proc, 2, "the disk is full", only=False)
    filler.unlink()
    assert statuses(tiny_disk / "history.db") == ["completed"]
    assert integrity(tiny_disk / "history.db") == "ok"


def test_json_report_on_a_full_disk(toy_env, tmp_path: Path, tiny_disk: Path) -> None:
    fill(tiny_disk)
    proc = tracetui(
        ["run", "toy.spin", *FAST, "--json", str(tiny_disk / "o.json")], toy_env, tmp_path
    )
    one_line_error(proc, 2, "o.json: No space left on device", only=False)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]  # no half file, no temp
    assert statuses(tmp_path / "history.db") == ["completed"]  # the run itself is kept


def test_accept_on_a_full_disk(toy_env, tmp_path: Path, tiny_disk: Path) -> None:
    ok_run(toy_env, tmp_path)
    fill(tiny_disk)
    before = snapshot(tiny_disk)
    proc = tracetui(["baseline", "accept", "--baselines", str(tiny_disk)], toy_env, tmp_path)
    one_line_error(proc, 2, "No space left on device; no baseline file changed")
    assert snapshot(tiny_disk) == before


def test_accept_into_an_unwritable_baselines_folder(toy_env, world_dir: Path) -> None:
    needs_permissions()
    env = {**toy_env, "TRACETUI_DB": f"sqlite:///{world_dir / 'trace.db'}"}
    env["TRACETUI_HISTORY"] = str(world_dir / "history.db")
    baselines = world_dir / "baselines"
    baselines.mkdir()
    (baselines / "toy.sqlite.toml").write_text("schema = 1\n")
    baselines.chmod(0o555)
    ok_run(env, world_dir)  # as root: `nobody` cannot exec this interpreter for a worker
    (world_dir / "history.db").chmod(0o666)
    before = snapshot(baselines)
    proc = tracetui(["baseline", "accept"], env, world_dir, as_nobody=True)
    one_line_error(proc, 2, "Permission denied; no baseline file changed")
    assert snapshot(baselines) == before


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_a_killed_run_is_interrupted_and_not_accepted_silently(
    toy_env, tmp_path: Path, sig: signal.Signals
) -> None:
    proc = subprocess.Popen(
        [*TRACETUI, "run", "toy.spin", "toy.sleepy", *FAST],
        env={**toy_env, "TOY_SLEEP": "0.2"},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until the first result is recorded
        if line.startswith("[1/2] toy.spin: median"):
            break
    workers = children_of(proc.pid)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    for pid in workers:  # the worker has its own session: stop it here
        with_suppress_kill(pid)
    history = tracetui(["history", "--json"], toy_env, tmp_path)
    runs = json.loads(history.stdout)
    assert [r["status"] for r in runs] == ["interrupted"], history.stderr
    assert runs[0]["result_count"] == 1
    (tmp_path / "baselines").mkdir()
    refused = tracetui(["baseline", "accept"], toy_env, tmp_path)
    one_line_error(refused, 2, "is interrupted (1 of 2 result(s))", "--allow-incomplete")
    assert list((tmp_path / "baselines").iterdir()) == []
    forced = tracetui(["baseline", "accept", "--allow-incomplete"], toy_env, tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "baselines" / "toy.sqlite.toml").exists()


def with_suppress_kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


ROOMS = ("cli", "engine", "suites", "tui")


def test_sigint_early_in_accept_is_one_line_and_never_a_partial_file(
    toy_env, tmp_path: Path
) -> None:
    """A Ctrl-C landing while Python itself starts (its site module) is Python's to report."""
    ok_run(toy_env, tmp_path, "toy.spin", "toy.batch")
    (tmp_path / "baselines").mkdir()
    baseline = tmp_path / "baselines" / "toy.sqlite.toml"
    rng = random.Random(12)
    outcomes = []
    for _ in range(16):
        proc = subprocess.Popen(
            [*TRACETUI, "baseline", "accept"],
            env=toy_env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        outcomes.append(proc.returncode)
        if "Traceback" in err:  # only Python's own start-up, before tracetui's first line
            assert not any(f'File "{ROOT / room}/' in err for room in ROOMS), err
            continue
        assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, err)
        if proc.returncode == 130:
            assert err.strip().splitlines()[-1] == "tracetui: interrupted"
        if baseline.exists():  # whole or absent, never half
            assert b"toy.batch[20]" in baseline.read_bytes()
        assert [p.name for p in baseline.parent.iterdir() if p.name != baseline.name] == []
    assert 130 in outcomes or -signal.SIGINT in outcomes  # some did land early

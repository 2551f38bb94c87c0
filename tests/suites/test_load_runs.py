"""Real Locust runs against the real reference API on loopback (bounded in time)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.events import LoadSecond
from tracetui.suites.load import count_run_items
from tracetui.suites.load.process import (
    LOCUSTFILE,
    LoadCancelled,
    LoadOptions,
    LoadRunError,
    LoadTargetError,
    api_server,
    run_load,
)
from tracetui.suites.load.serving import free_port, stop_process

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('load') / 'trace.db'}"


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[str]:
    with api_server(db_url) as host:
        yield host


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def test_run_against_its_own_server_counts_every_item_it_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'own.db'}"
    seconds: list[LoadSecond] = []
    pids: list[int] = []
    summary = run_load(LoadOptions(4, 4, 3, "medium"), url, seconds.append, pids=pids)
    assert summary.started_server
    assert summary.user_classes == ("CrudMediumUser:fast",)
    assert summary.failures == 0, summary.errors
    assert summary.requests > 0 and summary.rps > 0
    assert summary.p50 is not None and summary.p50 <= summary.p95 <= summary.p99
    assert 0 < len(summary.latencies) <= 2000
    assert summary.creates_ok > 0
    assert seconds and all(isinstance(s, LoadSecond) for s in seconds)
    assert max(s.users for s in seconds) == 4 and seconds[-1].requests > 0
    assert summary.seconds and summary.seconds[0].recent == ()  # kept without the latencies
    assert count_run_items(make_engine(url), summary.run_id) == summary.items_expected
    assert not any(_alive(pid) for pid in pids)  # server and Locust are gone


def test_queries_workload_against_an_explicit_host(server: str, db_url: str) -> None:
    options = LoadOptions(3, 3, 2, "high", workload="queries", host=server)
    summary = run_load(options, db_url, lambda _second: None)
    assert not summary.started_server
    assert summary.failures == 0, summary.errors
    assert summary.requests > summary.creates_ok > 0  # seeded items, then queries
    assert count_run_items(make_engine(db_url), summary.run_id) == summary.items_expected


def test_http_user_class_runs_too(server: str) -> None:
    options = LoadOptions(2, 2, 2, "high", user_class="http", host=server)
    summary = run_load(options, "sqlite://", lambda _second: None)
    assert summary.failures == 0, summary.errors
    assert summary.requests > 0
    assert summary.user_classes == ("CrudHighUser:http",)


@pytest.mark.slow
def test_two_hundred_users_without_a_failure(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    seen_users: list[int] = []
    summary = run_load(LoadOptions(200, 100, 8, "low"), url, lambda s: seen_users.append(s.users))
    assert max(seen_users) == 200
    assert summary.failures == 0, summary.errors
    assert count_run_items(make_engine(url), summary.run_id) == summary.items_expected


def test_plain_locust_command_line_exits_zero(server: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            "20",
            "-r",
            "10",
            "-t",
            "5s",
            "--host",
            server,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env={**os.environ, "TRACETUI_LOAD_JSON": "off"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "POST /items" in proc.stdout + proc.stderr  # Locust's own stats table


def test_unreachable_host_is_named_before_any_user_spawns() -> None:
    host = f"http://127.0.0.1:{free_port()}"
    seconds: list[LoadSecond] = []
    pids: list[int] = []
    with pytest.raises(LoadTargetError, match=host.replace(".", r"\.")):
        run_load(LoadOptions(5, 5, 2, host=host), "sqlite://", seconds.append, pids=pids)
    assert seconds == [] and pids == []


@pytest.mark.parametrize(
    ("users", "duration", "message"),
    [(0, 5, r"1\.\.1000"), (1001, 5, r"1\.\.1000"), (5, 0.5, "1 s"), (5, 3601, "1 h")],
)
def test_out_of_range_users_or_duration_name_the_range(
    users: int, duration: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LoadOptions(users, 1, duration)


def test_broken_locustfile_error_carries_locusts_message(server: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken_locustfile.py"
    broken.write_text("raise RuntimeError('the locustfile is broken: ZX81')\n")
    with pytest.raises(LoadRunError, match="ZX81"):
        run_load(
            LoadOptions(2, 2, 2, host=server, locustfile=broken), "sqlite://", lambda _second: None
        )


def test_cancel_stops_locust_and_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cancel.db'}"
    seconds: list[LoadSecond] = []
    pids: list[int] = []
    with pytest.raises(LoadCancelled):
        options = LoadOptions(3, 3, 60, "medium")
        run_load(options, url, seconds.append, pids=pids, cancel=lambda: bool(seconds))
    assert len(pids) == 2  # the API server, then Locust
    assert not any(_alive(pid) for pid in pids)


def test_keyboard_interrupt_leaves_no_process_behind(server: str) -> None:
    pids: list[int] = []

    def interrupt(_second: LoadSecond) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_load(LoadOptions(2, 2, 60, "medium", host=server), "sqlite://", interrupt, pids=pids)
    assert len(pids) == 1
    assert not _alive(pids[0])


def test_master_mode_uses_a_worker_started_with_locusts_own_cli(server: str, db_url: str) -> None:
    port = free_port()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(port),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TRACETUI_LOAD_JSON": "off"},
        start_new_session=True,
    )
    try:
        options = LoadOptions(
            3, 3, 4, "medium", host=server, master=True, expect_workers=1, master_port=port
        )
        summary = run_load(options, db_url, lambda _second: None)
        assert summary.failures == 0, summary.errors
        assert summary.requests > 0 and summary.latencies
        # the worker named its projects with the master's run id
        assert count_run_items(make_engine(db_url), summary.run_id) == summary.items_expected
        assert summary.creates_ok > 0
        assert worker.wait(timeout=30) == 0  # the master told it to quit
    finally:
        stop_process(worker)


def test_master_mode_needs_workers() -> None:
    with pytest.raises(ValueError, match="expect_workers"):
        LoadOptions(2, 2, 2, master=True)


def test_locust_web_ui_mode_swarms_the_api(server: str) -> None:
    port = free_port()
    ui = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--web-host",
            "127.0.0.1",
            "--web-port",
            str(port),
            "--host",
            server,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TRACETUI_LOAD_JSON": "off"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(ui + "/", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Locust web UI never answered"
                time.sleep(0.2)
        form = urllib.parse.urlencode({"user_count": 3, "spawn_rate": 3, "host": server})
        with urllib.request.urlopen(ui + "/swarm", data=form.encode(), timeout=10) as reply:
            assert json.load(reply)["success"] is True
        while True:
            with urllib.request.urlopen(ui + "/stats/requests", timeout=5) as reply:
                stats = json.load(reply)
            total = next(s for s in stats["stats"] if s["name"] == "Aggregated")
            if total["num_requests"] >= 20:
                break
            assert time.monotonic() < deadline, "no requests were made from the web UI"
            time.sleep(0.3)
        assert total["num_failures"] == 0
    finally:
        stop_process(proc)


ORPHAN_SCRIPT = """
import json, sys
from tracetui.suites.load.process import LoadOptions, run_load
pids = []
def report(_second):
    print(json.dumps(pids), flush=True)
run_load(LoadOptions(2, 2, 60, "medium"), sys.argv[1], report, pids=pids)
"""


def test_locust_and_server_die_with_a_killed_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT, f"sqlite:///{tmp_path / 'orphan.db'}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: list[int] = []
    try:
        assert parent.stdout is not None
        pids = json.loads(parent.stdout.readline())  # after Locust's first stats second
        assert len(pids) == 2
    finally:
        parent.kill()  # SIGKILL: no finally block runs in the parent
        parent.wait(timeout=10)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    leftovers = [pid for pid in pids if _alive(pid)]
    for pid in leftovers:  # never leave them behind, even when the assertion fails
        os.kill(pid, signal.SIGKILL)
    assert leftovers == []

"""The history never leaves a run "running", and every fault in it is one HistoryError line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import weakref
from pathlib import Path

import pytest
from tracetui.engine.recording import history as history_mod
from tracetui.engine.recording.history import History, HistoryError


def start(history: History, run_id: str, db_url: str = "sqlite:///x.db") -> None:
    history.start_run(
        run_id, profile="smoke", backend="sqlite", db_url=db_url, environment={"commit": None}
    )


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def status(path: Path, run_id: str) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT status FROM runs WHERE run_id=?", (run_id,)).fetchone()[0]


def test_a_run_whose_process_is_gone_is_marked_interrupted_on_open(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    history = History(path)
    start(history, "mine")
    start(history, "killed")
    start(history, "rebooted")
    start(history, "elsewhere")
    history.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE runs SET pid=? WHERE run_id='killed'", (dead_pid(),))
        conn.execute("UPDATE runs SET boot_id='another-boot' WHERE run_id='rebooted'")
        conn.execute("UPDATE runs SET host='another-host', pid=1 WHERE run_id='elsewhere'")
    History(path).close()
    assert status(path, "mine") == "running"  # this process is alive
    assert status(path, "killed") == "interrupted"
    assert status(path, "rebooted") == "interrupted"
    assert status(path, "elsewhere") == "running"  # another host's pid means nothing here


def set_owner(path: Path, run_id: str, pid: int, started: int | None) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE runs SET pid=?, pid_started=? WHERE run_id=?", (pid, started, run_id))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_live_pid_that_started_at_another_time_is_a_reused_pid_and_reaped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.db"
    history = History(path)
    start(history, "reused")
    start(history, "live")
    history.close()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        real = history_mod._process_started(sleeper.pid)
        assert real is not None
        set_owner(path, "reused", sleeper.pid, real - 1)  # the pid of an earlier process
        set_owner(path, "live", sleeper.pid, real)
        History(path).close()
        assert status(path, "reused") == "interrupted"
        assert status(path, "live") == "running"  # the same process, still alive
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_run_records_when_its_process_started(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    history = History(path)
    start(history, "r1")
    history.close()
    with sqlite3.connect(path) as conn:
        recorded = conn.execute("SELECT pid_started FROM runs WHERE run_id='r1'").fetchone()[0]
    assert recorded == history_mod._process_started(os.getpid())
    if Path("/proc/self/stat").exists():
        assert isinstance(recorded, int) and recorded > 0


def test_without_proc_a_live_pid_keeps_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.db"
    history = History(path)
    start(history, "r1")
    history.close()
    set_owner(path, "r1", os.getpid(), 12345)  # recorded where /proc was readable
    monkeypatch.setattr(history_mod, "_process_started", lambda _pid: None)
    History(path).close()
    assert status(path, "r1") == "running"  # only the pid is known, and it is alive


def test_a_process_name_with_spaces_and_parentheses_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = ["S"] + [str(n) for n in range(4, 22)] + ["987654", "0", "0"]
    stat = f"4242 (a) b (c) {' '.join(fields)}\n"
    real_read = Path.read_bytes

    def fake(self: Path) -> bytes:
        return stat.encode() if str(self) == "/proc/4242/stat" else real_read(self)

    monkeypatch.setattr(Path, "read_bytes", fake)
    assert history_mod._process_started(4242) == 987654


def test_an_older_history_is_upgraded_and_its_running_rows_reaped(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE runs (run_id VARCHAR(40) PRIMARY KEY, started_at FLOAT NOT NULL,"
            " finished_at FLOAT, status VARCHAR(16) NOT NULL, profile VARCHAR(32) NOT NULL,"
            " backend VARCHAR(32) NOT NULL, db_url VARCHAR(500) NOT NULL, 'commit' VARCHAR(64),"
            " source VARCHAR(32) NOT NULL, environment TEXT NOT NULL, regressions INTEGER"
            " NOT NULL, failures INTEGER NOT NULL)"
        )
        conn.execute(
            "INSERT INTO runs VALUES ('old', 1, NULL, 'running', 'smoke', 'sqlite', '', NULL,"
            " 'run', '{}', 0, 0)"
        )
    History(path).close()
    assert status(path, "old") == "interrupted"
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    assert {"pid", "host", "boot_id", "planned", "pid_started"} <= columns


def test_a_run_left_open_at_exit_is_marked_crashed(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    start(history, "r1")
    history_mod._crash_unfinished(weakref.ref(history))  # what atexit runs
    assert status(tmp_path / "h.db", "r1") == "crashed"


def test_query_form_password_is_masked_in_the_history(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    start(history, "r1", "postgresql+psycopg://u:pw1@127.0.0.1/db?password=LEAK5")
    assert history.get_run("r1").db_url == "postgresql+psycopg://u:***@127.0.0.1/db?password=***"


def corrupt_pages(path: Path) -> bytes:
    """Keep page 1 (header and schema), overwrite the table pages with garbage."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    assert len(data) > 2 * page
    data[page:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - page))
    path.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    return bytes(data)


def test_a_damaged_history_is_one_line_naming_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    history = History(path)
    start(history, "r1")
    history.close()
    before = corrupt_pages(path)
    with pytest.raises(HistoryError) as info:
        History(path)
    message = str(info.value)
    assert "damaged (PRAGMA integrity_check:" in message and "\n" not in message
    assert path.read_bytes() == before  # nothing written into a damaged file


def test_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"this is not sqlite" * 400)
    with pytest.raises(HistoryError, match="not a SQLite database"):
        History(path)


def test_a_lock_held_by_another_writer_is_a_bounded_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_mod, "LOCK_TIMEOUT_S", 0.3)
    path = tmp_path / "h.db"
    History(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        history = History(path)
        with pytest.raises(HistoryError, match="locked by another writer"):
            start(history, "r1")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert History(path).runs() == []  # nothing half-recorded


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / ".tracetui").write_text("")
    with pytest.raises(HistoryError, match=r"\.tracetui is a file"):
        History(tmp_path / ".tracetui" / "history.db")


def test_get_run_finds_a_run_by_its_id_beyond_the_newest_ones(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    for n in range(3):
        start(history, f"run-{n}")
    assert [r.run_id for r in history.runs(limit=1)] != ["run-0"]  # not among the newest
    found = history.get_run("run-0")
    assert found is not None and found.run_id == "run-0"
    assert history.get_run("no-such-run") is None

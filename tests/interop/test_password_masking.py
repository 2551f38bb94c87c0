"""A database password never appears in anything these modules print or store.

Covers tracetui.engine.core.pg's messages, what ``pytest suites/ --tracetui-db URL`` prints
and writes (terminal, ``--benchmark-json``), the ``extra_info`` the plugin
records, and the history rows ``tracetui import`` writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tracetui.engine.core.events import BenchmarkFailed, Event
from tracetui.engine.core.pg import ScratchDatabaseError, scratch_database, server_available
from tracetui.engine.core.registry import all_benchmarks
from tracetui.engine.interop.pytest_bridge import run_pytest
from tracetui.engine.interop.pytest_plugin import describe
from tracetui.engine.recording.history import History
from tracetui.engine.recording.importing import import_pytest_benchmark_json

from .interop_helpers import FAST, REPO, run_pytest_process

SECRET_URL = "postgresql+psycopg://u:secret@127.0.0.1/x"
#: The same credentials on a port where nothing listens: fails fast, never authenticates.
SECRET_URL_NO_SERVER = "postgresql+psycopg://u:secret@127.0.0.1:1/x"


@pytest.mark.parametrize("url", [SECRET_URL, SECRET_URL_NO_SERVER])
def test_pg_messages_never_carry_the_password(url: str) -> None:
    reason = server_available(url)
    assert reason  # no role "u" with that password here, or no server at all
    assert "secret" not in reason
    with pytest.raises(ScratchDatabaseError) as info, scratch_database(url):
        pass
    assert "secret" not in str(info.value)


def test_extra_info_masks_the_url() -> None:
    class FakeContext:
        db_url = SECRET_URL
        backend = "postgresql"

    bench = all_benchmarks()["database.item_read"]
    info = describe(bench, FakeContext())  # type: ignore[arg-type]
    assert info["db_url"] == "postgresql+psycopg://u:***@127.0.0.1/x"
    assert "secret" not in json.dumps(info)


def test_pytest_suites_with_a_password_url_print_and_write_no_password(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = run_pytest_process(
        [
            str(REPO / "suites"),
            "--benchmark-only",
            "-k",
            "database.item_read",
            *FAST,
            f"--tracetui-db={SECRET_URL_NO_SERVER}",
            f"--benchmark-json={out}",
        ],
        tmp_path,
    )
    assert done.returncode == 1  # the suite cannot connect: the test fails, visibly
    assert "127.0.0.1" in done.stdout
    assert "secret" not in done.stdout + done.stderr
    assert not out.exists()  # pytest-benchmark writes no file when nothing was measured


def test_import_stores_no_password(tmp_path: Path) -> None:
    data = {
        "benchmarks": [
            {
                "fullname": "suites/test_benchmarks.py::test_benchmark[database.item_read]",
                "extra_info": {
                    "tracetui": {
                        "id": "database.item_read",
                        "suite": "database",
                        "backend": "postgresql",
                        "db_url": SECRET_URL,
                    }
                },
                "stats": {"data": [0.001, 0.002]},
            }
        ]
    }
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data))
    store = tmp_path / "store"
    store.mkdir()
    history = History(store / "history.db")
    try:
        run_id = import_pytest_benchmark_json(source, history)
        run = history.get_run(run_id)
        assert run is not None and run.db_url == "postgresql+psycopg://u:***@127.0.0.1/x"
    finally:
        history.close()
    for path in store.iterdir():  # the database file and any WAL beside it
        assert b"secret" not in path.read_bytes(), path.name


def test_streamed_events_carry_no_password(tmp_path: Path) -> None:
    events: list[Event] = []
    code = run_pytest(
        [str(REPO / "suites")],
        events.append,
        "run-masked",
        ["-k", "database.item_read", *FAST, f"--tracetui-db={SECRET_URL_NO_SERVER}"],
        cwd=tmp_path,
    )
    assert code == 1
    failed = [e for e in events if isinstance(e, BenchmarkFailed)]
    assert [e.benchmark_id for e in failed] == ["database.item_read"]
    assert "127.0.0.1" in failed[0].details
    assert "secret" not in "\n".join(e.dumps() for e in events)

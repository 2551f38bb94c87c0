"""Bad command-line values and bad files: one line on stderr, exit 2, nothing written.

Each case is from issue 12's hostile-input review. Exit codes: 2 usage or
configuration, 130 interrupted; 1 only ever means a regression.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.cli.helpers import FAST, one_line_error, snapshot, statuses, tracetui


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--db", "postgresql+psycopg://u:pw9@127.0.0.1:notaport/x"], "is not a number"),
        (["--db", "postgresql+psycopg://u:p@ss9@127.0.0.1/x"], "unescaped '@'"),
        (["--db", "postgresql+psycopg://u:pw9@127.0.0.1:70000/x"], "out of range"),
        (["--spawn-rate", "nan"], "not a finite number"),
        (["--spawn-rate", "inf"], "not a finite number"),
        (["--spawn-rate", "-1"], "above zero"),
        (["--master", "--expect-workers", "1", "--master-port", "70000"], "1<=x<=65535"),
        (["--json", "."], "is a folder"),
    ],
)
def test_bad_run_values_are_one_line_before_anything_runs(
    toy_env, tmp_path: Path, args: list[str], needle: str
) -> None:
    proc = tracetui(["run", "toy.spin", *FAST, *args], toy_env, tmp_path)
    line = one_line_error(proc, 2, needle)
    assert "pw9" not in line and "ss9" not in line  # no part of a password is printed
    assert statuses(tmp_path / "history.db") == []  # no run started


@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_serve_port_out_of_range(toy_env, tmp_path: Path, port: str) -> None:
    one_line_error(tracetui(["serve", "--port", port], toy_env, tmp_path), 2, "1<=x<=65535")


def test_serve_on_a_busy_port_is_exit_2(toy_env, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = tracetui(["serve", "--port", str(port)], toy_env, tmp_path, timeout=30)
    one_line_error(proc, 2, f"port {port} on 127.0.0.1 is already in use")


@pytest.mark.parametrize("command", [["run", "toy.spin", *FAST], ["serve", "--port", "1"]])
def test_tracetui_folder_being_a_file(toy_env, tmp_path: Path, command: list[str]) -> None:
    (tmp_path / ".tracetui").write_text("not a folder")
    env = {k: v for k, v in toy_env.items() if k not in ("TRACETUI_DB", "TRACETUI_HISTORY")}
    proc = tracetui(command, env, tmp_path)
    one_line_error(proc, 2, ".tracetui is a file")
    assert (tmp_path / ".tracetui").read_text() == "not a folder"


def write_baselines(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    folder = tmp_path / "baselines"
    folder.mkdir()
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


def test_a_non_utf8_baseline(toy_env, tmp_path: Path) -> None:
    folder = write_baselines(tmp_path, {"toy.sqlite.toml": b'schema = 1\nsuite = "\xff\xfe"\n'})
    before = snapshot(folder)
    run = tracetui(["run", "toy.spin", *FAST, "--baselines", str(folder)], toy_env, tmp_path)
    one_line_error(run, 2, "toy.sqlite.toml: not UTF-8 text")
    show = tracetui(["baseline", "show", "--baselines", str(folder)], toy_env, tmp_path)
    one_line_error(show, 2, "not UTF-8 text")
    assert snapshot(folder) == before
    assert statuses(tmp_path / "history.db") == []


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        ('[budgets."toy.spin"]\nmedain = 0.5\n', "unknown metric 'medain'"),
        ('[budgetz."toy.spin"]\nmedian = 0.5\n', "unknown table(s) budgetz"),
        ('[budgets."toy.nope"]\nmedian = 0.5\n', "budget for unknown benchmark 'toy.nope'"),
        ('[budgets."toy.spin"]\nmedian = nan\n', "must be a finite number"),
        ('[budgets."toy.spin"]\nmedian = -1.0\n', "must be positive"),
        ("[thresholds]\nwarning = nan\n", "must be a finite number"),
        ('[budgets."../../x/PWNED.x"]\nmedian = 1.0\n', "does not start with a suite name"),
    ],
)
def test_a_bad_policy_is_refused_before_the_run(
    toy_env, tmp_path: Path, policy: str, needle: str
) -> None:
    folder = write_baselines(tmp_path, {"policy.toml": "schema = 1\n" + policy})
    proc = tracetui(["run", "toy.spin", *FAST, "--baselines", str(folder)], toy_env, tmp_path)
    one_line_error(proc, 2, "policy.toml", needle)
    assert statuses(tmp_path / "history.db") == []  # refused before a run row existed


def test_baseline_show_escapes_newlines_from_ids(toy_env, tmp_path: Path) -> None:
    folder = write_baselines(
        tmp_path,
        {
            "toy.sqlite.toml": 'schema = 1\n[benchmarks."toy.a\\nFAKE LINE\\u001b[2J"]\n'
            "rounds = 3\nvalues = { median = 0.001 }\n"
        },
    )
    proc = tracetui(["baseline", "show", "--baselines", str(folder)], toy_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "toy.a\\nFAKE LINE\\x1b[2J" in proc.stdout
    assert not any(line.startswith("FAKE") for line in proc.stdout.splitlines())
    assert "\x1b" not in proc.stdout


def pwned_json(tmp_path: Path, suite: str) -> Path:
    entry = {
        "name": "x",
        "fullname": "t.py::x",
        "group": None,
        "stats": {"min": 0.001, "median": 0.001, "max": 0.001, "iterations": 1},
        "extra_info": {"tracetui": {"id": f"{suite}.x", "suite": suite, "backend": "evil"}},
    }
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({"benchmarks": [entry], "machine_info": {}, "commit_info": {}}))
    return path


@pytest.mark.parametrize("suite", ["../../../../x/PWNED", "/tmp/h12-abs/PWNED"])
def test_import_refuses_a_suite_that_is_a_path(toy_env, tmp_path: Path, suite: str) -> None:
    work = tmp_path / "a" / "b" / "c" / "d"
    work.mkdir(parents=True)
    (work / "baselines").mkdir()
    before = snapshot(tmp_path)
    proc = tracetui(["import", str(pwned_json(tmp_path, suite))], toy_env, work)
    one_line_error(proc, 2, "invalid suite name")
    accept = tracetui(["baseline", "accept"], toy_env, work)
    assert accept.returncode == 2 and "Traceback" not in accept.stderr
    after = snapshot(tmp_path)
    after.pop("history.db", None)  # opened (and created) by import: it must stay empty
    assert after == before | {"evil.json": (tmp_path / "evil.json").read_bytes()}
    assert statuses(tmp_path / "history.db") == []
    assert not Path("/tmp/h12-abs").exists()


def test_accept_refuses_bad_names_already_in_an_old_history(toy_env, tmp_path: Path) -> None:
    """A history written before names were checked cannot smuggle a path into accept."""
    import sqlite3

    ok = tracetui(["run", "toy.spin", *FAST], toy_env, tmp_path)
    assert ok.returncode == 0, ok.stderr
    with sqlite3.connect(tmp_path / "history.db") as conn:
        row = conn.execute("SELECT result FROM results").fetchone()[0]
        data = json.loads(row)
        data.update(id="../../../../x/PWNED.x", suite="../../../../x/PWNED")
        conn.execute("UPDATE results SET result=?", (json.dumps(data),))
    (tmp_path / "baselines").mkdir()
    proc = tracetui(["baseline", "accept"], toy_env, tmp_path)
    one_line_error(proc, 2, "cannot accept", "does not start with a suite name")
    assert list((tmp_path / "baselines").iterdir()) == []

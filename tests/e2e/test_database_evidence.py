"""Database evidence end to end: an injected N+1 and a dropped index are reported on the
first run, with the smoke profile, against baselines accepted a moment before.

The slowdowns are test-only patches: a ``sitecustomize`` module on the worker's
PYTHONPATH wraps a service method; nothing in the product switches them on.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

N_PLUS_ONE = """
import sqlalchemy as sa
from tracetui.suites.trace import service as _service

_original = _service.TraceService.get_item

def get_item(self, item_id):
    row = _original(self, item_id)
    with self.engine.connect() as conn:  # the injected extra query per item
        conn.execute(sa.text("SELECT count(*) FROM links WHERE source_id = :i"), {"i": item_id})
    return row

_service.TraceService.get_item = get_item
"""


def tracetui(
    args: list[str],
    cwd: Path,
    db: Path,
    extra_path: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACETUI_HISTORY": str(cwd / "history.db")}
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tracetui.cli.main",
            *args,
            "--db",
            f"sqlite:///{db}",
            "--no-noise-check",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def accept(cwd: Path, db: Path, selection: list[str]) -> None:
    (cwd / "baselines").mkdir(exist_ok=True)
    first = tracetui(["run", *selection, "--ci", "--profile", "smoke"], cwd, db)
    assert first.returncode == 0, first.stdout + first.stderr
    done = subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", "baseline", "accept"],
        cwd=cwd,
        env={**os.environ, "TRACETUI_HISTORY": str(cwd / "history.db")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def line_of(stdout: str, benchmark_id: str) -> str:
    return next(ln for ln in stdout.splitlines() if ln.startswith(benchmark_id + " "))


def test_an_injected_n_plus_one_is_reported_by_statement_count(tmp_path: Path) -> None:
    db = tmp_path / "trace.db"
    selection = ["database.item_read", "database.item_with_links"]
    accept(tmp_path, db, selection)
    patch = tmp_path / "patch"
    patch.mkdir()
    (patch / "sitecustomize.py").write_text(N_PLUS_ONE)
    proc = tracetui(
        ["run", *selection, "--ci", "--profile", "smoke", "--fail-on", "warning"],
        tmp_path,
        db,
        extra_path=patch,
    )
    row = line_of(proc.stdout, "database.item_read")
    assert "1→2" in row, proc.stdout
    assert ("WARNING" in row) or ("CRITICAL" in row)
    assert proc.returncode == 1
    other = line_of(proc.stdout, "database.item_with_links")
    assert "→" not in other  # an unrelated benchmark keeps its count


def test_a_dropped_index_is_reported_as_a_plan_change(tmp_path: Path) -> None:
    db = tmp_path / "trace.db"
    selection = ["database.filter_by_status", "database.item_read"]
    accept(tmp_path, db, selection)
    with sqlite3.connect(db) as conn:
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='items' "
                "AND sql LIKE '%status%'"
            )
        ]
        assert indexes, "the schema should index status"
        for name in indexes:
            conn.execute(f"DROP INDEX {name}")
    proc = tracetui(
        ["run", *selection, "--ci", "--profile", "smoke", "--markdown", "m.md"], tmp_path, db
    )
    row = line_of(proc.stdout, "database.filter_by_status")
    assert "PLAN CHANGED" in row
    assert "WARNING" in row or "CRITICAL" in row
    assert "query plan of database.filter_by_status changed" in proc.stdout
    assert "-SEARCH items USING" in proc.stdout
    assert "PLAN CHANGED" not in line_of(proc.stdout, "database.item_read")
    assert "Query plan changed" in (tmp_path / "m.md").read_text()

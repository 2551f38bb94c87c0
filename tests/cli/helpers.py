"""Running `tracetui` in a subprocess and asserting what a user sees when input is bad."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]
FAST = ["--profile", "smoke", "--no-noise-check"]
NOBODY = 65534


def tracetui(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    as_nobody: bool = False,
    timeout: float = 120,
    **extra_env: str,
) -> subprocess.CompletedProcess[str]:
    as_user = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        [*(as_user if as_nobody else []), *TRACETUI, *args],
        env={**env, **extra_env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_error(
    proc: subprocess.CompletedProcess[str], code: int, *needles: str, only: bool = True
) -> str:
    """Exit ``code``, one ``tracetui: error`` line (the only stderr line if ``only``)."""
    assert proc.returncode == code, f"exit {proc.returncode}, stderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("tracetui: error")]
    assert len(errors) == 1, proc.stderr
    if only:
        assert proc.stderr.splitlines() == errors, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    table = os.environ.get("TRACETUI_TEST_ERROR_TABLE")  # the note's table of bad inputs
    if table:
        command = " ".join(str(a) for a in proc.args[1:]) if isinstance(proc.args, list) else ""
        with open(table, "a", encoding="utf-8") as out:
            out.write(f"{command}\t{proc.returncode}\t{errors[0]}\n")
    return errors[0]


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def statuses(path: Path) -> list[str]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY started_at")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def needs_permissions() -> None:
    """Permission tests run as `nobody` when we are root (root ignores file modes)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the command as another user")

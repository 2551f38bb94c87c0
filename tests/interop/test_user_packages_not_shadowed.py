"""A user's own packages named ``engine`` and ``tui`` live beside tracetui.

tracetui installs as ``tracetui.*`` and its pytest plugin loads in every
pytest session of the environment; neither may shadow the user's packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .interop_helpers import FAST, SUBPROCESS_TIMEOUT_S, run_pytest_process

USER_TEST = """
import engine
import tui


def test_own_packages(benchmark):
    assert engine.WHO == "user engine" and tui.WHO == "user tui"
    assert benchmark(engine.work, 50) == sum(range(50))
"""


@pytest.fixture
def user_project(tmp_path: Path) -> Path:
    for name in ("engine", "tui"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(
            f'WHO = "user {name}"\n\ndef work(n):\n    return sum(range(n))\n'
        )
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TEST))
    (tmp_path / "baselines").mkdir()
    return tmp_path


def test_pytest_benchmark_only_uses_the_users_engine_and_tui(user_project: Path) -> None:
    proc = run_pytest_process(["--benchmark-only", *FAST, "test_user.py"], cwd=user_project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_tracetui_run_pytest_uses_the_users_engine_and_tui(user_project: Path) -> None:
    env = {
        **os.environ,
        "TRACETUI_HISTORY": str(user_project / "history.db"),
        "TRACETUI_BASELINES": str(user_project / "baselines"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tracetui.cli", "run", "--pytest", "test_user.py", "--", *FAST],
        cwd=user_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test_user.test_own_packages" in proc.stdout

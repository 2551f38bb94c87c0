"""A plain ``pip install .`` (no extras) runs the core and names the extra for the rest.

Builds a fresh virtual environment from a copy of the tracked sources (so no
build output lands in the repository), installs tracetui without extras and
checks what a user of that install sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["cli", "engine", "suites", "tui", "pyproject.toml", "README.md"]

pytestmark = pytest.mark.slow


def copy_sources(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", *SOURCES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    archive = target.with_suffix(".tar")
    with tarfile.open(archive, "w") as tar:
        for name in listed:
            tar.add(ROOT / name, arcname=name)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a venv with ``pip install .`` and nothing else."""
    base = tmp_path_factory.mktemp("lean")
    copy_sources(base / "src")
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, timeout=120)
    bin_dir = base / "venv" / "bin"
    pip = subprocess.run(
        # The versions CI pins (a new release cannot break this test overnight); no
        # bytecode compiled ahead (36 s → 17 s: the tests import a small part of it).
        [
            *(str(bin_dir / "pip"), "install", "-q", "--no-compile"),
            *("-c", str(ROOT / "constraints.txt"), str(base / "src")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return bin_dir


def tracetui(bin_dir: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACETUI_")}
    clean.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(bin_dir / "tracetui"), *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_lean_install_has_no_load_stack_or_driver(lean: Path) -> None:
    for module in ("locust", "gevent", "fastapi", "uvicorn", "psycopg"):
        probe = subprocess.run(
            [str(lean / "python"), "-c", f"import {module}"], capture_output=True, timeout=60
        )
        assert probe.returncode != 0, f"{module} is installed without an extra"


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["run", "load", "--ci"], "load"),
        (["run", "load.crud[low]", "--ci", "--profile", "smoke"], "load"),
        (["serve"], "load"),
        (
            ["run", "database", "--ci", "--db", "postgresql+psycopg://u:hunter2@127.0.0.1/x"],
            "postgres",
        ),
    ],
)
def test_asking_for_a_missing_extra_is_one_line_naming_it(
    lean: Path, tmp_path: Path, args: list[str], extra: str
) -> None:
    proc = tracetui(lean, tmp_path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"pip install 'tracetui[{extra}]'" in lines[0]
    assert "hunter2" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_core_runs_headless_and_lists_every_suite(lean: Path, tmp_path: Path) -> None:
    listed = tracetui(lean, tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "load.crud[low]" in listed.stdout  # listed; running it asks for the extra
    run = tracetui(
        lean,
        tmp_path,
        "run",
        "database.item_read",
        "--ci",
        "--profile",
        "smoke",
        "--no-noise-check",
        "--db",
        f"sqlite:///{tmp_path / 'trace.db'}",
        "--history",
        str(tmp_path / "history.db"),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "NEW" in run.stdout

"""Import hygiene: the engine stands alone, the headless path never loads the console.

Each check runs in a fresh interpreter so that nothing imported by the test
session itself can hide a stray import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN_IN_HEADLESS = ("textual", "textual_plotext", "plotext", "locust", "gevent")
# The engine is the core: no UI, no load stack, no web framework, no front end.
FORBIDDEN_IN_ENGINE = (
    *FORBIDDEN_IN_HEADLESS,
    "fastapi",
    "uvicorn",
    "tracetui.cli",
    "tracetui.tui",
    "tracetui.suites",
)

CHECK = (
    "import sys\n"
    "{imports}\n"
    "bad = [m for m in {forbidden!r} if m in sys.modules]\n"
    "print('BAD=' + ','.join(bad))\n"
)


def _run(imports: str, forbidden: tuple[str, ...], cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK.format(imports=imports, forbidden=forbidden)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _engine_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        rel = path.relative_to(ROOT / "engine").with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        names.append(".".join(["tracetui", "engine", *parts]))
    return names


def test_every_engine_module_imports_no_ui_load_stack_web_framework_or_front_end() -> None:
    modules = _engine_modules()
    assert "tracetui.engine.measuring.worker" in modules
    imports = "\n".join(f"import {m}" for m in modules)
    assert _run(imports, FORBIDDEN_IN_ENGINE) == "BAD="


@pytest.mark.parametrize(
    "imports",
    [
        "import tracetui.cli.main, tracetui.cli.headless",
        "from tracetui.engine.core.registry import load_suites; load_suites()",
        "from tracetui.cli.main import main; main(['list'])",
    ],
)
def test_headless_imports_no_ui_and_no_gevent(imports: str) -> None:
    assert _run(imports, FORBIDDEN_IN_HEADLESS) == "BAD="


@pytest.mark.parametrize("name", ["engine", "tui", "cli"])
def test_folders_import_only_under_the_tracetui_name(name: str) -> None:
    """From the repository root the folders are on sys.path, yet refuse their bare names."""
    proc = subprocess.run(
        [sys.executable, "-c", f"import {name}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode != 0
    assert f"import tracetui.{name}" in proc.stderr


def test_no_import_cycle_between_packages() -> None:
    """engine imports none of suites/tui/cli; suites and tui never import cli."""
    offenders = []
    for folder, banned in {
        "engine": ("tracetui.suites", "tracetui.tui", "tracetui.cli"),
        "suites": ("tracetui.tui", "tracetui.cli"),
        "tui": ("tracetui.cli",),
    }.items():
        for path in (ROOT / folder).rglob("*.py"):
            for lineno, line in enumerate(path.read_text().splitlines(), 1):
                stripped = line.strip()
                if not stripped.startswith(("import ", "from ")):
                    continue
                if any(f" {b}" in stripped or f" {b}." in stripped for b in banned):
                    offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {stripped}")
    assert offenders == []

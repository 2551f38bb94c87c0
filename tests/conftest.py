"""Shared fixtures: the toy suite registered for the engine's and CLI's tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = "tests.fixtures.toy_suite:SUITE"


@pytest.fixture
def toy_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Environment for a `tracetui` subprocess that sees the toy suite, isolated in tmp_path."""
    monkeypatch.setenv("TRACETUI_SUITES", TOY)
    from tracetui.engine.core import registry

    registry.load_suite.cache_clear()
    env = {
        **os.environ,
        "TRACETUI_SUITES": TOY,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "TRACETUI_DB": f"sqlite:///{tmp_path / 'trace.db'}",
        "TRACETUI_HISTORY": str(tmp_path / "history.db"),
    }
    env.pop("TRACETUI_BASELINES", None)
    return env


@pytest.fixture
def python() -> str:
    return sys.executable

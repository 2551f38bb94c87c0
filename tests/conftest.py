"""Shared fixtures: the toy suite registered for the engine's and CLI's tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = "tests.fixtures.toy_suite:SUITE"

# The suite runs on pytest-xdist's workers (README: pytest -n 2). Many tests start a real
# pytest session of their own; it must not believe it is an xdist worker too, or
# pytest-benchmark disables itself ("--benchmark-disable is automatically activated if
# xdist is on"). xdist itself reads its worker id from the config, not from these.
for _xdist_variable in ("WORKER", "WORKER_COUNT", "TESTRUNUID"):
    os.environ.pop(f"PYTEST_XDIST_{_xdist_variable}", None)

# The interop tests start hundreds of pytest sessions of their own; each paid 2–5 s of CPU
# importing schemathesis' and hypothesis' pytest plugins (the test extra installs
# schemathesis for its command line, tests/suites/test_api_schemathesis.py), which no test
# uses inside pytest. xdist's workers and every child session inherit this.
_UNUSED_PLUGINS = "-p no:schemathesis -p no:hypothesispytest"
if _UNUSED_PLUGINS not in os.environ.get("PYTEST_ADDOPTS", ""):
    os.environ["PYTEST_ADDOPTS"] = f"{os.environ.get('PYTEST_ADDOPTS', '')} {_UNUSED_PLUGINS}"


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

"""Fixtures of the interop tests (helpers live in ``interop_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .interop_helpers import write_tests


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A folder with one small pytest-benchmark test file (and nothing of tracetui's)."""
    project = tmp_path / "project"
    project.mkdir()
    write_tests(project)
    return project

"""Fixtures of the command-line tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder the `nobody` user can work in (tmp_path's parents are root-only)."""
    path = Path(tempfile.mkdtemp(prefix="tracetui-h12-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)

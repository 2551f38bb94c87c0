"""The API against its own OpenAPI schema: schemathesis ``--checks all`` finds nothing.

A small number of examples per operation (CI time); the full run (300 per
operation, both backends) and its result are in the README's "HTTP API".
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_schemathesis_finds_no_failure(tmp_path: Path) -> None:
    pytest.importorskip("schemathesis")
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("the schemathesis command is not installed next to this Python")
    port = _free_port()
    db_url = f"sqlite:///{tmp_path / 'st.db'}"
    code = f"from tracetui.suites.api_server import serve; serve({db_url!r}, port={port})"
    server = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        result = subprocess.run(
            [
                st,
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks",
                "all",
                "-n",
                "8",
                "-w",
                "1",
                "--generation-database",
                "none",
                "--wait-for-schema",
                "60",
                "--seed",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=200,
            cwd=tmp_path,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert result.returncode == 0, result.stdout[-4000:]

"""The headless path must never load Textual (nor Locust's gevent patching)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = (
    "import sys\n"
    "{imports}\n"
    "bad = [m for m in ('textual', 'textual_plotext', 'plotext', 'locust', 'gevent') "
    "if m in sys.modules]\n"
    "print('BAD=' + ','.join(bad))\n"
)


@pytest.mark.parametrize(
    "imports",
    [
        "import engine.cli, engine.runner, engine.session, engine.reports, engine.worker",
        "from engine.registry import load_suites; load_suites()",
        "from engine.cli import main; main(['list'])",
    ],
)
def test_headless_imports_no_ui_and_no_gevent(imports: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CHECK.format(imports=imports)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "BAD="

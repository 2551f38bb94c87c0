"""The load suite never imports Locust/gevent outside the Locust process."""

from __future__ import annotations

import json
import subprocess
import sys

CHECK = """
import json, sys
import tracetui.suites.load.process, tracetui.suites.load
from tracetui.engine.core.model import Suite
assert isinstance(tracetui.suites.load.SUITE, Suite)
print(json.dumps({
    "locust": sorted(m for m in sys.modules if m == "locust" or m.startswith("locust.")),
    "gevent": sorted(m for m in sys.modules if m == "gevent" or m.startswith("gevent.")),
    "benchmarks": tracetui.suites.load.SUITE.ids(),
}))
"""


def test_importing_the_load_suite_and_runner_loads_neither_locust_nor_gevent() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert loaded["locust"] == []
    assert loaded["gevent"] == []
    assert "load.crud[medium]" in loaded["benchmarks"]
    assert "load.queries[high]" in loaded["benchmarks"]

"""`tracetui launch --pytest PATH`: a user's pytest-benchmark tests in the console (Pilot).

pytest collects and runs for real (subprocesses); the console is the one of
tracetui's own suites: picker, dashboard, approval, baselines.
"""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest
from tracetui.engine.interop.pytest_collect import CollectError, collect
from tracetui.engine.recording.history import History
from tracetui.tui.app import ConsoleApp
from tracetui.tui.pytest_catalog import pytest_catalog, pytest_run_factory
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen

from .interop_helpers import write_tests

SMALL = """
import pytest


@pytest.mark.parametrize("n", [10, 100])
def test_sum(benchmark, n):
    benchmark(sum, range(n))


class TestText:
    def test_join(self, benchmark):
        benchmark(",".join, ["a"] * 10)


def test_plain():
    assert True
"""
IDS = ["bench_small.test_sum[10]", "bench_small.test_sum[100]", "bench_small.TestText.test_join"]


async def wait_for(pilot, predicate, timeout: float = 90.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await pilot.pause(0.05)
    await pilot.pause()


def test_collection_names_modules_tests_and_params(tmp_path: Path) -> None:
    write_tests(tmp_path, SMALL, name="bench_small.py")
    collected = collect(["bench_small.py"], ["-p", "no:cacheprovider"], cwd=tmp_path)
    assert list(collected.nodeids) == IDS  # the plain test is not a benchmark
    assert collected.nodeids["bench_small.test_sum[10]"] == "bench_small.py::test_sum[10]"
    catalog = pytest_catalog(collected)
    assert list(catalog.suites) == ["bench_small"]
    assert catalog.all_ids() == IDS


def test_collection_errors_name_pytests_reason(tmp_path: Path) -> None:
    write_tests(tmp_path, "import no_such_module_y\n", name="bench_broken.py")
    with pytest.raises(CollectError, match="No module named 'no_such_module_y'"):
        collect(["bench_broken.py"], cwd=tmp_path)


def test_the_console_runs_a_users_suite_live_and_accepts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_tests(tmp_path, SMALL, name="bench_small.py")
    (tmp_path / "baselines").mkdir()
    collected = collect(["bench_small.py"], ["-p", "no:cacheprovider"], cwd=tmp_path)

    async def scenario() -> None:
        app = ConsoleApp(
            db_url="sqlite://",
            baselines_dir=Path("baselines"),
            history_path=Path("history.db"),
            profile="smoke",
            catalog=pytest_catalog(collected),
            run_factory=pytest_run_factory(collected),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            picker = app.screen
            await pilot.press("a")  # everything
            assert picker.tree.ordered_selection() == IDS
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            dash = app.screen
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert dash.status == "completed"
            assert {dash.panel(b).state for b in IDS} == {"done"}
            await pilot.press("A", "s")  # accept every NEW result, save
            await wait_for(
                pilot, lambda: (tmp_path / "baselines" / "bench_small.pytest.toml").exists()
            )

    asyncio.run(scenario())
    saved = tomllib.loads((tmp_path / "baselines" / "bench_small.pytest.toml").read_text())
    assert sorted(saved["benchmarks"]) == sorted(IDS)
    history = History(tmp_path / "history.db")
    try:
        (run,) = history.runs()
        assert (run.status, run.backend, run.result_count) == ("completed", "pytest", 3)
    finally:
        history.close()


def test_launch_names_a_collection_error_and_exits_2_before_the_console(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_tests(tmp_path, "import no_such_module_z\n", name="bench_broken.py")
    done = subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", "launch", "--pytest", "bench_broken.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "No module named 'no_such_module_z'" in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr

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


PARAMS = """
import pytest


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_sum(benchmark, n):
    assert benchmark(sum, range(n)) == n * (n - 1) // 2


def test_join(benchmark):
    benchmark(",".join, ["a"] * 10)
"""
SUM = ["bench_params.test_sum[10]", "bench_params.test_sum[100]", "bench_params.test_sum[1000]"]


def labels(tree) -> list[str]:
    """The picker's rows as the user reads them (visible lines, indented by depth)."""
    rows = []
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        depth, parent = 0, node.parent
        while parent is not None and parent is not tree.root:
            depth, parent = depth + 1, parent.parent
        rows.append("  " * depth + node.label.plain.rstrip())
    return rows


def test_the_picker_shows_params_under_their_test_and_runs_one_param_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """module → test → params; the test toggles all its params; one param runs alone.

    The console's run is recorded as `tracetui run --pytest` records one.
    """
    monkeypatch.chdir(tmp_path)
    write_tests(tmp_path, PARAMS, name="bench_params.py")
    (tmp_path / "baselines").mkdir()
    collected = collect(["bench_params.py"], ["-p", "no:cacheprovider"], cwd=tmp_path)

    async def scenario() -> None:
        app = ConsoleApp(
            db_url="sqlite://",
            baselines_dir=Path("baselines"),
            history_path=Path("history.db"),
            profile="smoke",
            catalog=pytest_catalog(collected),
            run_factory=pytest_run_factory(collected),
        )
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            picker = app.screen
            tree = picker.tree
            rows = labels(tree)
            assert [row.split("  ")[0] for row in rows[:1]] == ["[ ] bench_params"]
            assert rows[1].startswith("  [ ] test_sum") and rows[1].endswith("0/3 params")
            assert [row.split()[:3] for row in rows[2:5]] == [
                ["[", "]", "[10]"],
                ["[", "]", "[100]"],
                ["[", "]", "[1000]"],
            ]
            assert rows[5].startswith("  [ ] test_join")
            await pilot.press("j", "space")  # the test: all its params
            assert tree.ordered_selection() == SUM
            assert labels(tree)[1].startswith("  [x] test_sum")
            assert "3 parameter sets, 3 selected" in str(picker.query_one("#bench-detail").render())
            await pilot.press("space")  # and none again
            assert tree.ordered_selection() == []
            await pilot.press("j", "j", "space")  # [100] alone
            assert tree.ordered_selection() == ["bench_params.test_sum[100]"]
            assert labels(tree)[1].startswith("  [-] test_sum")
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            verdicts = app.screen.review.verdicts
            assert [v.benchmark_id for v in verdicts] == ["bench_params.test_sum[100]"]

    asyncio.run(scenario())
    history = History(tmp_path / "history.db")
    try:
        (console,) = history.runs()
        assert [r.id for r in history.results(console.run_id)] == ["bench_params.test_sum[100]"]
        assert console.planned == 1  # pytest was given that one node id
    finally:
        history.close()
    import subprocess
    import sys

    headless_run = ["run", "--pytest", "--history", "history.db", "--baselines", "baselines"]
    done = subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", *headless_run, "bench_params.py::test_join"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    history = History(tmp_path / "history.db")
    try:
        headless, console = history.runs()  # newest first
        assert headless.run_id != console.run_id

        def recorded(run):
            return (run.source, run.backend, run.profile, run.db_url, run.status)

        assert (
            recorded(console)
            == recorded(headless)
            == ("pytest", "pytest", "pytest", "", "completed")
        )
    finally:
        history.close()


def test_catalog_ids_are_the_streams_for_tracetuis_own_suites_under_pytest() -> None:
    """`launch --pytest suites/`: each entry's id is the one a run maps back to a node id."""
    from tracetui.engine.interop.pytest_collect import Collected

    ids = ["bulk.create_items[100]", "bulk.create_items[500]", "database.item_read"]
    nodeids = {bid: f"suites/test_benchmarks.py::test_benchmark[{bid}]" for bid in ids}
    catalog = pytest_catalog(Collected(rootdir=Path("."), nodeids=nodeids))
    assert catalog.all_ids() == list(nodeids)
    assert list(catalog.suites) == ["bulk", "database"]
    (create,) = {b.name for b in catalog.suites["bulk"].benchmarks}
    assert create == "create_items"  # one test, two params

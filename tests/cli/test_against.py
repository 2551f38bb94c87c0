"""`tracetui run --against REV` end to end on a tiny git repository holding the toy suite.

Each side imports the toy suite from its own tree: the base from the worktree
tracetui checks out, the head from the (possibly edited) working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.toy_repo import commit, git, toy_repository

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose one commit holds tests/fixtures/toy_suite.py."""
    root = tmp_path / "project"
    toy_repository(root)
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TOY_", "TRACETUI_"))}
    environment.pop("PYTHONPATH", None)  # the toy suite must come from each side's tree
    environment.update(
        TRACETUI_SUITES="tests.fixtures.toy_suite:SUITE",
        TRACETUI_DB=f"sqlite:///{tmp_path / 'trace.db'}",
        TRACETUI_HISTORY=str(tmp_path / "history.db"),
    )
    return environment


def run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, "run", *args, "--ci", "--profile", "smoke"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
    )


def slow_down(repo: Path, factor: int) -> None:
    """Edit the working tree (the head side only): toy.spin busy-waits ``factor`` × longer."""
    path = repo / "tests" / "fixtures" / "toy_suite.py"
    source = path.read_text()
    assert "_spin(0.0002 * factor)" in source
    path.write_text(source.replace("_spin(0.0002 * factor)", f"_spin(0.0002 * factor * {factor})"))


def test_unchanged_tree_passes_and_names_both_commits(repo: Path, env: dict[str, str]) -> None:
    proc = run(repo, env, "toy.spin", "toy.batch", "--against", "HEAD")
    assert proc.returncode == 0, proc.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert f"vs base HEAD = {head[:10]}" in proc.stdout
    assert "CRITICAL" not in proc.stdout and "WARNING" not in proc.stdout
    assert (repo / ".tracetui" / "worktrees" / head / "tests" / "fixtures").is_dir()
    # the worktree is cached by commit: a second run reuses it
    again = run(repo, env, "toy.spin", "--against", "HEAD")
    assert again.returncode == 0, again.stderr


def test_big_slowdown_in_the_working_tree_fails(repo: Path, env: dict[str, str]) -> None:
    slow_down(repo, 3)
    proc = run(repo, env, "toy.spin", "--against", "HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("toy.spin"))
    assert "CRITICAL" in line
    assert "uncommitted changes" in proc.stdout


def test_the_base_side_runs_the_base_code(repo: Path, env: dict[str, str]) -> None:
    """Commit the slowdown, then judge the fast working tree against it: IMPROVED."""
    slow_down(repo, 3)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "slower")
    git(repo, "checkout", "-q", "HEAD~1", "--", "tests/fixtures/toy_suite.py")
    proc = run(repo, env, "toy.spin", "--against", "HEAD")
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("toy.spin"))
    assert "IMPROVED" in line


@pytest.mark.parametrize(
    ("rev", "message"),
    [("no-such-rev", "no such revision"), ("HEAD~5", "no such revision")],
)
def test_bad_revision_is_one_line_exit_2(
    repo: Path, env: dict[str, str], rev: str, message: str
) -> None:
    proc = run(repo, env, "toy.spin", "--against", rev)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_base_without_the_selection_is_exit_2(repo: Path, env: dict[str, str]) -> None:
    path = repo / "tests" / "fixtures" / "toy_suite.py"
    path.write_text(
        path.read_text()
        + "\n\n@SUITE.benchmark(kind=Kind.MICRO)\ndef fresh(ctx: Context):\n"
        + "    yield Timed(lambda: None)\n"
    )
    proc = run(repo, env, "toy.fresh", "--against", "HEAD")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "base has no benchmark toy.fresh" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_outside_a_git_repository_is_exit_2(
    tmp_path: Path, repo: Path, env: dict[str, str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "tests").symlink_to(repo / "tests")
    proc = run(
        plain, {**env, "GIT_CEILING_DIRECTORIES": str(tmp_path)}, "toy.spin", "--against", "HEAD"
    )
    assert proc.returncode == 2
    assert "needs a git repository" in proc.stderr


def test_a_base_before_the_tracetui_layout_is_too_old(repo: Path, env: dict[str, str]) -> None:
    """A tracetui tree (engine/ and suites/) whose base predates `tracetui.*` names."""
    (repo / "engine").mkdir()
    (repo / "suites").mkdir()
    (repo / "engine" / "README").write_text("old layout\n")
    (repo / "suites" / "README").write_text("old layout\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "tracetui"\n')
    commit(repo, "old layout")
    proc = run(repo, env, "toy.spin", "--against", "HEAD")
    assert proc.returncode == 2
    assert "base too old" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


PEDANTIC_TEST = """
import time

FACTOR = 1.0


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_one_round(benchmark):
    benchmark.pedantic(spin, args=(0.02 * FACTOR,), rounds=1, iterations=1)
"""


@pytest.fixture
def pytest_repo(tmp_path: Path) -> Path:
    root = tmp_path / "users_project"
    root.mkdir()
    (root / "test_bench.py").write_text(PEDANTIC_TEST)
    git(root, "init", "-q")
    commit(root, "benchmarks")
    return root


def run_pytest(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, "run", "--pytest", "test_bench.py", "--ci", "--profile", "smoke", *args],
        cwd=repo,
        env={k: v for k, v in env.items() if k != "TRACETUI_SUITES"},
        capture_output=True,
        text=True,
        timeout=200,
    )


def test_pytest_one_round_pedantic_against_a_revision(
    pytest_repo: Path, env: dict[str, str]
) -> None:
    same = run_pytest(pytest_repo, env, "--against", "HEAD")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "3 pairs of pytest runs" in same.stdout
    path = pytest_repo / "test_bench.py"
    path.write_text(PEDANTIC_TEST.replace("FACTOR = 1.0", "FACTOR = 3.0"))
    slower = run_pytest(pytest_repo, env, "--against", "HEAD")
    assert slower.returncode == 1, slower.stdout + slower.stderr
    line = next(x for x in slower.stdout.splitlines() if "test_one_round" in x)
    assert "CRITICAL" in line


def test_pytest_against_a_base_without_the_path_is_exit_2(
    pytest_repo: Path, env: dict[str, str]
) -> None:
    (pytest_repo / "test_new.py").write_text(PEDANTIC_TEST)
    proc = subprocess.run(
        [*TRACETUI, "run", "--pytest", "test_new.py", "--ci", "--against", "HEAD"],
        cwd=pytest_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "base has no test_new.py" in proc.stderr


def test_base_without_the_suite_module_is_exit_2(repo: Path, env: dict[str, str]) -> None:
    git(repo, "rm", "-q", "--cached", "tests/fixtures/toy_suite.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "no suite yet")
    proc = run(repo, env, "toy.spin", "--against", "HEAD")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "toy" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--against", "no-such-rev"], "no such revision"),
        (["--against", "no-such-rev", "--pytest", "tests"], "no such revision"),
    ],
)
def test_launch_against_a_bad_revision_is_one_line_exit_2(
    repo: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    """Checked before the console opens, as `run --against` checks it."""
    proc = subprocess.run(
        [*TRACETUI, "launch", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr

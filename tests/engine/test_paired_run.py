"""PairedRun, the one paired A/B run of the CLI and the console: its event stream, and
cancellation that keeps the complete pairs and leaves no worker behind.

On a real git repository holding the toy suite (base = head = HEAD).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tracetui.engine.core.events import (
    BenchmarkFinished,
    BenchmarkStarted,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.baselines import Policy
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.measuring.against import PairedRun, checkout, describe_environment

ROOT = Path(__file__).resolve().parents[2]
IDS = ("toy.spin", "toy.batch[10]")

pytestmark = pytest.mark.timeout(240)


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "fixtures" / "__init__.py").write_text("")
    toy = (ROOT / "tests" / "fixtures" / "toy_suite.py").read_text()
    (root / "tests" / "fixtures" / "toy_suite.py").write_text(toy)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "toy")
    monkeypatch.chdir(root)
    monkeypatch.setenv("TRACETUI_SUITES", "tests.fixtures.toy_suite:SUITE")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    return root


def plan(root: Path) -> Plan:
    return Plan(benchmark_ids=IDS, profile="smoke", db_url=f"sqlite:///{root / 'trace.db'}")


def children() -> set[int]:
    """Processes whose parent is this one (side workers would be)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                out.add(int(entry.name))
    return out


def test_events_follow_the_pairs_and_verdicts_judge_the_ratio(repo: Path) -> None:
    base = checkout("HEAD", repo)
    run = PairedRun(base, plan(repo))
    events = list(run)
    assert isinstance(events[0], RunStarted)
    assert events[0].environment["against"] == {"rev": "HEAD", "commit": base.commit, "pairs": 3}
    assert describe_environment(events[0].environment).endswith(f"base HEAD = {base.commit[:10]}")
    started = [e.benchmark_id for e in events if isinstance(e, BenchmarkStarted)]
    assert started == list(IDS)  # once each, on the first pair
    rounds = [e.round for e in events if isinstance(e, Progress) and e.benchmark_id == IDS[0]]
    # one Progress per pair: K = 3, and up to 2K when the interval holds a level's edge
    assert rounds == list(range(1, len(rounds) + 1)) and 3 <= len(rounds) <= 6
    finished = [e for e in events if isinstance(e, BenchmarkFinished)]
    # each once; one that settles after K pairs ends before one still given extra pairs
    assert sorted(e.result.id for e in finished) == sorted(IDS)
    assert finished[0].result.evidence["method"] == "paired"
    assert events[-1] == RunFinished(
        run_id=run.plan.run_id, status="completed", duration=events[-1].duration
    )
    verdicts = run.verdicts(Policy())
    assert [v.benchmark_id for v in verdicts] == list(IDS)
    assert all(v.level not in (Level.FAILED, Level.NEW) for v in verdicts)


def test_cancel_keeps_complete_pairs_and_leaves_no_worker(repo: Path) -> None:
    before = children()
    run = PairedRun(checkout("HEAD", repo), plan(repo))
    events = []
    for event in run:
        events.append(event)
        if isinstance(event, Progress):
            run.cancel()  # after the first benchmark's first pair
    assert events[-1].status == "cancelled"
    finished = [e.result.id for e in events if isinstance(e, BenchmarkFinished)]
    assert finished == ["toy.spin"]  # its one complete pair is kept; batch had none
    assert [v.benchmark_id for v in run.verdicts(Policy())] == ["toy.spin"]
    assert children() <= before  # both side workers of the pair are gone
    assert not list(repo.glob("trace-*.db*"))

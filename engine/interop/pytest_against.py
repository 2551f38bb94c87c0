"""A user's pytest-benchmark tests measured beside a git revision: the paired run of
``tracetui run --pytest --against REV`` and of the console's ``b`` on ``launch --pytest``.

pytest-benchmark runs a test's rounds inside one pytest process, so the
pairing is by whole runs: K pairs of runs (smoke 3, standard 4, thorough 6),
base and head next to each other in time, the first side flipping from pair to
pair (H B, B H, …). Each run is pytest in that side's tree (``python -m
pytest`` puts the tree first on ``sys.path``). A pair's statistic is head
median / base median; the verdict is the paired ratio over the pairs
(:mod:`tracetui.engine.judging.paired`), as for suites. A test whose interval
after K pairs still holds a level's edge (WARNING or CRITICAL) gets more
pairs, up to 2K, of pytest runs on its node ids alone (each side's own, from
its first run).

:class:`PairedPytestRun` is iterated like
:class:`~tracetui.engine.measuring.against.PairedRun`: ``RunStarted`` after the
head's first run (its environment, plus ``against``), a ``BenchmarkStarted``
per test, a ``Progress`` per test and pair (``round`` is the pair, ``extra``
holds the pair's ratio), then ``BenchmarkFinished`` per test and
``RunFinished``; ``cancel()`` interrupts the pytest run under way, and the
tests with a complete pair are kept. :meth:`PairedPytestRun.verdicts` judges.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from tracetui.engine.core.events import (
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import new_run_id
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import Policy
from tracetui.engine.judging.paired import pair_statistic, paired_verdict, straddles
from tracetui.engine.judging.verdicts import Verdict
from tracetui.engine.measuring.against import LIVE_LATENCIES, Checkout

Results = dict[str, BenchmarkResult]
#: Receives a side's pytest process while it runs (to interrupt it).
OnProcess = Callable[[subprocess.Popen[bytes]], None]


def node_ids(environment: Mapping[str, Any], ids: Sequence[str]) -> list[str]:
    """The pytest node ids of ``ids`` in the run whose environment this is, as absolute
    paths under its rootdir (``pytest_rootdir``, else the working directory); ids it did
    not collect are left out."""
    rootdir = Path(str(environment.get("pytest_rootdir") or Path.cwd()))
    nodeids: Mapping[str, str] = environment.get("pytest_nodeids") or {}
    nodes = []
    for bid in ids:
        if bid in nodeids:
            path, sep, rest = str(nodeids[bid]).partition("::")
            nodes.append(str(rootdir / path) + sep + rest)
    return nodes


def one_run(
    targets: Sequence[str],
    cwd: Path,
    extra: Sequence[str],
    on_process: OnProcess,
    log: Path | None = None,
) -> tuple[Results, RunStarted | None, str]:
    """One pytest run of ``targets`` in ``cwd``: its results, its ``RunStarted`` and its
    status (``completed``, or why it measured nothing)."""
    from tracetui.engine.interop.pytest_bridge import run_pytest

    results: Results = {}
    started: list[RunStarted] = []
    status = ["crashed"]

    def collect(event: Event) -> None:
        if isinstance(event, BenchmarkFinished):
            results[event.result.id] = event.result
        elif isinstance(event, RunStarted):
            started.append(event)
        elif isinstance(event, RunFinished):
            status[0] = event.status if results or event.status != "crashed" else event.error

    run_pytest(
        list(targets), collect, new_run_id(), list(extra), cwd=cwd, log=log, on_process=on_process
    )
    return results, (started[0] if started else None), status[0]


class SideMeasuredNothing(Exception):
    """A side's pytest run measured no test (the message says which side and why)."""


class PairedPytestRun:
    """``targets`` (paths or node ids, relative to ``folder`` of each side's tree) run by
    pytest on the head (the working tree) and the base of ``base``, in pairs."""

    def __init__(
        self,
        base: Checkout,
        targets: Sequence[str],
        extra: Sequence[str] = (),
        *,
        pairs: int,
        run_id: str | None = None,
        folder: Path = Path("."),
        policy: Policy | None = None,
        say: Callable[[str], None] = lambda _line: None,
        log: Path | None = None,
    ) -> None:
        self.checkout = base
        self.targets = list(targets)
        self.extra = list(extra)
        self.pairs = max(1, pairs)
        self.run_id = run_id or new_run_id()
        #: Its thresholds decide which tests are undecided after K pairs.
        self.policy = policy or Policy()
        self.say = say
        self.log = log
        self.cwd = {"base": base.tree / folder, "head": base.top / folder}
        self.runs: dict[str, list[Results]] = {"base": [], "head": []}
        self.ids: tuple[str, ...] = ()
        self.pairs_run = 0
        self.doubtful = 0  # tests given extra pairs
        self.status = "running"
        self.failure = ""
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    # -- stopping -------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop after the pytest run under way, which is interrupted (SIGINT)."""
        from tracetui.engine.interop.pytest_bridge import stop

        self._stop.set()
        with self._lock:
            process = self._process
        if process is not None:
            threading.Thread(target=stop, args=(process,), daemon=True).start()

    def _started(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._process = process
        if self._stop.is_set():
            from tracetui.engine.interop.pytest_bridge import stop

            stop(process)

    # -- the run --------------------------------------------------------------------------

    def _base_targets(self) -> list[str]:
        """The targets the base has (a file the base lacks would stop its pytest run)."""
        cwd = self.cwd["base"]
        return [t for t in self.targets if (cwd / t.partition("::")[0]).exists()]

    def _side_run(self, name: str, targets: Sequence[str]) -> tuple[Results, RunStarted | None]:
        results, started, status = one_run(
            targets, self.cwd[name], self.extra, self._started, self.log
        )
        with self._lock:
            self._process = None
        if self._stop.is_set():
            raise _Stopped
        if not results:
            raise SideMeasuredNothing(f"the {name} pytest run measured nothing: {status}")
        self.runs[name].append(results)
        return results, started

    def __iter__(self) -> Iterator[Event]:
        k = self.pairs
        first: dict[str, RunStarted] = {}
        targets = {"base": self._base_targets(), "head": self.targets}
        if not targets["base"]:
            raise SideMeasuredNothing(
                f"base {self.checkout.commit[:10]} has none of {', '.join(self.targets)}"
            )
        clock = time.monotonic()
        begun = False
        try:
            while self.pairs_run < 2 * k:
                pair = self.pairs_run
                if pair >= k:  # the extra pairs: only the tests still undecided
                    policy = self.policy
                    undecided = [
                        bid
                        for bid in self.ids
                        if straddles(self._verdict(bid, policy), policy.thresholds_for(bid))
                    ]
                    targets = {
                        name: node_ids(first[name].environment, undecided) if name in first else []
                        for name in ("base", "head")
                    }
                    if not undecided or not all(targets.values()):
                        break
                    self.doubtful = len(undecided)
                for name in ("head", "base") if pair % 2 == 0 else ("base", "head"):
                    results, started = self._side_run(name, targets[name])
                    if started is not None:
                        first.setdefault(name, started)
                    if not begun and name == "head":
                        begun = True
                        yield from self._begin(results, started)
                    of = f"{pair + 1}/{k}" if pair < k else f"{pair + 1}/{2 * k}, extra"
                    self.say(f"[pair {of}] {name}: {len(results)} benchmarks")
                self.pairs_run += 1
                yield from self._progress(pair, time.monotonic() - clock)
            self.status = "completed"
        except (_Stopped, KeyboardInterrupt):
            self.status = "cancelled"
        except SideMeasuredNothing as exc:
            if not begun:
                raise
            self.status, self.failure = "crashed", str(exc)
        if not begun:
            return
        for bid in self.ids:  # each was measured by the head's first run
            yield BenchmarkFinished(result=self._head_runs(bid)[-1])
        yield RunFinished(
            run_id=self.run_id,
            status=self.status,
            error=self.failure,
            duration=time.monotonic() - clock,
        )

    def _begin(self, results: Results, started: RunStarted | None) -> Iterator[Event]:
        self.ids = tuple(results)
        yield RunStarted(
            run_id=self.run_id,
            benchmark_ids=self.ids,
            profile="pytest",
            backend=started.backend if started else "pytest",
            db_url="",
            environment={
                **(started.environment if started else {}),
                "against": self.checkout.recorded(self.pairs),
            },
        )
        for index, bid in enumerate(self.ids):
            yield BenchmarkStarted(bid, index, len(self.ids), "", self.pairs)

    def _progress(self, pair: int, elapsed: float) -> Iterator[Progress]:
        head_run, base_run = self.runs["head"][-1], self.runs["base"][-1]
        for bid in self.ids:
            if bid not in head_run or bid not in base_run:
                continue
            head, base = head_run[bid].samples, base_run[bid].samples
            median = statistics.median(head)
            yield Progress(
                benchmark_id=bid,
                round=pair + 1,
                rounds_planned=self.pairs,
                ops_per_s=1 / median if median > 0 else 0.0,
                latencies=tuple(head[-LIVE_LATENCIES:]),
                elapsed=elapsed,
                extra={"ratio": pair_statistic(head, base)},
            )

    # -- judging --------------------------------------------------------------------------

    def _head_runs(self, bid: str) -> list[BenchmarkResult]:
        return [r[bid] for r in self.runs["head"] if bid in r]

    def _verdict(self, bid: str, policy: Policy) -> Verdict:
        pairs = [
            (h[bid], b[bid])
            for h, b in zip(self.runs["head"], self.runs["base"], strict=False)
            if bid in h and bid in b
        ]
        head_runs = self._head_runs(bid)
        # A base that missed the test in any of the first K pairs judges it as new.
        paired = len(pairs) >= min(self.pairs, self.pairs_run)
        return paired_verdict(
            bid,
            [[h.median] for h, _ in pairs] if paired else [],
            [[b.median] for _, b in pairs] if paired else [],
            head_runs[-1] if head_runs else None,
            pairs[-1][1] if paired and pairs else None,
            policy.thresholds_for(bid),
            base_error="" if paired else "not measured by every base run",
        )

    def verdicts(self, policy: Policy) -> list[Verdict]:
        """A verdict on the paired ratios per test of the head's first run, in its order."""
        return [self._verdict(bid, policy) for bid in self.ids]

    def summary(self) -> str:
        """The line the CLI prints above its report."""
        k = self.pairs
        more = (
            f", {self.pairs_run - k} more for {self.doubtful} undecided"
            if self.pairs_run > k
            else ""
        )
        return f"{k} pairs of pytest runs{more}"


class _Stopped(Exception):
    """cancel() was called: the run ends after the pytest run it interrupted."""

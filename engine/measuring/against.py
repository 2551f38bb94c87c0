"""A paired A/B run against a git revision, for every front end: the base checked out,
both sides measured, events streamed, verdicts on the paired ratios.

This module owns the git side and the run. :func:`checkout` resolves REV to a
commit and checks it out into a worktree of tracetui's own
(``.tracetui/worktrees/<commit>`` under the repository's top level, kept and
reused for the same commit), refusing a base too old to speak today's worker
protocol; every failure is one line (:class:`AgainstError`). :class:`PairedRun`
is then the run, as an iterable of :mod:`tracetui.engine.core.events` with a
``cancel()`` (what the console's event pump and the CLI's recorder both read):
:mod:`tracetui.engine.measuring.paired` measures base and head (the working
tree, dirty or not) in K process pairs with alternating rounds, and
:meth:`PairedRun.verdicts` judges each benchmark on its paired ratios
(:mod:`tracetui.engine.judging.paired`). ``tracetui run --against`` and the
console's "compare with a revision" are this one class.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from tracetui.engine.core.database import backend_name, parse_url
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import Policy
from tracetui.engine.judging.paired import pair_statistic, paired_verdict, straddles
from tracetui.engine.judging.verdicts import Verdict
from tracetui.engine.measuring.paired import (
    Cancelled,
    MissingBenchmarks,
    PairedBenchmark,
    Side,
    SideError,
    iter_paired,
    pairs_for,
    progress_line,
)

WORKTREES = Path(".tracetui") / "worktrees"
#: What a tracetui tree that speaks today's protocol declares (issue 9's layout).
PROTOCOL_MARK = '"tracetui.suites" = "suites"'
LIVE_LATENCIES = 64  # per-call samples of a pair shown live


class AgainstError(Exception):
    """The base cannot be had; one line for the user (the CLI's exit code 2)."""


@dataclass(frozen=True)
class Checkout:
    top: Path  # the repository's working tree: the head side
    rev: str
    commit: str  # full id of the base
    tree: Path  # the base's worktree
    head_commit: str | None
    head_dirty: bool

    def recorded(self, pairs: int) -> dict[str, Any]:
        """What a paired run's ``RunStarted.environment["against"]`` says of this base."""
        return {"rev": self.rev, "commit": self.commit, "pairs": pairs}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise AgainstError("--against needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise AgainstError(f"git {args[0]} took too long") from None


def _is_tracetui_tree(tree: Path) -> bool:
    return (tree / "engine").is_dir() and (tree / "suites").is_dir()


def checkout(rev: str, cwd: Path | None = None) -> Checkout:
    """The base worktree for ``rev``, created on first use (raises AgainstError)."""
    cwd = cwd or Path.cwd()
    rev = rev.strip()
    if not rev or rev.startswith("-"):
        raise AgainstError(f"--against {rev!r}: not a revision")
    top_out = _git(cwd, "rev-parse", "--show-toplevel")
    if top_out.returncode != 0:
        raise AgainstError(f"--against needs a git repository, and {cwd} is not in one")
    top = Path(top_out.stdout.strip())
    found = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", found.stdout.strip()):
        raise AgainstError(f"--against {rev}: no such revision in {top}")
    commit = found.stdout.strip()
    if _is_tracetui_tree(top):
        pyproject = _git(top, "show", f"{commit}:pyproject.toml")
        if pyproject.returncode != 0 or PROTOCOL_MARK not in pyproject.stdout:
            raise AgainstError(
                f"--against {rev}: base too old ({commit[:10]} predates the tracetui.* layout "
                "its worker protocol needs)"
            )
    head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD")
    status = _git(top, "status", "--porcelain", "--untracked-files=no")
    tree = top / WORKTREES / commit
    if not _valid_worktree(tree, commit):
        if tree.exists():
            shutil.rmtree(tree, ignore_errors=True)
            _git(top, "worktree", "prune")
        tree.parent.mkdir(parents=True, exist_ok=True)
        added = _git(top, "worktree", "add", "--detach", "--force", str(tree), commit)
        if added.returncode != 0 and not _valid_worktree(tree, commit):
            reason = (added.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
            raise AgainstError(f"--against {rev}: cannot check out {commit[:10]}: {reason}")
    return Checkout(
        top=top,
        rev=rev,
        commit=commit,
        tree=tree,
        head_commit=head.stdout.strip() or None if head.returncode == 0 else None,
        head_dirty=bool(status.stdout.strip()),
    )


def _valid_worktree(tree: Path, commit: str) -> bool:
    if not tree.is_dir():
        return False
    out = _git(tree, "rev-parse", "HEAD")
    return out.returncode == 0 and out.stdout.strip() == commit


def side_url(db_url: str, side: str, run_id: str) -> str:
    """Each side a database of its own (schemas may differ between revisions), emptied
    for every process pair and removed after the run: a SQLite file next to the run's,
    or on PostgreSQL a database named after the run, ``tracetui_<run>_<side>``, on the
    run's server. Another URL (``:memory:``, another backend) is shared as given."""
    prefix = "sqlite:///"
    if db_url and backend_name(db_url) == "postgresql":
        name = f"tracetui_{run_id}_{side}".lower().replace("-", "_")
        return parse_url(db_url).set(database=name).render_as_string(hide_password=False)
    if not db_url.startswith(prefix) or db_url.endswith(":memory:") or db_url == prefix:
        return db_url
    path = db_url[len(prefix) :]
    stem, dot, ext = path.rpartition(".")
    return prefix + (f"{stem}-{side}.{ext}" if dot else f"{path}-{side}")


def describe(c: Checkout) -> str:
    head = (c.head_commit or "no commit")[:10] + (" + uncommitted changes" if c.head_dirty else "")
    return f"head {head} (working tree) vs base {c.rev} = {c.commit[:10]}"


def describe_environment(environment: Mapping[str, Any]) -> str:
    """:func:`describe` for a recorded paired run ("" for a run that was not paired)."""
    against = environment.get("against")
    if not isinstance(against, Mapping) or not against.get("commit"):
        return ""
    head = str(environment.get("commit") or "no commit")[:10]
    dirty = " + uncommitted changes" if environment.get("dirty") else ""
    base = f"{against.get('rev', '?')} = {str(against['commit'])[:10]}"
    return f"head {head}{dirty} (working tree) vs base {base}"


def refused(ids: Sequence[str]) -> str:
    """Why a selection cannot be measured against a revision ("" if it can)."""
    if any(b.split(".", 1)[0] == "load" for b in ids):
        return "--against does not measure load benchmarks: select suites without load"
    return ""


def head_result(item: PairedBenchmark, commit: str) -> BenchmarkResult | None:
    """The head's result of every pair, its rounds pooled (None: never measured)."""
    if item.head is None or not item.head_rounds:
        return None
    samples = tuple(s for rounds in item.head_rounds for s in rounds)
    evidence = {**item.head.evidence, "method": "paired", "against": commit}
    return replace(item.head, samples=samples, evidence=evidence)


class PairedRun:
    """``plan`` measured beside the base of ``base`` (a :class:`Checkout`); iterate it for
    events. Each benchmark starts on its first pair, reports a ``Progress`` per pair
    (``round`` is the pair) and finishes after the last; a cancelled run (``cancel()``,
    Ctrl-C) keeps the benchmarks with a complete pair. :class:`MissingBenchmarks` and a
    side that cannot start are raised before ``RunStarted``; a side dying later ends the
    run ``crashed`` (``failure`` says why)."""

    def __init__(
        self,
        base: Checkout,
        plan: Plan,
        *,
        say: Callable[[str], None] = lambda _line: None,
        stderr: Path | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.checkout = base
        #: Its thresholds decide which benchmarks are undecided after K pairs.
        self.policy = policy or Policy()
        self.plan = plan
        self.profile = get_profile(plan.profile)
        self.pairs = pairs_for(self.profile)
        self.say = say
        self.stderr_path = stderr
        self.measured: dict[str, PairedBenchmark] = {}
        self.ended: set[str] = set()  # benchmarks whose Finished/Failed was sent
        self.failure = ""
        self.status = "running"
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def sides(self) -> tuple[Side, Side]:
        db_url, run_id = self.plan.db_url, self.plan.run_id
        base_url, head_url = (side_url(db_url, side, run_id) for side in ("base", "head"))
        own = base_url != db_url  # a database of our own per side: fresh for every pair
        return (
            Side("base", self.checkout.tree, base_url, own_database=own, server_url=db_url),
            Side("head", self.checkout.top, head_url, own_database=own, server_url=db_url),
        )

    def __iter__(self) -> Iterator[Event]:
        log: IO[bytes] | None = None
        if self.stderr_path is not None:
            self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.stderr_path, "ab")  # noqa: SIM115 - closed below
        try:
            yield from self._events(log)
        finally:
            if log is not None:
                log.close()

    def _events(self, log: IO[bytes] | None) -> Iterator[Event]:
        base, head = self.sides()
        plan, ids = self.plan, list(self.plan.benchmark_ids)
        started_at, clock = time.time(), time.monotonic()
        begun = False
        steps = iter_paired(
            ids,
            base=base,
            head=head,
            profile=self.profile,
            options=dict(plan.options),
            seed=plan.seed,
            pairs=self.pairs,
            stderr=log,
            stop=self._stop.is_set,
            undecided=self._undecided,
        )
        try:
            for step in steps:
                for bid in step.settled:
                    item = self.measured.get(bid)
                    if item is not None and bid not in self.ended and item.head_rounds:
                        yield self._end(item)
                if step.item is None and step.environment is None:
                    continue
                if step.environment is not None:
                    env = step.environment
                    begun = True
                    yield RunStarted(
                        run_id=plan.run_id,
                        benchmark_ids=plan.benchmark_ids,
                        profile=plan.profile,
                        backend=str(env.get("backend", "")),
                        db_url=str(env.get("db_url", "")),
                        environment={**env, "against": self.checkout.recorded(self.pairs)},
                        started_at=started_at,
                    )
                    continue
                item = step.item
                assert item is not None
                bid = item.benchmark_id
                self.measured[bid] = item
                if not step.done:
                    if step.pair == 0:
                        yield BenchmarkStarted(bid, step.index, step.total, "", self.pairs)
                    continue
                self.say(progress_line(step))
                if item.head_error or item.base_error:
                    yield self._end(item)
                    continue
                yield self._progress(step.pair, step.pairs, item, time.monotonic() - clock)
            self.status = "completed"
        except (Cancelled, KeyboardInterrupt):
            self.status = "cancelled"
        except MissingBenchmarks:
            raise
        except SideError as exc:
            if not begun:
                raise
            self.status, self.failure = "crashed", str(exc)
        if not begun:  # cancelled before both sides were up: nothing was measured
            return
        for item in self.measured.values():  # a cancelled run keeps its complete pairs
            if item.benchmark_id not in self.ended and item.head_rounds:
                yield self._end(item)
        yield RunFinished(
            run_id=plan.run_id,
            status=self.status,
            error=self.failure,
            duration=time.monotonic() - clock,
        )

    def _progress(self, pair: int, planned: int, item: PairedBenchmark, elapsed: float) -> Progress:
        head, base = item.head_rounds[-1], item.base_rounds[-1]
        median = statistics.median(head)
        return Progress(
            benchmark_id=item.benchmark_id,
            round=pair + 1,
            rounds_planned=planned,
            ops_per_s=1 / median if median > 0 else 0.0,
            latencies=tuple(head[-LIVE_LATENCIES:]),
            elapsed=elapsed,
            extra={"ratio": pair_statistic(head, base)},
        )

    def _end(self, item: PairedBenchmark) -> Event:
        self.ended.add(item.benchmark_id)
        result = head_result(item, self.checkout.commit)
        if item.head_error or result is None:
            error = item.head_error or item.base_error or "head not measured"
            return BenchmarkFailed(benchmark_id=item.benchmark_id, error=error)
        return BenchmarkFinished(result=result)

    def _undecided(self, sofar: dict[str, PairedBenchmark]) -> list[str]:
        """Benchmarks whose interval so far holds a level's edge (more pairs may settle it)."""
        policy = self.policy
        return [
            bid
            for bid, item in sofar.items()
            if straddles(_verdict(item, policy), policy.thresholds_for(bid))
        ]

    def verdicts(self, policy: Policy) -> list[Verdict]:
        """A verdict on the paired ratios per benchmark that ended, in plan order."""
        out = []
        for bid in self.plan.benchmark_ids:
            item = self.measured.get(bid)
            if item is None or bid not in self.ended:
                continue
            out.append(_verdict(item, policy))
        return out


def _verdict(item: PairedBenchmark, policy: Policy) -> Verdict:
    return paired_verdict(
        item.benchmark_id,
        item.head_rounds,
        item.base_rounds,
        item.head,
        item.base,
        policy.thresholds_for(item.benchmark_id),
        head_error=item.head_error,
        base_error=item.base_error,
    )

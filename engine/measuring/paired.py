"""The paired A/B driver: base and head side by side, rounds alternating.

For each of K fresh process pairs, one base and one head worker
(:mod:`tracetui.engine.measuring.side`) start; every benchmark of the
plan is opened (set up, probed, calibrated, warmed up) on both, and then
their timed rounds alternate, A B B A …, the first side flipping from one
pair to the next. Only one side times at any moment; the other waits on
its pipe. A pair stops a benchmark after ``min_rounds`` once the median of
its round ratios is precise enough, or when its time share
(``max_time / K`` for both sides together) is spent, or at
``max_rounds``. Machine drift (a VM's slow phase, a neighbour burning a
core) lands on both sides of a round pair alike, and the K pairs sample
the variation between processes, which rounds of one process cannot.
Each side can have a database of its own (:class:`Side`), emptied before
every pair and removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tracetui.engine.core.profiles import Profile
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.paired import round_ratios
from tracetui.engine.judging.stats import median_ci

#: Process pairs per profile. Two pairs give a t-interval with one degree of freedom
#: (t = 12.7): two pairs that both say "×3 slower" but disagree on ×3 or ×5.7 prove
#: nothing. Three (t = 4.3) are the fewest that can judge on a busy machine.
PAIRS = {"smoke": 3, "standard": 4, "thorough": 6}
CLOSE_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class Side:
    """Where one side's code under test lives and which database it uses."""

    name: str  # "base" or "head"
    tree: Path
    db_url: str
    #: The database is this side's own (a SQLite file, or a PostgreSQL database created
    #: on the server of ``server_url``, the run's own URL): every pair starts from an
    #: empty one, so both sides begin alike (a database's history of inserts and
    #: deletes changes its speed), one side's tables and rows never meet the other's
    #: (schemas may differ between revisions), and it is removed at the end.
    own_database: bool = False
    server_url: str = ""


class SideError(RuntimeError):
    """A side's worker could not start its suites or died; the message names the side."""


class MissingBenchmarks(SideError):
    """The base revision does not define some selected benchmarks."""


class SideDatabaseError(SideError):
    """A side's own database could not be created (a configuration problem)."""


class Cancelled(Exception):
    """``stop()`` said so; the workers are closed and what finished is kept."""


@dataclass(frozen=True)
class PairStep:
    """What :func:`iter_paired` reports: the head's environment once both sides are up
    (``environment``), or one benchmark about to be measured on pair ``pair``
    (``done`` False) or just measured there (``done`` True)."""

    pair: int
    pairs: int
    index: int = -1
    total: int = 0
    item: PairedBenchmark | None = None
    done: bool = False
    environment: dict[str, Any] | None = None
    #: After pair K and each extra pair: the benchmarks measured for the last time.
    settled: tuple[str, ...] = ()


@dataclass
class PairedBenchmark:
    """What K process pairs measured for one benchmark."""

    benchmark_id: str
    head_rounds: list[list[float]] = field(default_factory=list)
    base_rounds: list[list[float]] = field(default_factory=list)
    head: BenchmarkResult | None = None  # the last pair's result (counters, evidence)
    base: BenchmarkResult | None = None
    head_error: str = ""
    base_error: str = ""


class SideWorker:
    """One side's worker process and its line protocol."""

    def __init__(self, side: Side, plan: dict[str, Any], stderr: IO[bytes] | None) -> None:
        self.side = side
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracetui.engine.measuring.side", str(side.tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # Ctrl-C reaches the parent, which closes us cleanly
            text=True,
            encoding="utf-8",
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.send({**plan, "db_url": side.db_url})

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise SideError(f"{self.side.name} worker is gone") from exc

    def recv(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise SideError(f"{self.side.name} worker exited with code {code}")
        return json.loads(line)

    def end_input(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        self.send(message)
        return self.recv()

    def close(self) -> None:
        """End of input: the worker tears down; killed if it does not within a grace period."""
        self.end_input()
        try:
            self.process.wait(timeout=CLOSE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _remove_sqlite(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.endswith(":memory:"):
        path = Path(url[len(prefix) :])
        for extra in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(path) + extra).unlink()


def _pg_name(side: Side) -> str | None:
    """The name of a side's own PostgreSQL database (None for SQLite or a shared one)."""
    from tracetui.engine.core.database import parse_url

    if not side.own_database or parse_url(side.db_url).get_backend_name() != "postgresql":
        return None
    return parse_url(side.db_url).database


def fresh_database(side: Side) -> None:
    """Give ``side`` an empty database of its own (raises :class:`SideDatabaseError`)."""
    if not side.own_database:
        return
    name = _pg_name(side)
    if name is None:
        _remove_sqlite(side.db_url)
        return
    from tracetui.engine.core.pg import ScratchDatabaseError, create_database

    try:
        create_database(side.server_url, name)
    except ScratchDatabaseError as exc:
        raise SideDatabaseError(f"{side.name}'s own database: {exc}") from None


def remove_database(side: Side) -> None:
    """Remove ``side``'s own database; a failure is said on stderr, never raised."""
    if not side.own_database:
        return
    name = _pg_name(side)
    if name is None:
        _remove_sqlite(side.db_url)
        return
    from tracetui.engine.core.pg import ScratchDatabaseError, drop_database

    try:
        drop_database(side.server_url, name)
    except ScratchDatabaseError as exc:
        print(f"tracetui: {side.name}: {exc}", file=sys.stderr)


def pairs_for(profile: Profile) -> int:
    return PAIRS.get(profile.name, 4)


def _enough(ratios: list[float], spent: float, budget: float, profile: Profile) -> bool:
    """Stop on an even count of round pairs (A B + B A), like the sequential stop rule."""
    rounds = len(ratios)
    if rounds % 2:
        return False
    if rounds >= profile.max_rounds:
        return True
    if rounds < profile.min_rounds:
        return False
    if profile.precision is not None:
        low, high = median_ci(ratios)
        mid = statistics.median(ratios)
        if mid > 0 and (high - low) / 2 / mid <= profile.precision:
            return True
    return spent >= budget


def _start(
    sides: Sequence[Side], plan: dict[str, Any], stderr: IO[bytes] | None
) -> list[SideWorker]:
    workers = [SideWorker(side, plan, stderr) for side in sides]
    for worker in workers:
        hello = worker.recv()
        if "error" in hello:
            for w in workers:
                w.close()
            error = MissingBenchmarks if hello.get("selection") else SideError
            raise error(f"{worker.side.name} ({worker.side.tree}): {hello['error']}")
        worker.ready = hello  # type: ignore[attr-defined]
    return workers


def measure_pair(
    bid: str,
    workers: Sequence[SideWorker],
    first: int,
    profile: Profile,
    budget: float,
    into: PairedBenchmark,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """One benchmark on one process pair (workers: base, head); rounds alternate.
    Raises :class:`Cancelled` between two rounds once ``stop()`` is true."""
    replies = []
    for worker in workers:
        worker.send({"cmd": "open", "id": bid})
    for worker in workers:
        replies.append(worker.recv())
    errors = [r.get("error") for r in replies]
    if any(errors):
        for worker, error in zip(workers, errors, strict=True):
            if not error:
                worker.ask({"cmd": "close"})
        into.base_error = into.base_error or (f"base: {errors[0]}" if errors[0] else "")
        into.head_error = into.head_error or (f"head: {errors[1]}" if errors[1] else "")
        return
    samples: list[list[float]] = [[], []]
    ratios: list[float] = []
    spent = 0.0  # timed seconds of both sides in this pair
    order = [first, 1 - first]
    while not _enough(ratios, spent, budget, profile):
        if stop():
            raise Cancelled
        for side in order:
            reply = workers[side].ask({"cmd": "round"})
            if "error" in reply:
                _fail_round(workers, side, reply["error"], into)
                return
            samples[side].append(reply["sample"])
            spent += reply["seconds"]
        order.reverse()  # A B, B A, A B …
        base_s, head_s = samples[0][-1], samples[1][-1]
        ratios.extend(round_ratios([head_s], [base_s]))
    results = [workers[side].ask({"cmd": "close"}) for side in (0, 1)]
    for side, reply in enumerate(results):
        if "error" in reply:
            setattr(
                into,
                ("base_error", "head_error")[side],
                f"{workers[side].side.name}: {reply['error']}",
            )
    if into.base_error or into.head_error:
        return
    into.base = BenchmarkResult.from_json(results[0]["result"])
    into.head = BenchmarkResult.from_json(results[1]["result"])
    into.base_rounds.append(samples[0])
    into.head_rounds.append(samples[1])


def _fail_round(
    workers: Sequence[SideWorker], side: int, error: str, into: PairedBenchmark
) -> None:
    other = workers[1 - side]
    other.ask({"cmd": "close"})
    setattr(into, ("base_error", "head_error")[side], f"{workers[side].side.name}: {error}")


def iter_paired(
    ids: Sequence[str],
    *,
    base: Side,
    head: Side,
    profile: Profile,
    options: dict[str, Any],
    seed: int = 1234,
    pairs: int | None = None,
    stderr: IO[bytes] | None = None,
    stop: Callable[[], bool] = lambda: False,
    undecided: Callable[[dict[str, PairedBenchmark]], list[str]] | None = None,
) -> Iterator[PairStep]:
    """Measure ``ids`` on K process pairs, saying each step as it happens.

    Raises :class:`MissingBenchmarks` before measuring anything when the base
    lacks a selected benchmark, :class:`SideDatabaseError` when a side's own
    database cannot be created, :class:`SideError` when a side cannot start,
    :class:`Cancelled` once ``stop()`` is true. KeyboardInterrupt (and every
    exception) closes the workers and propagates; the sides' own databases are
    removed whatever happens.

    ``undecided`` names, of the benchmarks it is given, those whose verdict the
    pairs so far cannot settle (their interval holds a level's edge): they get
    one more pair at a time, asked again after each, up to 2K pairs in all.
    Pairs are independent replicates, so more of them only narrow the interval.
    A step with ``settled`` names the benchmarks that are measured for good."""
    k_pairs = pairs or pairs_for(profile)
    plan = {"ids": list(ids), "profile": profile.name, "options": options, "seed": seed}
    out = {bid: PairedBenchmark(bid) for bid in ids}
    # A pair's time share for both sides together: over the K pairs the benchmark
    # gets the plain run's max_time (half for each side), so that a paired smoke run
    # stays within twice a plain one (process starts and set-ups are the rest).
    budget = profile.max_time / k_pairs
    todo, planned, k = list(ids), k_pairs, 0
    try:
        while todo:
            if stop():
                raise Cancelled
            for side in (base, head):
                fresh_database(side)
            workers = _start([base, head], {**plan, "cpu": k}, stderr)
            try:
                if k == 0:
                    known = set(workers[0].ready["ids"])  # type: ignore[attr-defined]
                    lacking = [bid for bid in ids if bid not in known]
                    if lacking:
                        raise MissingBenchmarks(
                            f"base has no benchmark {lacking[0]}"
                            + (f" (and {len(lacking) - 1} more)" if len(lacking) > 1 else "")
                        )
                    environment = dict(workers[1].ready["environment"])  # type: ignore[attr-defined]
                    yield PairStep(0, k_pairs, environment=environment)
                for index, bid in enumerate(todo):
                    item = out[bid]
                    if item.base_error or item.head_error:
                        continue
                    yield PairStep(k, planned, index, len(todo), item)
                    measure_pair(bid, workers, k % 2, profile, budget, item, stop)
                    yield PairStep(k, planned, index, len(todo), item, done=True)
            finally:
                for worker in workers:
                    worker.end_input()  # both tear down at once
                for worker in workers:
                    worker.close()
            k += 1
            if k < k_pairs:
                continue
            left = []
            if undecided is not None and k < 2 * k_pairs:
                left = undecided({bid: out[bid] for bid in todo})
            yield PairStep(k - 1, planned, settled=tuple(b for b in todo if b not in left))
            todo = [bid for bid in todo if bid in left]
            planned = k + 1 if todo else planned
    finally:
        for side in (base, head):
            remove_database(side)


def progress_line(step: PairStep) -> str:
    """``[pair 1/3] [2/5] toy.spin: head/base ×1.003 (16 round pairs)``."""
    item = step.item
    assert item is not None
    where = f"[pair {step.pair + 1}/{step.pairs}] [{step.index + 1}/{step.total}]"
    head = f"{where} {item.benchmark_id}"
    if item.head_error or item.base_error:
        return f"{head}: FAILED {item.head_error or item.base_error}"
    ratios = round_ratios(item.head_rounds[-1], item.base_rounds[-1])
    ratio = sorted(ratios)[len(ratios) // 2]
    return f"{head}: head/base ×{ratio:.3f} ({len(ratios)} round pairs)"

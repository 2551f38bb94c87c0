"""What a benchmark is: suites, benchmark definitions and the cases they yield.

This module owns the vocabulary every suite is written in. A *suite* is a
named group of *benchmarks*; a benchmark is a generator function that sets up
its data, yields one *case* (what to time), and cleans up after the ``yield``
so that the database is left as it was found::

    SUITE = Suite("database", "Queries against the reference trace system")

    @SUITE.benchmark(params=[100, 1000], kind=Kind.MICRO)
    def item_lookup(ctx: Context, n: int):
        ids = seed(ctx, n)                       # setup, untimed
        yield Timed(lambda: get_item(ctx.engine, ids[0]))
        cleanup(ctx)                             # teardown, untimed

Two cases exist, mirroring pytest-benchmark:

- :class:`Timed` — a cheap, repeatable call; the engine calibrates
  iterations per round (``benchmark(fn)``).
- :class:`Pedantic` — a call that mutates state; every round gets a fresh
  ``setup()`` and exactly one timed call (``benchmark.pedantic``). Concurrent
  and load benchmarks are pedantic cases whose call returns a
  :class:`RoundDetail` with per-operation latencies and counters.

Nothing here runs anything; :mod:`tracetui.engine.measuring.timing` does.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracetui.engine.core.profiles import Profile

if TYPE_CHECKING:
    from tracetui.engine.core.events import LoadSecond


class Kind(enum.StrEnum):
    """How a benchmark is measured and reported."""

    MICRO = "micro"  # calibrated rounds x iterations, time per call
    WORKLOAD = "workload"  # one timed batch per round, time and items/s
    CONCURRENT = "concurrent"  # T threads x M ops per round: wall time, ops/s, per-op latency
    LOAD = "load"  # HTTP users for a duration: RPS, failures, latency percentiles


class OutcomeError(AssertionError):
    """A benchmark's own outcome check failed (lost update, missing row...).

    Raised from a case's call; the benchmark is then reported as failed,
    never as fast.
    """


@dataclass(frozen=True)
class RoundDetail:
    """What a pedantic call may return besides its wall time.

    ``latencies`` are per-operation seconds measured inside the round (the
    concurrent and load suites); ``counters`` are summed over rounds
    (retries, failures); ``metrics`` are round values averaged over rounds
    (requests per second...); ``windows`` are named series of replicates
    measured inside the round (a load run's steady seconds: ``p95``,
    ``rps``), concatenated over rounds.
    """

    ops: int | None = None
    latencies: Sequence[float] = ()
    counters: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    windows: Mapping[str, Sequence[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Timed:
    """A repeatable call, timed in calibrated rounds of many iterations."""

    fn: Callable[[], object]


@dataclass(frozen=True)
class Pedantic:
    """One call per round with a fresh, untimed setup and teardown.

    ``setup()`` returns the positional arguments of ``fn`` (a tuple) or
    ``None``; ``teardown`` receives the same arguments.
    """

    fn: Callable[..., object]
    setup: Callable[[], tuple[Any, ...] | None] | None = None
    teardown: Callable[..., object] | None = None


Case = Timed | Pedantic


class Reporter:
    """Live-progress channel a case may use for long rounds (load runs).

    The engine passes its own implementation in :class:`Context`; the base
    class swallows reports so that suites run unchanged under pytest.
    """

    def progress(
        self,
        *,
        ops_per_s: float | None = None,
        latencies: Sequence[float] = (),
        extra: Mapping[str, float] | None = None,
        load: LoadSecond | None = None,
    ) -> None:
        """Report live numbers from inside a running round (``load``: a load run's second)."""


@dataclass
class Context:
    """What a benchmark function receives: where to run and how hard.

    ``engine`` is the SQLAlchemy engine for ``db_url`` (shared by a suite);
    ``state`` is a per-suite scratch dict that a suite's ``setup`` fills
    (schema ready, a project id...). ``options`` carries run options such
    as load users or duration.
    """

    db_url: str
    engine: Any
    profile: Profile
    seed: int = 1234
    options: Mapping[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    reporter: Reporter = field(default_factory=Reporter)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


BenchmarkFactory = Callable[..., Iterator[Case]]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Benchmark:
    """One measurable thing: a factory bound to an optional parameter."""

    suite: str
    name: str
    kind: Kind
    factory: BenchmarkFactory
    param: Any = None
    description: str = ""
    items_per_op: int = 1
    track_memory: bool = False
    group: str | None = None

    @property
    def id(self) -> str:
        """``suite.name`` or ``suite.name[param]``."""
        base = f"{self.suite}.{self.name}"
        return base if self.param is None else f"{base}[{self.param}]"

    def open(self, ctx: Context) -> Iterator[Case]:
        """Start the benchmark's generator: ``next()`` gives the case."""
        if self.param is None:
            return self.factory(ctx)
        return self.factory(ctx, self.param)


@dataclass
class Suite:
    """A named group of benchmarks with optional once-per-run hooks.

    ``setup(ctx)`` runs in the worker process before the suite's first
    benchmark (create the schema, say); ``teardown(ctx)`` after its last.
    ``extra`` names the install extra the suite needs (``tracetui[load]``);
    a front end checks it with :func:`tracetui.engine.core.extras.require_extra`.
    """

    name: str
    description: str = ""
    setup: Callable[[Context], None] | None = None
    teardown: Callable[[Context], None] | None = None
    extra: str | None = None
    benchmarks: list[Benchmark] = field(default_factory=list)

    def benchmark(
        self,
        *,
        kind: Kind = Kind.MICRO,
        params: Sequence[Any] | None = None,
        name: str | None = None,
        items_per_op: int | Callable[[Any], int] = 1,
        track_memory: bool = False,
        group: str | None = None,
    ) -> Callable[[BenchmarkFactory], BenchmarkFactory]:
        """Register a generator function as one benchmark per parameter.

        ``items_per_op`` may be a function of the parameter
        (``lambda n: n`` for "create n items").
        """

        def register(factory: BenchmarkFactory) -> BenchmarkFactory:
            bench_name = name or factory.__name__
            if not _NAME.match(bench_name):
                raise ValueError(f"benchmark name {bench_name!r} is not snake_case")
            if not inspect.isgeneratorfunction(factory):
                raise TypeError(f"{bench_name}: a benchmark must be a generator function")
            doc = inspect.getdoc(factory) or ""
            for param in params if params is not None else [None]:
                items = items_per_op(param) if callable(items_per_op) else items_per_op
                bench = Benchmark(
                    suite=self.name,
                    name=bench_name,
                    kind=kind,
                    factory=factory,
                    param=param,
                    description=doc.splitlines()[0] if doc else "",
                    items_per_op=items,
                    track_memory=track_memory,
                    group=group or f"{self.name}.{bench_name}",
                )
                if any(b.id == bench.id for b in self.benchmarks):
                    raise ValueError(f"duplicate benchmark id {bench.id}")
                self.benchmarks.append(bench)
            return factory

        return register

    def ids(self) -> list[str]:
        return [b.id for b in self.benchmarks]

"""The measuring loop, in-process on the toy suite: rounds, counters, teardown."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Context, Kind, Pedantic, Suite, Timed
from tracetui.engine.core.profiles import PROFILES, Profile
from tracetui.engine.measuring.timing import relative_precision, run_benchmark


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    yield Context(db_url=str(engine.url), engine=engine, profile=PROFILES["smoke"])
    engine.dispose()


def collect() -> tuple[list, callable]:
    events: list = []
    return events, events.append


def test_timed_case_calibrates_iterations_and_counts_sql(ctx: Context) -> None:
    import sqlalchemy as sa

    suite = Suite("t")

    @suite.benchmark()
    def two_queries(ctx: Context):
        with ctx.engine.connect() as conn:
            yield Timed(lambda: [conn.execute(sa.text("SELECT 1")) for _ in range(2)])

    events, emit = collect()
    result = run_benchmark(suite.benchmarks[0], ctx, emit)
    assert PROFILES["smoke"].min_rounds <= result.rounds <= PROFILES["smoke"].max_rounds
    assert result.iterations > 1
    assert result.counters["sql_statements"] == 2.0
    assert events and events[-1].round == result.rounds


def test_pedantic_case_gets_fresh_setup_and_teardown_every_round(ctx: Context) -> None:
    suite = Suite("t")
    calls = {"setup": 0, "fn": 0, "teardown": 0, "closed": 0}

    @suite.benchmark(kind=Kind.WORKLOAD, track_memory=True)
    def mutating(ctx: Context):
        def setup():
            calls["setup"] += 1
            return ([0],)

        def fn(box):
            assert box == [0], "fn saw state from another round"
            box[0] += 1
            calls["fn"] += 1
            return bytearray(100_000)

        yield Pedantic(
            fn,
            setup=setup,
            teardown=lambda box: calls.__setitem__("teardown", calls["teardown"] + 1),
        )
        calls["closed"] += 1

    result = run_benchmark(suite.benchmarks[0], ctx, lambda e: None)
    assert calls["setup"] == calls["fn"] == calls["teardown"]
    assert calls["fn"] >= result.rounds + 2  # two probes (statements, memory) and warm-up
    assert calls["closed"] == 1
    assert result.counters["peak_memory_bytes"] >= 100_000
    assert result.iterations == 1


def test_teardown_runs_when_the_case_raises(ctx: Context) -> None:
    suite = Suite("t")
    closed = []

    @suite.benchmark(kind=Kind.WORKLOAD)
    def boom(ctx: Context):
        try:
            yield Pedantic(lambda: 1 / 0)
        finally:
            closed.append(True)

    with pytest.raises(ZeroDivisionError):
        run_benchmark(suite.benchmarks[0], ctx, lambda e: None)
    assert closed == [True]


def test_adaptive_profile_stops_when_precise(ctx: Context) -> None:
    ctx.profile = Profile(
        "p",
        min_rounds=5,
        max_rounds=500,
        max_time=30.0,
        min_round_time=0.0001,
        warmup_rounds=0,
        precision=0.5,
    )
    suite = Suite("t")

    @suite.benchmark()
    def constant(ctx: Context):
        yield Timed(lambda: sum(range(50)))

    result = run_benchmark(suite.benchmarks[0], ctx, lambda e: None)
    assert result.rounds < 500  # stopped by precision, long before the cap


def test_relative_precision_literal() -> None:
    assert relative_precision([1.0, 1.0]) is None
    assert relative_precision([1.0] * 10) == 0.0
    assert relative_precision([float(x) for x in range(1, 101)]) == pytest.approx(
        (61 - 40) / 2 / 50.5  # the median interval of 1..100 is (40, 61), as scipy says
    )


def test_expected_rounds_follow_the_time_cap() -> None:
    from tracetui.engine.measuring.timing import expected_rounds

    p = Profile(
        "p", min_rounds=5, max_rounds=200, max_time=1.0, min_round_time=0.001, warmup_rounds=0
    )
    assert expected_rounds(10, 0.5, p, done=False) == 20  # 50 ms a round, 1 s cap
    assert expected_rounds(3, 0.001, p, done=False) == 200  # fast rounds: the round cap
    assert expected_rounds(2, 0.9, p, done=False) == 5  # slow rounds: at least min_rounds
    assert expected_rounds(7, 2.0, p, done=True) == 7


def test_interleaved_rounds_alternate_and_each_benchmark_keeps_its_own_result(
    ctx: Context,
) -> None:
    from tracetui.engine.core.events import Progress
    from tracetui.engine.measuring.timing import run_interleaved

    suite = Suite("t")
    order: list[str] = []
    closed: list[str] = []

    def make(name: str, fail: bool = False):
        @suite.benchmark(name=name)
        def bench(ctx: Context):
            def call() -> None:
                order.append(name)
                if fail and len(order) > 50:
                    raise ValueError("broke mid-run")

            try:
                yield Timed(call)
            finally:
                closed.append(name)

    make("a")
    make("b")
    make("c", fail=True)
    events: list = []
    outcomes = run_interleaved(suite.benchmarks, ctx, events.append)
    assert [type(o).__name__ for o in outcomes] == [
        "BenchmarkResult",
        "BenchmarkResult",
        "ValueError",
    ]
    assert sorted(closed) == ["a", "b", "c"]  # every teardown ran
    # Rounds alternate instead of running a to the end: a is still called after b and c
    # have started (the calls themselves, not Progress events, which are paced by time).
    last_a = max(i for i, name in enumerate(order) if name == "a")
    assert last_a > order.index("b") and last_a > order.index("c")
    last_b = max(i for i, name in enumerate(order) if name == "b")
    assert last_b > order.index("c")
    assert any(isinstance(e, Progress) and e.benchmark_id == "t.b" for e in events)
    assert outcomes[0].rounds >= ctx.profile.min_rounds


def test_steps_group_consecutive_micro_benchmarks_of_one_suite() -> None:
    from tracetui.engine.core.model import Benchmark
    from tracetui.engine.measuring.worker import steps

    def b(suite: str, name: str, kind: Kind) -> Benchmark:
        return Benchmark(suite=suite, name=name, kind=kind, factory=lambda ctx: iter(()))

    benches = {
        x.id: x
        for x in [
            b("s", "m1", Kind.MICRO),
            b("s", "m2", Kind.MICRO),
            b("s", "w", Kind.WORKLOAD),
            b("s", "m3", Kind.MICRO),
            b("r", "m4", Kind.MICRO),
        ]
    }
    ids = list(benches)
    assert steps(ids, benches, interleave=False) == [[i] for i in ids]
    assert steps(ids, benches, interleave=True) == [["s.m1", "s.m2"], ["s.w"], ["s.m3"], ["r.m4"]]

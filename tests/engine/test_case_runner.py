"""The one case runner: probe and round semantics, and the one budget rule of timing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Context, Kind, Pedantic, RoundDetail, Suite, Timed
from tracetui.engine.core.profiles import PROFILES, Profile
from tracetui.engine.measuring import case_runner, timing
from tracetui.engine.measuring.case_runner import check_case, probe, timed_round
from tracetui.engine.measuring.timing import run_benchmark


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    yield Context(db_url=str(engine.url), engine=engine, profile=PROFILES["smoke"])
    engine.dispose()


def _statements(ctx: Context, n: int) -> None:
    with ctx.engine.connect() as conn:
        for _ in range(n):
            conn.execute(sa.text("SELECT 1"))


def test_a_concurrent_round_counts_statements_per_operation(ctx: Context) -> None:
    suite = Suite("t")

    @suite.benchmark(kind=Kind.CONCURRENT, items_per_op=10)
    def threads(ctx: Context):
        def run() -> RoundDetail:
            _statements(ctx, 11)
            return RoundDetail(ops=10)

        yield Pedantic(run)

    @suite.benchmark(kind=Kind.WORKLOAD, items_per_op=10)
    def batch(ctx: Context):
        yield Pedantic(lambda: _statements(ctx, 11))

    concurrent, workload = suite.benchmarks
    found = probe(concurrent, next(concurrent.open(ctx)))
    assert found.counters == {"sql_statements": 1.1}
    assert isinstance(found.value, RoundDetail)
    assert probe(workload, next(workload.open(ctx))).counters == {"sql_statements": 11.0}


def test_a_pedantic_round_has_its_own_setup_and_always_its_teardown() -> None:
    seen: list[str] = []

    def fn(token: str) -> str:
        seen.append(f"call {token}")
        if token == "bad":
            raise ValueError("boom")
        return token.upper()

    tokens = iter(["a", "bad"])
    case = Pedantic(
        fn, setup=lambda: (next(tokens),), teardown=lambda t: seen.append(f"teardown {t}")
    )
    measured = timed_round(case)
    assert measured.value == "A" and measured.iterations == 1 and measured.seconds >= 0
    with pytest.raises(ValueError, match="boom"):
        timed_round(case)
    assert seen == ["call a", "teardown a", "call bad", "teardown bad"]


def test_a_timed_round_is_iterations_calls_and_keeps_no_value() -> None:
    calls: list[int] = []
    measured = timed_round(Timed(lambda: calls.append(1)), iterations=7)
    assert len(calls) == 7 and measured.iterations == 7 and measured.value is None


def test_a_benchmark_must_yield_a_case(ctx: Context) -> None:
    suite = Suite("t")

    @suite.benchmark()
    def wrong(ctx: Context):
        yield 42

    with pytest.raises(TypeError, match="yielded int, expected Timed or Pedantic"):
        check_case(suite.benchmarks[0], 42)
    with pytest.raises(TypeError, match=r"t\.wrong: yielded int"):
        run_benchmark(suite.benchmarks[0], ctx, lambda _e: None)


TICK = 2**-6  # exact in binary: sums of ticks compare exactly


class FakeClock:
    """A clock that moves only when the work says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def spend(self, seconds: float) -> None:
        self.now += seconds


def test_timed_and_pedantic_cases_share_one_budget_rule(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget is the rounds' own time (a pedantic setup included), never the probe."""
    clock = FakeClock()
    monkeypatch.setattr(timing, "timer", clock)
    monkeypatch.setattr(case_runner, "timer", clock)
    ctx.profile = Profile(
        "p", min_rounds=1, max_rounds=1000, max_time=5 * TICK, min_round_time=0.001, warmup_rounds=1
    )
    suite = Suite("t")

    @suite.benchmark()
    def calibrated(ctx: Context):
        yield Timed(lambda: clock.spend(TICK))

    @suite.benchmark(kind=Kind.WORKLOAD)
    def fresh(ctx: Context):
        yield Pedantic(lambda: clock.spend(TICK))

    @suite.benchmark(kind=Kind.WORKLOAD)
    def costly_setup(ctx: Context):
        yield Pedantic(lambda: clock.spend(TICK), setup=lambda: clock.spend(TICK))

    events: list = []
    timed, pedantic, with_setup = (run_benchmark(b, ctx, events.append) for b in suite.benchmarks)
    # One-tick calls, a five-tick budget: five rounds each, probe and calibration not charged.
    assert timed.rounds == pedantic.rounds == 5
    assert with_setup.rounds == 3  # two ticks a round with its setup: charged to the budget
    assert timed.samples == pedantic.samples == (TICK,) * 5
    last = [e for e in events if e.benchmark_id == "t.fresh"][-1]
    assert last.elapsed == 5 * TICK  # what the budget counted, not the time since the probe

"""The worker process: runs a plan and writes events as JSON lines.

Started by :mod:`tracetui.engine.measuring.runner` as
``python -m tracetui.engine.measuring.worker``; reads one plan (JSON) from
stdin and writes one event per line to its original stdout. Anything
benchmarks print goes to stderr instead, so the event stream cannot be
corrupted. Timed code runs here, never in the
interpreter of a front end. SIGINT (sent by the runner on cancel) stops
after tearing down the benchmark in progress and reports ``cancelled``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from tracetui.engine.core import environment
from tracetui.engine.core.database import backend_name, make_engine, mask_url
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.model import Benchmark, Context, Kind, Suite
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.core.registry import benchmarks_of, load_suites, suite_of
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.measuring.timing import planned_rounds, run_benchmark, run_interleaved


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def steps(
    ids: Sequence[str], benchmarks: Mapping[str, Benchmark], interleave: bool
) -> list[list[str]]:
    """The plan in steps: one benchmark each, or with ``interleave`` consecutive micro
    benchmarks of one suite together (their rounds alternate)."""
    groups: list[list[str]] = []
    for bid in ids:
        bench = benchmarks[bid]
        last = benchmarks[groups[-1][-1]] if groups else None
        if (
            interleave
            and last is not None
            and bench.kind == Kind.MICRO
            and last.kind == Kind.MICRO
            and last.suite == bench.suite
        ):
            groups[-1].append(bid)
        else:
            groups.append([bid])
    return groups


def execute(plan: Plan, emit: Callable[[Event], None]) -> str:
    """Run every benchmark of ``plan``, emitting events; return the run status."""
    started = time.time()
    profile = get_profile(plan.profile)
    emit(
        RunStarted(
            run_id=plan.run_id,
            benchmark_ids=tuple(plan.benchmark_ids),
            profile=plan.profile,
            backend=backend_name(plan.db_url),
            db_url=mask_url(plan.db_url),
            environment=environment.collect(plan.db_url),
            started_at=started,
        )
    )
    needed = list(dict.fromkeys(suite_of(b) for b in plan.benchmark_ids))
    suites = load_suites(needed)
    benchmarks = benchmarks_of(needed)
    engine = make_engine(plan.db_url)
    contexts: dict[str, Context] = {}
    setup_errors: dict[str, str] = {}
    status = "completed"
    total = len(plan.benchmark_ids)

    def context_for(suite: Suite) -> Context | None:
        """The suite's context, set up on first use; None when its setup failed."""
        if suite.name not in contexts and suite.name not in setup_errors:
            ctx = Context(
                db_url=plan.db_url,
                engine=engine,
                profile=profile,
                seed=plan.seed,
                options=dict(plan.options),
            )
            try:
                if suite.setup:
                    suite.setup(ctx)
                contexts[suite.name] = ctx
            except Exception as exc:
                setup_errors[suite.name] = f"suite setup failed: {one_line(exc)}"
        return contexts.get(suite.name)

    def report(bid: str, outcome: BenchmarkResult | BaseException) -> None:
        if isinstance(outcome, BaseException):
            details = "".join(traceback.format_exception(outcome))
            emit(BenchmarkFailed(benchmark_id=bid, error=one_line(outcome), details=details))
        else:
            emit(BenchmarkFinished(result=outcome))

    index = 0
    try:
        for group in steps(plan.benchmark_ids, benchmarks, bool(plan.options.get("interleave"))):
            for bid in group:
                emit(
                    BenchmarkStarted(
                        benchmark_id=bid,
                        index=index,
                        total=total,
                        kind=str(benchmarks[bid].kind),
                        rounds_planned=planned_rounds(
                            benchmarks[bid], Context(plan.db_url, engine, profile)
                        ),
                    )
                )
                index += 1
            suite = suites[benchmarks[group[0]].suite]
            ctx = context_for(suite)
            if ctx is None:
                for bid in group:
                    emit(BenchmarkFailed(benchmark_id=bid, error=setup_errors[suite.name]))
                continue
            if len(group) == 1:
                try:
                    outcome: BenchmarkResult | BaseException = run_benchmark(
                        benchmarks[group[0]], ctx, emit
                    )
                except Exception as exc:
                    outcome = exc
                report(group[0], outcome)
                continue
            outcomes = run_interleaved([benchmarks[b] for b in group], ctx, emit)
            for bid, outcome in zip(group, outcomes, strict=True):
                report(bid, outcome)
    except KeyboardInterrupt:
        status = "cancelled"
    finally:
        for name, ctx in contexts.items():
            teardown = suites[name].teardown
            if teardown:
                try:
                    teardown(ctx)
                except Exception as exc:  # teardown problems must not hide results
                    print(
                        f"tracetui: suite {name} teardown failed: {one_line(exc)}", file=sys.stderr
                    )
        engine.dispose()
    emit(RunFinished(run_id=plan.run_id, status=status, duration=time.time() - started))
    return status


def _event_writer(stream: TextIO) -> Callable[[Event], None]:
    def emit(event: Event) -> None:
        stream.write(event.dumps() + "\n")
        stream.flush()

    return emit


def main() -> int:
    # Keep the original stdout for events; everything else printed goes to stderr.
    events_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    data: dict[str, Any] = json.loads(sys.stdin.readline())
    plan = Plan.from_json(data)
    emit = _event_writer(events_out)
    try:
        execute(plan, emit)
    except KeyboardInterrupt:
        emit(RunFinished(run_id=plan.run_id, status="cancelled"))
    except Exception as exc:
        traceback.print_exc()
        emit(RunFinished(run_id=plan.run_id, status="crashed", error=one_line(exc)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

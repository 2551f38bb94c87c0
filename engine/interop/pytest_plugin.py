"""tracetui's pytest plugin: the engine's benchmarks through pytest-benchmark.

Registered by the distribution (entry point ``pytest11: tracetui``), so it
is loaded in every pytest session of the environment; it only adds the
``--tracetui-db``/``--tracetui-profile`` options and a few fixtures, and
imports nothing heavy until a fixture is used. ``suites/test_benchmarks.py``
uses it to run every registered benchmark as one pytest test
(``pytest suites/ --benchmark-only``):

- a :class:`~tracetui.engine.core.model.Timed` case becomes ``benchmark(fn)`` (calibrated
  by pytest-benchmark), a :class:`~tracetui.engine.core.model.Pedantic` case becomes
  ``benchmark.pedantic(fn, setup=..., teardown=..., rounds=R, iterations=1)``
  with R as many rounds as fit in ``--benchmark-max-time``, at least
  ``--benchmark-min-rounds``, and a tenth as many warm-up rounds with
  ``--benchmark-warmup`` (:func:`pedantic_plan`; 1 round for load benchmarks);
- ``benchmark.group`` is the benchmark's group; ``extra_info`` carries
  ``sql_statements`` per operation (the engine's own untimed probe,
  :func:`tracetui.engine.measuring.case_runner.probe`, so the number is the
  one ``tracetui run`` records; peak memory too for benchmarks that track it) and,
  under ``"tracetui"``, the engine id, suite, kind, backend and counters so
  that ``tracetui import`` files the results under the same ids;
- each suite's ``setup`` runs once per session, before its first benchmark,
  and its ``teardown`` at the end of the session.

``--tracetui-db URL`` picks the database (default: a SQLite file in a
temporary directory of the session); the password of a URL is never
written into ``extra_info`` (it is masked) and is scrubbed from failure
reports (pytest's tracebacks show a driver's connect arguments).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tracetui.engine.core.model import Benchmark, Case, Context, Pedantic, Suite

DEFAULT_PROFILE = "standard"
_KEYWORD_WORD = re.compile(r"[\w.\[\]-]+")
_KEYWORD_OPERATORS = {"and", "or", "not"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tracetui", "tracetui benchmark suites")
    group.addoption(
        "--tracetui-db",
        dest="tracetui_db",
        default=None,
        metavar="URL",
        help="Database the tracetui suites run against (SQLAlchemy URL, e.g. "
        "postgresql+psycopg://user@127.0.0.1/db). Default: a SQLite file in a "
        "temporary directory of the session.",
    )
    group.addoption(
        "--tracetui-profile",
        dest="tracetui_profile",
        default=DEFAULT_PROFILE,
        metavar="NAME",
        help="tracetui profile handed to the suites (smoke, standard, thorough); "
        f"pytest-benchmark's own options decide the rounds. Default: {DEFAULT_PROFILE}.",
    )


def _secrets(config: pytest.Config) -> list[str]:
    """The password of ``--tracetui-db`` (as given and URL-encoded), if it has one."""
    url = config.getoption("tracetui_db", None)
    if not url:
        return []
    from urllib.parse import quote

    from tracetui.engine.core.database import parse_url

    try:
        password = parse_url(str(url)).password
    except ValueError:
        return []
    if not password:
        return []
    return sorted({str(password), quote(str(password), safe="")}, key=len, reverse=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Scrub the database password from failure reports.

    pytest's tracebacks show function arguments, and a driver's connect
    frame holds the password (``conninfo = 'user=u password=...'``).
    """
    outcome = yield
    secrets = _secrets(item.config)
    if not secrets:
        return
    report = outcome.get_result()
    if report.longrepr is None:
        return
    text = str(report.longrepr)
    if any(secret in text for secret in secrets):
        for secret in secrets:
            text = text.replace(secret, "***")
        report.longrepr = text


def explicitly_selected(keyword_expression: str, benchmark_id: str) -> bool:
    """Whether a ``-k`` expression names ``benchmark_id`` positively.

    A word of the expression that is part of the id selects it (``load``,
    ``crud``, ``load.queries[low]``); a word right after ``not`` never does.
    """
    words = _KEYWORD_WORD.findall(keyword_expression.lower())
    target = benchmark_id.lower()
    for index, word in enumerate(words):
        if word in _KEYWORD_OPERATORS or (index and words[index - 1] == "not"):
            continue
        if word in target:
            return True
    return False


class SuiteContexts:
    """One :class:`~tracetui.engine.core.model.Context` per suite, set up on first use.

    Torn down at the end of the session.
    """

    def __init__(self, db_url: str, profile_name: str) -> None:
        from tracetui.engine.core.database import make_engine
        from tracetui.engine.core.profiles import get_profile

        self.db_url = db_url
        self.profile = get_profile(profile_name)
        self.engine = make_engine(db_url)
        self._contexts: dict[str, Context] = {}
        self._failed: dict[str, str] = {}
        self._suites: dict[str, Suite] = {}

    def get(self, suite: Suite) -> Context:
        """The suite's context, running its ``setup`` the first time."""
        from tracetui.engine.core.model import Context

        if suite.name in self._failed:
            pytest.fail(self._failed[suite.name], pytrace=False)
        if suite.name not in self._contexts:
            ctx = Context(db_url=self.db_url, engine=self.engine, profile=self.profile)
            try:
                if suite.setup:
                    suite.setup(ctx)
            except Exception as exc:
                self._failed[suite.name] = f"suite {suite.name} setup failed: " + _one_line(exc)
                raise
            self._contexts[suite.name] = ctx
            self._suites[suite.name] = suite
        return self._contexts[suite.name]

    def close(self) -> list[str]:
        """Tear down every suite that was set up; return teardown errors (one line each)."""
        errors = []
        for name, ctx in self._contexts.items():
            teardown = self._suites[name].teardown
            if teardown:
                try:
                    teardown(ctx)
                except Exception as exc:  # a teardown problem must not hide the results
                    errors.append(f"suite {name} teardown failed: {_one_line(exc)}")
        self._contexts.clear()
        self.engine.dispose()
        return errors


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@pytest.fixture(scope="session")
def tracetui_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The database URL of the session (``--tracetui-db`` or a fresh SQLite file)."""
    url = request.config.getoption("tracetui_db")
    if url:
        return str(url)
    return f"sqlite:///{tmp_path_factory.mktemp('tracetui') / 'trace.db'}"


@pytest.fixture(scope="session")
def tracetui_contexts(
    request: pytest.FixtureRequest, tracetui_db_url: str
) -> Iterator[SuiteContexts]:
    """Per-suite contexts of the session; suites are torn down when it ends."""
    contexts = SuiteContexts(tracetui_db_url, request.config.getoption("tracetui_profile"))
    try:
        yield contexts
    finally:
        errors = contexts.close()
        if errors:
            pytest.fail("; ".join(errors), pytrace=False)


def describe(bench: Benchmark, ctx: Context) -> dict[str, Any]:
    """What ``extra_info["tracetui"]`` records about a benchmark."""
    from tracetui.engine.core.database import mask_url

    return {
        "id": bench.id,
        "suite": bench.suite,
        "name": bench.name,
        "param": bench.param,
        "kind": str(bench.kind),
        "items_per_op": bench.items_per_op,
        "description": bench.description,
        "backend": ctx.backend,
        "db_url": mask_url(ctx.db_url),
        "counters": {},
    }


def _record_probe(info: dict[str, Any], bench: Benchmark, case: Case) -> None:
    """The engine's own untimed probe: SQL statements per operation, peak memory."""
    from tracetui.engine.measuring.case_runner import probe

    info["counters"].update(probe(bench, case, plan=False).counters)


#: At most this many timed rounds for a pedantic benchmark (its round budget is max_time).
MAX_PEDANTIC_ROUNDS = 1000


def pedantic_plan(benchmark: Any, bench: Benchmark, round_seconds: float) -> tuple[int, int]:
    """(rounds, warm-up rounds) of a pedantic benchmark whose one round took ``round_seconds``.

    As pytest-benchmark plans a calibrated benchmark: as many rounds as fit in
    ``--benchmark-max-time`` (setup and teardown included, at most
    :data:`MAX_PEDANTIC_ROUNDS`), never fewer than ``--benchmark-min-rounds``;
    with ``--benchmark-warmup``, a tenth as many untimed rounds first (at least
    one: the first rounds after a suite's setup ran up to 12x the median, and
    with a handful of rounds one such round moved the mean). A load benchmark
    runs once, without warm-up.
    """
    from tracetui.engine.core.model import Kind

    if bench.kind == Kind.LOAD:
        return 1, 0
    least = max(1, int(getattr(benchmark, "_min_rounds", 5) or 1))
    budget = float(getattr(benchmark, "_max_time", 1.0) or 0.0)
    fit = int(budget / round_seconds) if round_seconds > 0 else least
    rounds = max(least, min(fit, MAX_PEDANTIC_ROUNDS))
    warmup = max(1, rounds // 10) if getattr(benchmark, "_warmup", False) else 0
    return rounds, warmup


def _record_details(info: dict[str, Any], details: list[Any]) -> None:
    """Sum RoundDetail counters, average its metrics, summarise its latencies."""
    from tracetui.engine.judging import stats as statslib

    counters: dict[str, float] = info["counters"]
    metric_sums: dict[str, float] = {}
    latencies: list[float] = []
    for detail in details:
        for key, value in detail.counters.items():
            counters[key] = counters.get(key, 0.0) + float(value)
        for key, value in detail.metrics.items():
            metric_sums[key] = metric_sums.get(key, 0.0) + float(value)
        latencies.extend(detail.latencies)
    if metric_sums:
        info["metrics"] = {k: v / len(details) for k, v in metric_sums.items()}
    if latencies:
        info["latency"] = {f"p{q}": statslib.percentile(latencies, q) for q in (50, 95, 99)}


def _run_pedantic(benchmark: Any, bench: Benchmark, case: Pedantic, info: dict[str, Any]) -> None:
    from dataclasses import replace

    from tracetui.engine.core.model import Kind, RoundDetail
    from tracetui.engine.measuring.case_runner import call_once

    details: list[RoundDetail] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        args = case.setup() if case.setup else None
        return (tuple(args) if args else ()), {}

    def teardown(*args: Any) -> None:
        if case.teardown:
            case.teardown(*args)

    def target(*args: Any) -> object:
        try:
            value = case.fn(*args)
        except BaseException:
            if benchmark.enabled:  # pytest-benchmark skips teardown when the target raises
                teardown(*args)
            raise
        if isinstance(value, RoundDetail):
            details.append(value)
        return value

    if not benchmark.enabled:  # --benchmark-disable: one plain round, teardown included
        call_once(replace(case, fn=target), lambda call: call())
        return
    round_seconds = 0.0
    if bench.kind != Kind.LOAD:  # the untimed probe, the same as `tracetui run` takes
        started = time.perf_counter()
        _record_probe(info, bench, case)  # one round (two with peak memory): plans the rest
        round_seconds = time.perf_counter() - started
    rounds, warmup = pedantic_plan(benchmark, bench, round_seconds)
    benchmark.pedantic(
        target,
        setup=setup,
        teardown=teardown,
        rounds=rounds,
        warmup_rounds=warmup,
        iterations=1,
    )
    _record_details(info, details)


def run_with_fixture(benchmark: Any, bench: Benchmark, ctx: Context) -> None:
    """Measure one engine benchmark with pytest-benchmark's ``benchmark`` fixture.

    The benchmark's generator is opened (its setup runs), its case is timed,
    and its teardown (the code after ``yield``) always runs.
    """
    from tracetui.engine.core.model import Timed
    from tracetui.engine.measuring.case_runner import check_case

    info = describe(bench, ctx)
    benchmark.group = bench.group
    benchmark.extra_info["tracetui"] = info
    gen = bench.open(ctx)
    case = next(gen)
    try:
        case = check_case(bench, case)
        if isinstance(case, Timed):
            _record_probe(info, bench, case)
            benchmark(case.fn)
        else:
            _run_pedantic(benchmark, bench, case, info)
    except BaseException:
        gen.close()
        raise
    if "sql_statements" in info["counters"]:
        from tracetui.engine.core.results import plain_number

        benchmark.extra_info["sql_statements"] = plain_number(info["counters"]["sql_statements"])
    for _ in gen:
        raise RuntimeError(f"{bench.id}: a benchmark must yield exactly one case")


@pytest.fixture
def tracetui_run(benchmark: Any, tracetui_contexts: SuiteContexts) -> Callable[[str], None]:
    """``tracetui_run("database.item_read")`` measures that registered benchmark."""
    from tracetui.engine.core.registry import all_benchmarks, load_suites

    def run(benchmark_id: str) -> None:
        bench = all_benchmarks()[benchmark_id]
        ctx = tracetui_contexts.get(load_suites()[bench.suite])
        run_with_fixture(benchmark, bench, ctx)

    return run

"""A pytest plugin that streams tracetui events from a pytest-benchmark session.

Loaded by :mod:`tracetui.engine.interop.pytest_bridge` into a *separate* pytest process
(``python -m pytest ... -p tracetui.engine.interop.pytest_stream``); inert unless the
environment variable :data:`FD_ENV` names an open file descriptor (the
write end of a pipe). It then writes one event per line, in the engine's
schema (:mod:`tracetui.engine.core.events`):

- ``RunStarted`` once collection is done, listing every test that uses the
  ``benchmark`` fixture; its environment names the run's history source,
  :data:`SOURCE` (so ``tracetui run --pytest`` and the console record it alike);
- per such test ``BenchmarkStarted``, ``Progress`` after its first round
  and then at most 10 times a second while pytest-benchmark runs its rounds, and after the
  test's teardown either ``BenchmarkFinished`` (a result built from the
  fixture's own stats, samples = ``stats.data``) or ``BenchmarkFailed``
  (setup, call or teardown raised). A skipped test reports nothing;
- ``RunFinished`` at the end of the session: ``completed`` (tests ran, some
  may have failed), ``cancelled`` on Ctrl-C, ``failed`` when pytest refused
  to run (a usage error, a collection error: pytest's exit code is in
  ``error``), ``crashed`` on an internal error.

Benchmark ids are those :mod:`tracetui.engine.recording.importer` gives the same tests in a
JSON file: the node id (pytest-benchmark's ``fullname``) as a dotted path, or
the engine id tracetui's own tests carry in their marker. The group is not
part of an id; it is kept on the result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from typing import IO, Any

import pytest
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.recording.importer import (
    DEFAULT_BACKEND,
    ImportFormatError,
    environment_of,
    identity,
    result_from_entry,
)

FD_ENV = "TRACETUI_PYTEST_FD"
RUN_ID_ENV = "TRACETUI_RUN_ID"
BACKEND_ENV = "TRACETUI_PYTEST_BACKEND"
#: The history's ``source`` of every run pytest streamed (``runs.source``).
SOURCE = "pytest"
#: A marker tracetui's own benchmark tests carry so that their engine ids are known up front.
MARKER = "tracetui_benchmark"
PROGRESS_INTERVAL = 0.1
MAX_DETAILS = 20_000


def _pytest_benchmark_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("pytest-benchmark")
    except Exception:
        return None


def _uses_benchmark(item: pytest.Item) -> bool:
    return "benchmark" in getattr(item, "fixturenames", ())


def planned_identity(item: pytest.Item) -> tuple[str, str, str, str]:
    """(id, suite, name, kind) of a benchmark test, known before it runs."""
    own = item.get_closest_marker(MARKER)
    if own is not None and own.kwargs.get("id"):
        kw = own.kwargs
        return (
            kw["id"],
            kw.get("suite", kw["id"].split(".", 1)[0]),
            kw.get("name", kw["id"]),
            (kw.get("kind", "micro")),
        )
    bid, suite, name, _ = identity({"fullname": item.nodeid})
    return bid, suite, name, "micro"


def _backend_of(config: pytest.Config) -> str:
    """The database backend of ``--tracetui-db`` (default SQLite), as ``tracetui run`` says."""
    url = config.getoption("tracetui_db", None) or "sqlite://"
    try:
        from tracetui.engine.core.database import backend_name

        return backend_name(str(url))
    except Exception:  # a bad URL fails in the suite's own setup, with its own message
        return DEFAULT_BACKEND


def _module_of(bid: str, name: str) -> str:
    """``tests.test_x`` of ``tests.test_x.TestA.test_f[1]`` (name ``TestA.test_f``)."""
    head = bid.split("[", 1)[0]
    return head[: -len(name) - 1] if head.endswith("." + name) else head.rsplit(".", 1)[0]


def _json_safe(value: Any) -> Any:
    """``value`` as plain JSON (what pytest-benchmark's own writer would make of it)."""
    return json.loads(json.dumps(value, default=str))


def _one_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or str(report.longrepr or "failed")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "failed"
    return first if report.when == "call" else f"error in {report.when}: {first}"


class EventStream:
    """The plugin object registered when streaming is on."""

    def __init__(self, out: IO[str], run_id: str, backend: str | None) -> None:
        self.out: IO[str] | None = out
        self.run_id = run_id
        self.backend = backend or ""
        self.own_benchmarks = False  # any of tracetui's own (marked) benchmark tests planned
        self.started = time.time()
        self.planned: dict[str, tuple[str, str, str, str]] = {}  # nodeid -> identity
        #: (id, name) of benchmark tests that ``-k``/``-m`` left out (never MISSING then)
        self.deselected_names: list[tuple[str, str]] = []
        self.run_started = False
        self.interrupted = False
        self._outcome: dict[str, dict[str, Any]] = {}

    # -- output ------------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.out is None:
            return
        try:
            self.out.write(event.dumps() + "\n")
            self.out.flush()
        except (BrokenPipeError, OSError):  # the reader is gone: keep testing, stop streaming
            self.out = None

    def _start_run(self, config: pytest.Config) -> None:
        if self.run_started:
            return
        self.run_started = True
        if not self.backend:  # tracetui's own benchmarks share `tracetui run`'s baselines
            self.backend = _backend_of(config) if self.own_benchmarks else DEFAULT_BACKEND
        environment: dict[str, Any] = {"source": SOURCE, "backend": self.backend}
        session = getattr(config, "_benchmarksession", None)
        if session is not None:
            try:
                info = {
                    "machine_info": session.get_machine_info(),
                    "commit_info": config.hook.pytest_benchmark_generate_commit_info(config=config),
                    "version": _pytest_benchmark_version(),
                }
                environment = environment_of(info, SOURCE, self.backend)
            except Exception:  # environment is a nicety; never break the user's session
                pass
        scope = {_module_of(ident[0], ident[2]) for ident in self.planned.values()}
        scope.update(_module_of(bid, name) for bid, name in self.deselected_names)
        environment = {
            **environment,
            "pytest_scope": sorted(scope),
            "pytest_deselected": [bid for bid, _ in self.deselected_names],
            "pytest_rootdir": str(config.rootpath),
            "pytest_node_ids_given": any("::" in str(arg) for arg in config.args),
            "pytest_nodeids": {ident[0]: nodeid for nodeid, ident in self.planned.items()},
        }
        self.emit(
            RunStarted(
                run_id=self.run_id,
                benchmark_ids=tuple(ident[0] for ident in self.planned.values()),
                profile="pytest",
                backend=self.backend,
                db_url="",
                environment=environment,
                started_at=self.started,
            )
        )

    # -- pytest hooks ------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.planned = {}
        taken: set[str] = set()
        for item in items:
            if not _uses_benchmark(item):
                continue
            bid, suite, name, kind = planned_identity(item)
            self.own_benchmarks = self.own_benchmarks or item.get_closest_marker(MARKER) is not None
            base, n = bid, 1
            while bid in taken:  # two node ids that read alike: never one id for two tests
                n += 1
                bid = f"{base}#{n}"
            taken.add(bid)
            self.planned[item.nodeid] = (bid, suite, name, kind)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            if _uses_benchmark(item):
                bid, _, name, _ = planned_identity(item)
                self.deselected_names.append((bid, name))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._start_run(session.config)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # collection errors end the session with Session.Interrupted (a KeyboardInterrupt)
        if not isinstance(excinfo.value, pytest.Session.Interrupted | pytest.Session.Failed):
            self.interrupted = True

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if nodeid not in self.planned:
            return
        bid, _, _, kind = self.planned[nodeid]
        index = list(self.planned).index(nodeid)
        self._outcome[nodeid] = {}
        self.emit(
            BenchmarkStarted(benchmark_id=bid, index=index, total=len(self.planned), kind=kind)
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        fixture = (getattr(item, "funcargs", None) or {}).get("benchmark")
        if item.nodeid in self.planned and fixture is not None and hasattr(fixture, "_add_stats"):
            self._watch_rounds(fixture, self.planned[item.nodeid][0])
        yield

    def _watch_rounds(self, fixture: Any, bid: str) -> None:
        """Emit Progress as pytest-benchmark records rounds (outside its timed region)."""
        add_stats = fixture._add_stats
        start = time.perf_counter()
        last = [float("-inf")]  # the first round always reports

        def add(meta: Any) -> None:
            update = meta.update

            def update_and_report(duration: float) -> None:
                update(duration)
                now = time.perf_counter()
                if now - last[0] < PROGRESS_INTERVAL:
                    return
                last[0] = now
                per_call = duration / max(meta.iterations, 1)
                self.emit(
                    Progress(
                        benchmark_id=bid,
                        round=len(meta.stats.data),
                        rounds_planned=0,
                        ops_per_s=1.0 / per_call if per_call > 0 else 0.0,
                        latencies=(per_call,),
                        elapsed=now - start,
                    )
                )

            meta.update = update_and_report
            add_stats(meta)

        fixture._add_stats = add

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        outcome = yield
        if item.nodeid not in self.planned:
            return
        report: pytest.TestReport = outcome.get_result()
        state = self._outcome.setdefault(item.nodeid, {})
        if report.failed and "error" not in state:
            state["error"] = _one_line(report)
            state["details"] = str(report.longrepr)[-MAX_DETAILS:]
        if report.skipped:
            state["skipped"] = True
        if report.when == "call" and report.passed:
            fixture = (getattr(item, "funcargs", None) or {}).get("benchmark")
            meta = getattr(fixture, "stats", None)
            if meta is not None and meta.stats.data:
                state["entry"] = _json_safe(meta.as_dict(include_data=True))

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if nodeid not in self.planned:
            return
        bid, suite, name, kind = self.planned[nodeid]
        state = self._outcome.pop(nodeid, {})
        if "error" in state:
            self.emit(
                BenchmarkFailed(benchmark_id=bid, error=state["error"], details=state["details"])
            )
        elif "entry" in state:
            try:
                result = result_from_entry(state["entry"], bid)
            except ImportFormatError as exc:
                self.emit(BenchmarkFailed(benchmark_id=bid, error=str(exc)))
                return
            self.emit(
                BenchmarkFinished(
                    result=dataclasses.replace(result, id=bid, suite=suite, name=name, kind=kind)
                )
            )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._start_run(session.config)
        code = int(exitstatus)
        error = "" if code in (0, 1) else f"pytest exited with code {code}"
        if code in (0, 1):
            status = "completed"
        elif self.interrupted:
            status = "cancelled"
        elif code in (2, 4, 5):  # collection errors, usage error, nothing collected
            status = "failed"
        else:
            status = "crashed"
        self.emit(
            RunFinished(
                run_id=self.run_id, status=status, duration=time.time() - self.started, error=error
            )
        )

    def close(self) -> None:
        if self.out is not None:
            with contextlib.suppress(OSError):
                self.out.close()
            self.out = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(id, suite, name, kind): tracetui engine ids")
    fd = os.environ.get(FD_ENV)
    if not fd:
        return
    out = os.fdopen(int(fd), "w", encoding="utf-8", buffering=1)
    stream = EventStream(
        out,
        run_id=os.environ.get(RUN_ID_ENV) or "pytest",
        backend=os.environ.get(BACKEND_ENV) or None,
    )
    config.pluginmanager.register(stream, "tracetui-event-stream")


def pytest_unconfigure(config: pytest.Config) -> None:
    stream = config.pluginmanager.get_plugin("tracetui-event-stream")
    if isinstance(stream, EventStream):
        stream.close()

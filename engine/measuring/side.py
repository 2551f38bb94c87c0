"""One side of a paired A/B run: a worker that times one round when told to.

Started by :mod:`tracetui.engine.measuring.paired` as
``python -m tracetui.engine.measuring.side TREE``. The head's engine runs
here for both sides; the code under test comes from ``TREE``: it replaces
the working directory at the front of ``sys.path`` (so a team's own suite
modules are that revision's), and when ``TREE`` holds tracetui's own
``suites/`` folder an import hook maps ``tracetui.suites`` onto it (the
built-in suites and the reference trace system at that revision).

The protocol is one JSON object per line. The worker reads its plan
(``ids``, ``profile``, ``db_url``, ``options``, ``seed``) and answers
``ready`` with every benchmark id its suites define (or ``error``); then
it obeys commands on stdin: ``open`` (set up, probe, calibrate and warm up
one benchmark), ``round`` (time one round, answer ``sample``), ``close``
(tear down, answer ``result``). End of input tears everything down.
Anything benchmarks print goes to stderr.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

SUITES_PACKAGE = "tracetui.suites"


class _SuitesFromTree(importlib.abc.MetaPathFinder):
    """Finds ``tracetui.suites`` and its submodules in another tree's ``suites/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == SUITES_PACKAGE:
            return importlib.util.spec_from_file_location(
                fullname,
                self.folder / "__init__.py",
                submodule_search_locations=[str(self.folder)],
            )
        if fullname.startswith(SUITES_PACKAGE + "."):
            parent = sys.modules.get(fullname.rpartition(".")[0])
            search = list(getattr(parent, "__path__", None) or path or [])
            return importlib.machinery.PathFinder.find_spec(fullname, search)
        return None


def use_tree(tree: Path) -> None:
    """Make ``tree`` the source of the code under test in this interpreter."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        sys.path[0] = str(tree)  # `-m` put the working directory first: replace it
    else:
        sys.path.insert(0, str(tree))
    suites = tree / "suites"
    if (suites / "__init__.py").is_file() and (tree / "engine" / "measuring").is_dir():
        sys.meta_path.insert(0, _SuitesFromTree(suites))


class _Session:
    """The suites, their contexts and the one benchmark that is open."""

    def __init__(self, plan: dict[str, Any]) -> None:
        from tracetui.engine.core.database import make_engine
        from tracetui.engine.core.profiles import get_profile
        from tracetui.engine.core.registry import benchmarks_of, load_suites, suite_of

        self.plan = plan
        self.profile = get_profile(plan["profile"])
        needed = list(dict.fromkeys(suite_of(b) for b in plan["ids"]))
        self.suites = load_suites(needed)
        self.benchmarks = benchmarks_of(needed)
        self.engine = make_engine(plan["db_url"])
        self.contexts: dict[str, Any] = {}
        self.gen: Any = None
        self.steps: Any = None
        self.bench: Any = None
        self.pinned = False

    def open(self, bid: str) -> None:
        from tracetui.engine.core.model import Context, Kind
        from tracetui.engine.measuring.case_runner import check_case
        from tracetui.engine.measuring.timing import _Run

        bench = self.benchmarks[bid]
        suite = self.suites[bench.suite]
        _pin(None, bench.kind)  # set-up, probe and warm-up of both sides run in parallel
        self.pinned = False
        if suite.name not in self.contexts:
            ctx = Context(
                db_url=self.plan["db_url"],
                engine=self.engine,
                profile=self.profile,
                seed=int(self.plan.get("seed", 1234)),
                options=dict(self.plan.get("options", {})),
            )
            if suite.setup:
                suite.setup(ctx)
            self.contexts[suite.name] = ctx
        ctx = self.contexts[suite.name]
        self.bench = bench
        self.gen = bench.open(ctx)
        if bench.kind == Kind.LOAD:
            raise TypeError(f"{bid}: load benchmarks cannot be paced round by round")
        # The engine's one round driver (probe, calibration, warm-up, rounds), paced by us.
        self.steps = _Run(bench, ctx, check_case(bench, next(self.gen)), lambda _event: None)

    def round(self) -> dict[str, float]:
        """Time one round: the per-call sample and the round's own seconds."""
        if not self.pinned:
            _pin(self.plan.get("cpu"), self.bench.kind)
            self.pinned = True
        from tracetui.engine.core.model import Timed

        if isinstance(self.steps.case, Timed):
            self.steps.case.fn()  # untimed: the other side just ran on this CPU; re-warm caches
        t0 = time.perf_counter()
        self.steps.round()
        return {"sample": float(self.steps.samples[-1]), "seconds": time.perf_counter() - t0}

    def close(self) -> dict[str, Any]:
        gen, steps = self.gen, self.steps
        self.gen = self.steps = None
        for _ in gen:
            raise RuntimeError(f"{self.bench.id}: a benchmark must yield exactly one case")
        return steps.result().to_json()

    def abandon(self) -> None:
        if self.gen is not None:
            self.gen.close()
        self.gen = self.steps = None

    def teardown(self) -> None:
        self.abandon()
        for name, ctx in self.contexts.items():
            if self.suites[name].teardown:
                try:
                    self.suites[name].teardown(ctx)
                except Exception as exc:
                    print(f"tracetui: suite {name} teardown failed: {exc}", file=sys.stderr)
        self.engine.dispose()


def _pin(cpu: int | None, kind: object) -> None:
    """Both workers of a pair time on one CPU (rotated from pair to pair), so that a
    busy neighbour on one core cannot sit on one side only; ``cpu`` None (set-ups,
    which run in parallel) and concurrent benchmarks (their threads are what they
    measure) get every CPU."""
    if not hasattr(os, "sched_setaffinity"):
        return
    from tracetui.engine.core.model import Kind

    allowed = sorted(os.sched_getaffinity(0) | _ALL_CPUS)
    _ALL_CPUS.update(allowed)
    try:
        if cpu is None or kind == Kind.CONCURRENT:
            os.sched_setaffinity(0, allowed)
        else:
            os.sched_setaffinity(0, {allowed[cpu % len(allowed)]})
    except OSError:
        pass


_ALL_CPUS: set[int] = set()


def _error(exc: BaseException) -> dict[str, str]:
    from tracetui.engine.measuring.worker import one_line

    return {"error": one_line(exc), "details": "".join(traceback.format_exception(exc))}


def serve(commands: TextIO, say: Callable[[dict[str, Any]], None]) -> None:
    """Answer the plan and every command until the input ends."""
    plan = json.loads(commands.readline())
    from tracetui.engine.core.registry import SuiteLoadError, UnknownSelection

    try:
        session = _Session(plan)
    except (SuiteLoadError, UnknownSelection) as exc:  # this tree lacks the selection
        say({**_error(exc), "selection": True})
        return
    except Exception as exc:
        say(_error(exc))
        return
    from tracetui.engine.core import environment

    env = environment.collect(plan["db_url"])
    say({"ready": True, "ids": list(session.benchmarks), "environment": env})
    try:
        for line in commands:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                if command["cmd"] == "open":
                    session.open(command["id"])
                    say({"ok": True})
                elif command["cmd"] == "round":
                    say(session.round())
                elif command["cmd"] == "close":
                    say({"result": session.close()})
                else:
                    say({"error": f"unknown command {command['cmd']!r}"})
            except Exception as exc:
                session.abandon()
                say(_error(exc))
    finally:
        session.teardown()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    use_tree(Path(args[0]).resolve())
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def say(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, separators=(",", ":")) + "\n")
        out.flush()

    try:
        serve(sys.stdin, say)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

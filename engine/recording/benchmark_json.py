"""A judged run as pytest-benchmark's own JSON (``tracetui run --json``).

Exactly the keys pytest-benchmark writes (``machine_info``, ``commit_info``,
``benchmarks``, ``datetime``, ``version``; per entry ``group``, ``name``,
``fullname``, ``params``, ``param``, ``extra_info``, ``options``, ``stats``),
so ``pytest-benchmark compare ours.json theirs.json --group-by=name`` pairs
the same test from either file and ``pytest --benchmark-compare=ours.json``
compares for real. tracetui's own data is under ``extra_info["tracetui"]``,
which :mod:`tracetui.engine.recording.importer` reads back: a re-import
gives the same ids.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Mapping, Sequence
from typing import Any

from tracetui.engine.core.results import BenchmarkResult, plain_number
from tracetui.engine.judging.verdicts import Verdict
from tracetui.engine.recording.session import RunRecord

#: Where tracetui's own benchmarks live as pytest tests (``pytest suites/ --benchmark-only``).
SUITES_TEST = "suites/test_benchmarks.py::test_benchmark"
_OPTIONS = {
    "disable_gc": False,
    "timer": "perf_counter",
    "min_rounds": 5,
    "max_time": 1.0,
    "min_time": 5e-06,
    "warmup": False,
}


def _stats_dict(result: BenchmarkResult) -> dict[str, Any]:
    s = result.stats
    out: dict[str, Any] = {name: getattr(s, name) for name in s.fields}
    kept = result.pytest.get("stats")
    if isinstance(kept, Mapping) and int(kept.get("rounds") or 0) >= result.rounds:
        out.update(kept)  # what pytest-benchmark computed from every round (true rounds)
    out["iterations"] = result.iterations
    if not result.description.startswith("imported without raw timings"):
        out["data"] = list(result.samples)
    return out


def _own(result: BenchmarkResult, record: RunRecord, verdict: Verdict | None) -> dict[str, Any]:
    """tracetui's data about a result, written under ``extra_info["tracetui"]``."""
    return {
        "id": result.id,
        "suite": result.suite,
        "name": result.name,
        "param": result.param,
        "kind": result.kind,
        "items_per_op": result.items_per_op,
        "description": result.description,
        "backend": record.backend,
        "db_url": record.db_url,
        "run_id": record.run_id,
        "profile": record.profile,
        "counters": dict(result.counters),
        "metrics": dict(result.metrics),
        **({"level": str(verdict.level), "verdict": verdict.to_json()} if verdict else {}),
    }


def benchmark_entry(
    result: BenchmarkResult, record: RunRecord, verdict: Verdict | None
) -> dict[str, Any]:
    """The ``benchmarks[i]`` entry pytest-benchmark would have written for this result.

    A result that came from pytest keeps its ``name``, ``fullname``, ``params``,
    ``param``, ``options``, ``extra_info`` and true ``stats``; one of tracetui's
    own benchmarks is written as ``pytest suites/ --benchmark-only`` names it
    (``test_benchmark[database.item_read]``), so either file pairs with the other.
    """
    origin = result.pytest
    if origin.get("fullname"):
        name, fullname = str(origin.get("name") or origin["fullname"]), str(origin["fullname"])
        params, param = origin.get("params"), origin.get("param")
        options = dict(origin.get("options") or _OPTIONS)
        extra = dict(origin.get("extra_info") or {})
    else:
        name, fullname = f"test_benchmark[{result.id}]", f"{SUITES_TEST}[{result.id}]"
        params, param = {"benchmark_id": result.id}, result.id
        options = {**_OPTIONS, "min_rounds": result.rounds}
        extra = {}
        if "sql_statements" in result.counters:
            extra["sql_statements"] = plain_number(result.counters["sql_statements"])
    extra["tracetui"] = _own(result, record, verdict)
    return {
        "group": result.group,
        "name": name,
        "fullname": fullname,
        "params": params,
        "param": param,
        "extra_info": extra,
        "options": options,
        "stats": _stats_dict(result),
    }


def _machine_info(env: Mapping[str, Any]) -> dict[str, Any]:
    kept = env.get("machine_info")
    if isinstance(kept, Mapping):
        return dict(kept)
    return {
        "node": platform.node(),
        "processor": platform.processor(),
        "machine": platform.machine(),
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": list(platform.python_build()),
        "release": platform.release(),
        "system": platform.system(),
        "cpu": {"brand_raw": env.get("cpu") or "", "count": env.get("cpu_count")},
    }


def _commit_info(env: Mapping[str, Any]) -> dict[str, Any]:
    kept = env.get("commit_info")
    if isinstance(kept, Mapping):
        return dict(kept)
    return {
        "id": env.get("commit") or "unversioned",
        "time": None,
        "author_time": None,
        "dirty": bool(env.get("dirty")),
        "project": env.get("project") or "tracetui",
        "branch": env.get("branch") or "(unknown)",
    }


def _pytest_benchmark_version() -> str:
    from importlib.metadata import version

    return version("pytest-benchmark")


def pytest_benchmark_json(record: RunRecord, verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The run as pytest-benchmark's JSON: ``pytest-benchmark compare`` pairs it with theirs.

    Nothing but pytest-benchmark's own keys; tracetui's data (ids, counters,
    verdicts, run id, backend) is in each entry's ``extra_info["tracetui"]``.
    """
    by_id = {v.benchmark_id: v for v in verdicts}
    return {
        "machine_info": _machine_info(record.environment),
        "commit_info": _commit_info(record.environment),
        "benchmarks": [
            benchmark_entry(result, record, by_id.get(result.id))
            for result in record.results.values()
        ],
        "datetime": dt.datetime.now(dt.UTC).isoformat(),
        "version": _pytest_benchmark_version(),
    }

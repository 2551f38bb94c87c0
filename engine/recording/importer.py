"""pytest-benchmark's JSON format as tracetui results: one identity for a test.

This module owns the translation from pytest-benchmark's JSON format (what
``--benchmark-json`` and ``--benchmark-autosave`` write, from this project
or any other) to tracetui's :class:`~tracetui.engine.core.results.BenchmarkResult`
(:mod:`tracetui.engine.recording.importing` writes files into the history).

Each ``benchmarks[i]`` entry becomes one result:

- samples are ``stats.data`` (seconds per call, one per round) when the
  file has them (the default of ``--benchmark-json``), thinned evenly to
  :data:`MAX_SAMPLES` for very long runs; otherwise a synthetic
  reservoir interpolated through min/q1/median/q3/max that keeps the median
  exact, and the result's description says so;
- the id is the test's ``fullname`` as a dotted path (:func:`identity`):
  ``tests/test_sort.py::test_sort[100]`` is ``tests.test_sort.test_sort[100]``
  in suite ``tests``, whatever its group, in every import, in
  ``tracetui run --pytest`` and in a re-import of tracetui's own ``--json``.
  Entries of tracetui's own benchmarks carry their engine id in
  ``extra_info["tracetui"]`` and keep it, so their history lines up with
  ``tracetui run``;
- what pytest-benchmark wrote besides the raw data (``name``, ``fullname``,
  ``params``, ``param``, ``extra_info``, ``options``, ``stats`` with the true
  ``rounds``) is kept on the result (``result.pytest``), so a report can
  write the entry back as pytest-benchmark would.

A file that is not what it claims raises :class:`ImportFormatError` with one
line naming the file and what is missing.

:func:`result_from_entry` is also used by :mod:`tracetui.engine.interop.pytest_stream` for
live runs, so an imported file and a streamed run agree on every id.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.engine.core.names import InvalidName, check_benchmark_id, check_suite
from tracetui.engine.core.results import BenchmarkResult

if TYPE_CHECKING:
    pass

#: Size bound of a synthetic reservoir (odd, so that its median is exact).
SYNTHETIC_MAX = 63
SYNTHETIC_NOTE = "imported without raw timings: samples interpolated from min/q1/median/q3/max"
#: Most samples kept per result; longer ``stats.data`` is thinned evenly (order kept).
MAX_SAMPLES = 4096
#: The backend label of pytest-benchmark results (``import`` and ``run --pytest`` alike).
DEFAULT_BACKEND = "pytest"
#: Key in ``extra_info`` under which tracetui's pytest plugin stores engine metadata.
EXTRA_KEY = "tracetui"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class ImportFormatError(ValueError):
    """The file is not a usable pytest-benchmark JSON; the message is one line."""


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _slug(text: str, default: str) -> str:
    return _UNSAFE.sub("_", text).strip("_") or default


def split_fullname(fullname: str) -> tuple[tuple[str, ...], str, str | None]:
    """``pkg/tests/test_x.py::Cls::test_f[p]`` -> (``(pkg, tests, test_x)``, ``Cls.test_f``, ``p``).

    The module is the test file's path, one part per folder, ``.py`` dropped;
    it is empty when the fullname has no ``::`` (a bare test name).
    """
    param = None
    base = fullname
    match = re.match(r"^(.*?)\[(.*)\]$", fullname, flags=re.DOTALL)
    if match:
        base, param = match.group(1), match.group(2)
    module: tuple[str, ...] = ()
    if "::" in base:
        path, _, rest = base.partition("::")
        path = path.replace("\\", "/")
        path = path[:-3] if path.endswith(".py") else path
        parts = ("up" if part == ".." else _slug(part, "") for part in path.split("/"))
        module = tuple(part for part in parts if part)
        base = rest
    name = ".".join(part for part in base.split("::") if part) or "benchmark"
    return module, name, param


def own_metadata(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """``extra_info["tracetui"]`` of an entry (written by tracetui), or an empty mapping."""
    extra = entry.get("extra_info")
    own = extra.get(EXTRA_KEY) if isinstance(extra, Mapping) else None
    return own if isinstance(own, Mapping) else {}


def identity(entry: Mapping[str, Any]) -> tuple[str, str, str, str | None]:
    """(id, suite, name, param) of a pytest-benchmark entry: the same test, the same id.

    tracetui's own benchmarks keep their engine id (``database.item_read``,
    from ``extra_info["tracetui"]``). Any other test's id is its ``fullname``
    written as a dotted path: ``tests/test_x.py::TestA::test_f[10]`` is
    ``tests.test_x.TestA.test_f[10]`` in suite ``tests`` (the first part). The
    group is not part of the id (pytest-benchmark does not pair by it either,
    and a test may set it while it runs).
    """
    own = own_metadata(entry)
    if isinstance(own.get("id"), str) and own.get("suite"):
        return own["id"], str(own["suite"]), str(own.get("name") or own["id"]), own.get("param")
    fullname = entry.get("fullname") or entry.get("name") or ""
    module, name, param = split_fullname(str(fullname))
    parts = module or ("pytest",)
    bid = ".".join((*parts, name)) + (f"[{param}]" if param is not None else "")
    return bid, parts[0], name, param


#: The keys of a pytest-benchmark entry a result keeps, to write them back unchanged.
PYTEST_KEYS = ("name", "fullname", "params", "param", "options")


def pytest_origin(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What a result keeps of the entry pytest-benchmark wrote (all but the raw data)."""
    origin: dict[str, Any] = {key: entry.get(key) for key in PYTEST_KEYS if key in entry}
    extra = entry.get("extra_info")
    if isinstance(extra, Mapping):
        origin["extra_info"] = {k: v for k, v in extra.items() if k != EXTRA_KEY}
    stats = entry.get("stats")
    if isinstance(stats, Mapping):
        origin["stats"] = {k: v for k, v in stats.items() if k != "data"}
    return origin


def thin(data: Sequence[float], limit: int = MAX_SAMPLES) -> tuple[float, ...]:
    """At most ``limit`` values taken at evenly spaced positions, in their order."""
    if len(data) <= limit:
        return tuple(float(x) for x in data)
    step = len(data) / limit
    return tuple(float(data[int(i * step)]) for i in range(limit))


def synthetic_samples(stats: Mapping[str, Any]) -> tuple[float, ...]:
    """A reservoir through (0, min), (.25, q1), (.5, median), (.75, q3), (1, max).

    Its length is the file's ``rounds`` (odd, at most :data:`SYNTHETIC_MAX`,
    at least 5) and its median equals the file's median exactly.
    """
    lo, mid, hi = float(stats["min"]), float(stats["median"]), float(stats["max"])
    q1 = float(stats["q1"]) if _is_number(stats.get("q1")) else (lo + mid) / 2
    q3 = float(stats["q3"]) if _is_number(stats.get("q3")) else (mid + hi) / 2
    knots = [(0.0, lo), (0.25, q1), (0.5, mid), (0.75, q3), (1.0, hi)]
    rounds = stats.get("rounds")
    n = int(rounds) if _is_number(rounds) else 5
    n = max(5, min(SYNTHETIC_MAX, n))
    if n % 2 == 0:
        n += 1
    out = []
    for i in range(n):
        q = i / (n - 1)
        for (q0, v0), (q1_, v1) in pairwise(knots):
            if q <= q1_:
                out.append(v0 + (v1 - v0) * ((q - q0) / (q1_ - q0)))
                break
    out[n // 2] = mid
    return tuple(out)


def result_from_entry(entry: Any, where: str) -> BenchmarkResult:
    """One pytest-benchmark ``benchmarks[i]`` dict as a result; ``where`` names it in errors."""
    if not isinstance(entry, Mapping):
        raise ImportFormatError(f"{where} is not an object")
    if not entry.get("fullname") and not entry.get("name"):
        raise ImportFormatError(f"{where} has no 'fullname' or 'name'")
    stats = entry.get("stats")
    if stats is None:
        raise ImportFormatError(f"{where} has no 'stats'")
    if not isinstance(stats, Mapping):
        raise ImportFormatError(f"{where}.stats is not an object")
    iterations = stats.get("iterations", 1)
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
        raise ImportFormatError(f"{where}.stats.iterations is not a positive integer")
    description = ""
    data = stats.get("data")
    if data is not None:
        if not isinstance(data, Sequence) or isinstance(data, str) or not data:
            raise ImportFormatError(f"{where}.stats.data is not a non-empty list")
        if not all(_is_number(x) for x in data):
            raise ImportFormatError(f"{where}.stats.data holds something other than seconds")
        samples = thin(data)
        if len(samples) < len(data):
            description = f"{len(samples)} of {len(data)} rounds kept (evenly spaced)"
    else:
        for key in ("min", "median", "max"):
            if key not in stats:
                raise ImportFormatError(f"{where}.stats has no 'data' and no {key!r}")
            if not _is_number(stats[key]):
                raise ImportFormatError(f"{where}.stats.{key} is not a number of seconds")
        if not float(stats["min"]) <= float(stats["median"]) <= float(stats["max"]):
            raise ImportFormatError(f"{where}.stats: min <= median <= max does not hold")
        samples = synthetic_samples(stats)
        description = SYNTHETIC_NOTE
    bid, suite, name, param = identity(entry)
    try:  # these name baseline files later: never a path
        check_benchmark_id(bid, check_suite(suite))
    except InvalidName as exc:
        raise ImportFormatError(f"{where}: {exc}") from None
    own = own_metadata(entry)
    counters = {str(k): float(v) for k, v in (own.get("counters") or {}).items() if _is_number(v)}
    metrics = {str(k): float(v) for k, v in (own.get("metrics") or {}).items() if _is_number(v)}
    items = own.get("items_per_op", 1)
    return BenchmarkResult(
        id=bid,
        suite=suite,
        name=name,
        kind=str(own.get("kind") or "micro"),
        samples=samples,
        iterations=iterations,
        param=param,
        group=entry.get("group"),
        items_per_op=int(items) if _is_number(items) and items >= 1 else 1,
        counters=counters,
        metrics=metrics,
        description=description or str(own.get("description") or ""),
        pytest=pytest_origin(entry),
    )


def _read(path: Path) -> dict[str, Any]:
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFormatError(f"{label}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ImportFormatError(f"{label}: not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{label}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ImportFormatError(f"{label}: top level is not an object")
    benchmarks = data.get("benchmarks")
    if benchmarks is None:
        raise ImportFormatError(f"{label}: no 'benchmarks' list")
    if not isinstance(benchmarks, list):
        raise ImportFormatError(f"{label}: 'benchmarks' is not a list")
    if not benchmarks:
        raise ImportFormatError(f"{label}: 'benchmarks' is empty, nothing to import")
    return data


def read_results(path: Path) -> tuple[dict[str, Any], list[BenchmarkResult]]:
    """The file's top level and its results; raises :class:`ImportFormatError`."""
    data = _read(path)
    results: list[BenchmarkResult] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["benchmarks"]):
        where = f"{path.name}: benchmarks[{index}]"
        result = result_from_entry(entry, where)
        if result.id in seen:
            raise ImportFormatError(
                f"{where} has the same id {result.id!r} as benchmarks[{seen[result.id]}]"
            )
        seen[result.id] = index
        results.append(result)
    return data, results


def own_values(data: Mapping[str, Any], key: str) -> set[str]:
    return {str(own[key]) for e in data["benchmarks"] if (own := own_metadata(e)).get(key)}


def environment_of(data: Mapping[str, Any], source: str, backend: str) -> dict[str, Any]:
    """tracetui's environment fields from ``machine_info`` and ``commit_info``."""
    machine = data.get("machine_info") if isinstance(data.get("machine_info"), Mapping) else {}
    commit = data.get("commit_info") if isinstance(data.get("commit_info"), Mapping) else {}
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), Mapping) else {}
    node = str(machine.get("node") or "")
    system = " ".join(str(machine[k]) for k in ("system", "release") if machine.get(k))
    return {
        "commit": commit.get("id"),
        "branch": commit.get("branch"),
        "dirty": commit.get("dirty"),
        "project": commit.get("project"),
        "python": machine.get("python_version"),
        "python_implementation": machine.get("python_implementation"),
        "cpu": cpu.get("brand_raw") or machine.get("processor") or None,
        "cpu_count": cpu.get("count"),
        "machine": hashlib.sha256(node.encode()).hexdigest()[:12] if node else None,
        "system": system or None,
        "backend": backend,
        "source": source,
        "pytest_benchmark": data.get("version"),
        **({"machine_info": dict(machine)} if machine else {}),
        **({"commit_info": dict(commit)} if commit else {}),
    }

"""Accepted baselines and the gate policy, as TOML files under ``baselines/``.

One file per suite and backend (``baselines/bulk.sqlite.toml``) so that a
SQLite number is never compared with a PostgreSQL one, plus
``baselines/policy.toml`` for thresholds (global, per suite, per
benchmark) and budgets (absolute ceilings). Files are read with tomllib and
written with tomli-w, keys sorted, atomically: one acceptance replaces all
its files or none (:func:`tracetui.engine.core.files.write_all_atomic`).
Suite, backend and benchmark names are checked
(:mod:`tracetui.engine.core.names`) before they name a file. Nothing here
writes unless asked to accept specific results.
"""

from __future__ import annotations

import math
import random
import re
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w
from pytest_benchmark.stats import Stats
from tracetui.engine.core.files import WriteError, write_all_atomic
from tracetui.engine.core.names import (
    NAME_RE,
    InvalidName,
    check_backend,
    check_benchmark_id,
    check_suite,
)
from tracetui.engine.core.profiles import PROFILES
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging import validate
from tracetui.engine.judging.machine import describe_machine
from tracetui.engine.judging.stats import run_spread
from tracetui.engine.judging.verdicts import Reference, Thresholds

SCHEMA_VERSION = 1
DEFAULT_DIR = Path("baselines")
POLICY_FILE = "policy.toml"
RESERVOIR_SIZE = 64
MIN_RUNS_FOR_SPREAD = 3


class BaselineError(ValueError):
    """A baseline or policy file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class BaselineEntry:
    """One benchmark's accepted numbers."""

    benchmark_id: str
    kind: str
    unit: str
    values: Mapping[str, float]
    rounds: int
    iterations: int
    samples: tuple[float, ...] = ()
    counters: Mapping[str, float] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    evidence: Mapping[str, str] = field(default_factory=dict)
    windows: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def reference(self) -> Reference:
        return Reference(
            values=self.values,
            samples=self.samples,
            counters=self.counters,
            plan=self.evidence.get("plan"),
            method=self.evidence.get("method", "sequential"),
            windows=self.windows,
        )

    def to_toml(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "rounds": self.rounds,
            "iterations": self.iterations,
            "values": dict(sorted(self.values.items())),
            "samples": list(self.samples),
            "counters": dict(sorted(self.counters.items())),
            "provenance": dict(sorted(self.provenance.items())),
            "evidence": dict(sorted(self.evidence.items())),
            **(
                {"windows": {k: list(v) for k, v in sorted(self.windows.items())}}
                if self.windows
                else {}
            ),
        }

    @classmethod
    def from_toml(cls, benchmark_id: str, data: Mapping[str, Any]) -> BaselineEntry:
        values = data["values"]
        if not isinstance(values, Mapping) or not values:
            raise ValueError("'values' must be a non-empty table")
        return cls(
            benchmark_id=benchmark_id,
            kind=str(data.get("kind", "micro")),
            unit=str(data.get("unit", "s")),
            values=validate.values(values, "values"),
            rounds=int(data.get("rounds", 0)),
            iterations=int(data.get("iterations", 1)),
            samples=validate.samples(data.get("samples", ())),
            counters={str(k): float(v) for k, v in data.get("counters", {}).items()},
            provenance=dict(data.get("provenance", {})),
            evidence={str(k): str(v) for k, v in data.get("evidence", {}).items()},
            windows=_windows(data.get("windows", {})),
        )

    @classmethod
    def from_result(
        cls,
        result: BenchmarkResult,
        provenance: Mapping[str, Any],
        *,
        earlier: Sequence[BenchmarkResult] = (),
        seed: int = 0,
    ) -> BaselineEntry:
        """An entry from one result, pooled with ``earlier`` runs of the same benchmark.

        Pooling several runs puts the run-to-run noise (another process, another
        memory layout, another moment of the machine) into the reservoir and
        records its size as ``values.run_spread`` (robust sigma of the run
        medians, relative; of a load run's typical p95), which verdicts use as
        a noise floor. A load run's per-second ``windows`` are pooled likewise.
        """
        runs = [result, *earlier]
        pooled = replace(
            result,
            samples=tuple(s for r in runs for s in r.samples),
            latencies=tuple(x for r in runs for x in r.latencies),
        )
        per_run = [list(r.latencies if r.kind == "load" else r.samples) for r in runs]
        samples = [s for run in per_run for s in run]
        if len(samples) > RESERVOIR_SIZE:
            rng = random.Random(seed)
            share = max(1, RESERVOIR_SIZE // len(per_run))  # every run is represented
            samples = [s for run in per_run for s in rng.sample(run, min(share, len(run)))]
            samples = sorted(samples[:RESERVOIR_SIZE])
        windows = {
            name: _pooled([r.windows.get(name, ()) for r in runs], rng=random.Random(seed))
            for name in sorted({name for r in runs for name in r.windows})
        }
        values = {k: v for k, v in pooled.summary().items() if math.isfinite(v)}
        if len(runs) >= MIN_RUNS_FOR_SPREAD:
            from tracetui.engine.judging.load_verdicts import typical

            # Of what the benchmark is judged on: a load run's typical p95, else its median.
            values["run_spread"] = run_spread(
                [typical(r) if r.kind == "load" else r.median for r in runs]
            )
        return cls(
            benchmark_id=result.id,
            kind=result.kind,
            unit="s",
            values=values,
            rounds=pooled.rounds,
            iterations=result.iterations,
            samples=tuple(samples),
            counters=dict(result.counters),
            provenance=dict(provenance),
            evidence=dict(result.evidence),
            windows=windows,
        )


PROVENANCE_KEYS = ("commit", "machine", "fingerprint", "python", "sqlalchemy")


def provenance_of(run_id: str, environment: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """Where an accepted baseline came from: the run, its commit and machine, and ``extra``."""
    out: dict[str, Any] = {"run_id": run_id, **extra}
    out.update({k: environment[k] for k in PROVENANCE_KEYS if environment.get(k) is not None})
    if environment.get("fingerprint"):
        # The fingerprint is a hash: keep what it hashed, in words, to say which machine.
        out["fingerprint_desc"] = describe_machine(environment) or str(environment["fingerprint"])
    return out


def replaces_stronger(entry: BaselineEntry, profile: str, rounds: int | None = None) -> str:
    """Why one ``profile`` run (of ``rounds`` rounds) would replace a stronger baseline:
    one from a heavier profile, or one pooled from several runs replaced by a smoke run
    ("" if it would not). Accepting it throws evidence away: the user is told first."""
    prov = entry.provenance
    runs = 1 + len(prov.get("pooled_runs", ()))
    base_profile = str(prov.get("profile", ""))
    order = list(PROFILES)
    lighter = (
        base_profile in order
        and profile in order
        and order.index(profile) < order.index(base_profile)
    )
    if not lighter and not (runs > 1 and profile == order[0]):
        return ""
    said = f" ({rounds} rounds)" if rounds is not None else ""
    was = f"{runs} {base_profile or '?'} run{'s' if runs != 1 else ''}"
    return (
        f"replaces a baseline pooled from {was} ({entry.rounds} rounds)"
        f" with this one {profile} run{said}"
    )


def _keep_known_spread(new: BaselineEntry, old: BaselineEntry | None) -> BaselineEntry:
    """A single-run acceptance keeps the run-to-run spread measured before.

    The spread belongs to the benchmark on this machine, not to one run;
    dropping it would silently remove the noise floor (see verdicts).
    """
    if old is None or "run_spread" in new.values or "run_spread" not in old.values:
        return new
    return replace(
        new,
        values={**new.values, "run_spread": old.values["run_spread"]},
        provenance={
            **new.provenance,
            "run_spread_from": old.provenance.get("run_id", "an earlier baseline"),
        },
    )


@dataclass(frozen=True)
class BaselineFile:
    path: Path
    suite: str
    backend: str
    entries: Mapping[str, BaselineEntry]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read ({exc.strerror})") from None


POLICY_TABLES = frozenset({"schema", "thresholds", "budgets"})
#: Metrics a budget may name: pytest-benchmark's Stats fields, percentiles, suite metrics.
BUDGET_METRICS = frozenset(
    {
        *(f for f in Stats.fields if f != "outliers"),
        "p50",
        "p95",
        "p99",
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "rps",
        "failure_ratio",
        "peak_rps",
        "saturation_users",
        "items_per_s",
    }
)
_STEP_METRIC = re.compile(r"(rps|p95)_at_\d+")


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, not {value!r}")
    return float(value)


def _budgets(raw: Any) -> dict[str, dict[str, float]]:
    """``[budgets."<id>"] <metric> = <positive number>``, every part checked."""
    if not isinstance(raw, Mapping):
        raise ValueError("'budgets' must be a table of benchmark ids")
    out: dict[str, dict[str, float]] = {}
    for bid, table in raw.items():
        check_benchmark_id(bid)
        if not isinstance(table, Mapping) or not table:
            raise ValueError(f"budget {bid!r} must be a table of metric = ceiling")
        out[bid] = {}
        for metric, value in table.items():
            if metric not in BUDGET_METRICS and not _STEP_METRIC.fullmatch(metric):
                raise ValueError(
                    f"budget {bid!r}: unknown metric {metric!r} "
                    f"(e.g. median, mean, p95, rps, failure_ratio)"
                )
            ceiling = _finite(value, f"budget {bid!r}.{metric}")
            if ceiling < 0 or (ceiling == 0 and metric != "failure_ratio"):
                raise ValueError(f"budget {bid!r}.{metric} must be positive, not {value!r}")
            out[bid][metric] = ceiling
    return out


def _check_threshold_numbers(table: Mapping[str, Any], where: str) -> None:
    for key, value in table.items():
        if key != "metric" and not isinstance(value, Mapping):
            _finite(value, f"{where}.{key}")


@dataclass(frozen=True)
class Policy:
    """Thresholds (global, per suite, per benchmark) and budgets by benchmark id."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    suite_thresholds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    benchmark_thresholds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    budgets: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def thresholds_for(self, benchmark_id: str) -> Thresholds:
        suite = benchmark_id.split(".", 1)[0]
        t = self.thresholds.merged(self.suite_thresholds.get(suite, {}))
        return t.merged(self.benchmark_thresholds.get(benchmark_id, {}))

    def budgets_for(self, benchmark_id: str) -> Mapping[str, float]:
        return self.budgets.get(benchmark_id, {})


class BaselineStore:
    """The ``baselines/`` folder: per-suite-and-backend files and the policy."""

    def __init__(self, root: Path | str = DEFAULT_DIR) -> None:
        self.root = Path(root)

    def path_for(self, suite: str, backend: str) -> Path:
        """``<root>/<suite>.<backend>.toml``; a name that is not a plain name is refused."""
        try:
            return self.root / f"{check_suite(suite)}.{check_backend(backend)}.toml"
        except InvalidName as exc:
            raise BaselineError(str(exc)) from None

    def load(self, suite: str, backend: str) -> BaselineFile:
        """The suite's baselines; an absent file is an empty one (every result NEW)."""
        path = self.path_for(suite, backend)
        if not path.exists():
            return BaselineFile(path, suite, backend, {})
        data = _read_toml(path)
        schema = data.get("schema")
        if schema != SCHEMA_VERSION:
            raise BaselineError(
                f"{path}: schema {schema!r} is not supported (expected {SCHEMA_VERSION})"
            )
        raw = data.get("benchmarks", {})
        if not isinstance(raw, Mapping):
            raise BaselineError(f"{path}: 'benchmarks' must be a table")
        entries = {}
        for bid, entry in raw.items():
            try:
                entries[bid] = BaselineEntry.from_toml(bid, entry)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
                raise BaselineError(f"{path}: benchmark {bid!r}: {detail}") from None
        return BaselineFile(path, suite, backend, entries)

    def references(self, suites: Iterable[str], backend: str) -> dict[str, BaselineEntry]:
        out: dict[str, BaselineEntry] = {}
        for suite in suites:
            out.update(self.load(suite, backend).entries)
        return out

    def load_policy(self) -> Policy:
        path = self.root / POLICY_FILE
        if not path.exists():
            return Policy()
        data = _read_toml(path)
        try:
            unknown = sorted(set(data) - POLICY_TABLES)
            if unknown:
                raise ValueError(
                    f"unknown table(s) {', '.join(unknown)} (expected thresholds, budgets)"
                )
            raw_t = dict(data.get("thresholds", {}))
            suites = raw_t.pop("suites", {})
            benchmarks = raw_t.pop("benchmarks", {})
            _check_threshold_numbers(raw_t, "thresholds")
            for kind, tables in (("suites", suites), ("benchmarks", benchmarks)):
                for name, table in tables.items():
                    _check_threshold_numbers(table, f"thresholds.{kind}.{name}")
            global_t = Thresholds().merged(raw_t)
            policy = Policy(
                thresholds=global_t,
                suite_thresholds=suites,
                benchmark_thresholds=benchmarks,
                budgets=_budgets(data.get("budgets", {})),
            )
            for name in suites:
                check_suite(name)
                policy.thresholds_for(f"{name}.x")
            for name in benchmarks:
                policy.thresholds_for(check_benchmark_id(name))
        except (TypeError, ValueError, AttributeError) as exc:
            raise BaselineError(f"{path}: {exc}") from None
        return policy

    def accept(
        self,
        results: Iterable[BenchmarkResult],
        *,
        backend: str,
        provenance: Mapping[str, Any],
        earlier: Mapping[str, Sequence[BenchmarkResult]] | None = None,
    ) -> list[Path]:
        """Write these results as the new baselines; return the files that changed.

        ``earlier`` maps a benchmark id to results of earlier runs to pool with
        this one (see :meth:`BaselineEntry.from_result`).

        Every touched file is loaded first (a malformed one stops the whole
        accept before anything is written), then all are replaced as one
        change: every file, or none (:func:`write_all_atomic`).
        """
        by_suite: dict[str, list[BenchmarkResult]] = {}
        for result in results:
            try:
                check_benchmark_id(result.id, result.suite)
            except InvalidName as exc:
                raise BaselineError(f"cannot accept: {exc}") from None
            by_suite.setdefault(result.suite, []).append(result)
        files = {suite: self.load(suite, backend) for suite in by_suite}
        changed: list[tuple[Path, bytes]] = []
        accepted_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for suite, suite_results in sorted(by_suite.items()):
            current = files[suite]
            entries = dict(current.entries)
            for result in suite_results:
                entry = BaselineEntry.from_result(
                    result,
                    {**provenance, "accepted_at": accepted_at},
                    earlier=(earlier or {}).get(result.id, ()),
                )
                entries[result.id] = _keep_known_spread(entry, current.entries.get(result.id))
            document = {
                "schema": SCHEMA_VERSION,
                "suite": suite,
                "backend": backend,
                "benchmarks": {bid: entries[bid].to_toml() for bid in sorted(entries)},
            }
            payload = tomli_w.dumps(document).encode()
            old = current.path.read_bytes() if current.path.exists() else None
            if payload != old:
                changed.append((current.path, payload))
        try:
            write_all_atomic(changed)
        except WriteError as exc:
            raise BaselineError(f"{exc}; no baseline file changed") from None
        return [path for path, _ in changed]

    def all_files(self) -> list[Path]:
        """Baseline files whose name is ``<suite>.<backend>.toml`` with valid names."""
        return sorted(
            p
            for p in self.root.glob("*.*.toml")
            if len(parts := p.name.split(".")) == 3
            and NAME_RE.fullmatch(parts[0])
            and NAME_RE.fullmatch(parts[1])
        )


def _pooled(per_run: Sequence[Sequence[float]], *, rng: random.Random) -> tuple[float, ...]:
    """Every run's windows, at most RESERVOIR_SIZE in all with every run represented."""
    if sum(len(run) for run in per_run) <= RESERVOIR_SIZE:
        return tuple(x for run in per_run for x in run)
    share = max(1, RESERVOIR_SIZE // len(per_run))
    return tuple(x for run in per_run for x in rng.sample(list(run), min(share, len(run))))[
        :RESERVOIR_SIZE
    ]


def _windows(raw: Any) -> dict[str, tuple[float, ...]]:
    """A baseline's window series: a table of lists of positive finite numbers."""
    if not isinstance(raw, Mapping):
        raise ValueError("'windows' must be a table of lists")
    out: dict[str, tuple[float, ...]] = {}
    for name, series in raw.items():
        if not isinstance(series, list):
            raise ValueError(f"windows.{name} must be a list of numbers")
        values = tuple(float(x) for x in series)
        if not all(math.isfinite(x) and x > 0 for x in values):
            raise ValueError(f"windows.{name} must hold positive finite numbers")
        out[str(name)] = values
    return out

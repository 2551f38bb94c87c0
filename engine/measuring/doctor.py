"""How noisy is this machine? Timer, CPU and run-to-run spread, with advice.

``tracetui doctor`` measures for a few seconds and says the smallest
regression that can be told from noise here; every run prints a one-line
version first. The reference workload is pure Python arithmetic so that it
measures the machine, not a database.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tracetui.engine.judging.stats import percentile, run_spread


@dataclass(frozen=True)
class NoiseReport:
    timer_resolution: float  # seconds, as the clock reports it
    timer_overhead: float  # seconds, measured cost of one perf_counter() call
    cpu_count: int
    load_average: float  # 1-minute
    governor: str | None
    isolated_cpus: str | None
    round_spread: float  # relative IQR of single rounds
    run_spread: float  # relative robust sigma of per-run medians
    detectable: float  # smallest reliable regression (fraction)
    warnings: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def one_line(self) -> str:
        return (
            f"noise check: run-to-run spread ±{self.run_spread:.1%}, smallest reliable "
            f"regression ≈{self.detectable:.0%}, load {self.load_average:.2f} on "
            f"{self.cpu_count} CPUs" + (f" — {self.warnings[0]}" if self.warnings else "")
        )


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip() or None
    except OSError:
        return None


def _workload(n: int = 2000) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _timer_overhead(samples: int = 10_000) -> float:
    clock = time.perf_counter
    t0 = clock()
    for _ in range(samples):
        clock()
    return (clock() - t0) / samples


def measure(seconds: float = 3.0, *, warning_threshold: float = 0.15) -> NoiseReport:
    """Measure for about ``seconds``: runs of rounds of a calibrated reference workload."""
    clock = time.perf_counter
    # Calibrate one round to ~2 ms.
    loops = 1
    while True:
        t0 = clock()
        for _ in range(loops):
            _workload()
        if clock() - t0 >= 0.002:
            break
        loops *= 2
    runs: list[list[float]] = []
    deadline = clock() + seconds
    while clock() < deadline or len(runs) < 4:
        rounds = []
        for _ in range(15):
            t0 = clock()
            for _ in range(loops):
                _workload()
            rounds.append(clock() - t0)
        runs.append(rounds)
        if len(runs) >= 200:
            break
    medians = [statistics.median(r) for r in runs]
    center = statistics.median(medians)
    all_rounds = [x for r in runs for x in r]
    round_spread = (percentile(all_rounds, 75) - percentile(all_rounds, 25)) / center
    spread = run_spread(medians)
    # Two runs' medians differ by up to ~2.8 sigma (95 %, difference of two) by chance alone.
    detectable = max(2.8 * spread, 0.01)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cpus = os.cpu_count() or 1
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    isolated = _read("/sys/devices/system/cpu/isolated")
    warnings, advice = [], []
    if detectable > warning_threshold:
        warnings.append(
            f"this machine cannot reliably detect a {warning_threshold:.0%} regression "
            f"(needs ≈{detectable:.0%})"
        )
    if load > cpus * 0.5:
        warnings.append(f"the machine is busy (load {load:.2f} on {cpus} CPUs)")
        advice.append("run on a quiet machine: stop builds, browsers and other benchmarks")
    if governor and governor != "performance":
        advice.append(
            f"CPU governor is '{governor}': set 'performance' "
            "(cpupower frequency-set -g performance, or `python -m pyperf system tune`)"
        )
    if not isolated:
        advice.append(
            "pin the worker to a CPU kept free of other work "
            "(isolcpus=/nohz_full= on the kernel command line, then taskset -c N tracetui run …)"
        )
    advice.append("use --profile thorough for small effects; it runs more rounds")
    return NoiseReport(
        timer_resolution=time.get_clock_info("perf_counter").resolution,
        timer_overhead=_timer_overhead(),
        cpu_count=cpus,
        load_average=load,
        governor=governor,
        isolated_cpus=isolated,
        round_spread=round_spread,
        run_spread=spread,
        detectable=detectable,
        warnings=warnings,
        advice=advice,
    )

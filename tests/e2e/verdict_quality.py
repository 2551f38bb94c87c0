"""Measure the gate itself: false positives (A/A) and sensitivity to a real slowdown.

Not a test (it asserts nothing and takes minutes); the numbers go in notes.

    python -m tests.e2e.verdict_quality aa --runs 5 --profile smoke database bulk
    python -m tests.e2e.verdict_quality slowdown --runs 10 --factor 0.25 \\
        --operation count_by_status database

A/A runs the selection against the committed baselines on unchanged code
and counts WARNING/CRITICAL verdicts. ``slowdown`` injects a test-only
patch (a ``sitecustomize`` on the worker's path that stretches one
``TraceService`` method by ``factor`` of its own duration) and counts the
runs in which the benchmark of that operation is flagged, and any other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PATCH = """
import time
from tracetui.suites.trace import service as _service

_original = _service.TraceService.{operation}

def _slow(self, *args, **kwargs):
    t0 = time.perf_counter()
    value = _original(self, *args, **kwargs)
    end = time.perf_counter() + (time.perf_counter() - t0) * {factor}
    while time.perf_counter() < end:
        pass
    return value

_service.TraceService.{operation} = _slow
"""


def run_once(selection: list[str], profile: str, workdir: Path, patch: Path | None) -> dict:
    env = {**os.environ, "TRACETUI_HISTORY": str(workdir / "history.db")}
    if patch is not None:
        env["PYTHONPATH"] = str(patch) + os.pathsep + env.get("PYTHONPATH", "")
    out = workdir / "out.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tracetui.cli.main",
            "run",
            *selection,
            "--ci",
            "--profile",
            profile,
            "--db",
            f"sqlite:///{workdir / 'trace.db'}",
            "--json",
            str(out),
            "--no-noise-check",
            "--baselines",
            str(ROOT / "baselines"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    entries = json.loads(out.read_text())["benchmarks"]
    own = [e["extra_info"]["tracetui"] for e in entries]
    return {o["id"]: o["level"] for o in own if "level" in o}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["aa", "slowdown"])
    parser.add_argument("selection", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="standard")
    parser.add_argument("--factor", type=float, default=0.25)
    parser.add_argument("--operation", default="count_by_status")
    args = parser.parse_args()
    flagged_levels = {"WARNING", "CRITICAL"}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        patch = None
        if args.mode == "slowdown":
            patch = workdir / "patch"
            patch.mkdir()
            (patch / "sitecustomize.py").write_text(
                PATCH.format(operation=args.operation, factor=args.factor)
            )
        per_benchmark: Counter[str] = Counter()
        levels: Counter[str] = Counter()
        total = 0
        for n in range(1, args.runs + 1):
            verdicts = run_once(args.selection, args.profile, workdir, patch)
            flagged = sorted(b for b, level in verdicts.items() if level in flagged_levels)
            per_benchmark.update(flagged)
            levels.update(verdicts.values())
            total += len(verdicts)
            print(
                f"run {n}: {len(verdicts)} verdicts, flagged: {', '.join(flagged) or 'none'}",
                flush=True,
            )
        print(f"levels over {args.runs} runs: {dict(levels)}")
        bad = sum(per_benchmark.values())
        print(
            f"benchmark-runs flagged: {bad} of {total} ({bad / total:.1%}); "
            f"clean: {1 - bad / total:.1%}"
        )
        for bid, count in per_benchmark.most_common():
            print(f"  {bid}: flagged in {count} of {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

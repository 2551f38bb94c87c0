"""The machine factor: another fingerprint or moved floors are divided out and said first."""

from __future__ import annotations

import pytest
from tracetui.engine.core.environment import collect, fingerprint
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import BaselineEntry, Policy
from tracetui.engine.judging.machine import estimate
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording.session import RunRecord, evaluate

FLOOR = "database.raw_sqlite3_lookup_by_id"
SERVICE = "database.item_read"
WIGGLE = (0.99, 1.01, 1.0, 0.98, 1.02, 1.0, 0.995, 1.005)


def result(bid: str, median: float) -> BenchmarkResult:
    return BenchmarkResult(
        id=bid,
        suite="database",
        name=bid.split(".", 1)[1],
        kind="micro",
        samples=tuple(median * w for w in WIGGLE),
        counters={"sql_statements": 1.0},
    )


def entry(bid: str, median: float, machine: str | None = "aaaa") -> BaselineEntry:
    return BaselineEntry(
        benchmark_id=bid,
        kind="micro",
        unit="s",
        values={"median": median},
        rounds=8,
        iterations=1,
        samples=tuple(median * w for w in WIGGLE),
        counters={"sql_statements": 1.0},
        provenance={"fingerprint": machine} if machine else {},
    )


def run(
    floor: float, service: float, *, machine: str = "aaaa", floors: bool = True
) -> tuple[RunRecord, list]:
    results = {SERVICE: result(SERVICE, service)}
    if floors:
        results[FLOOR] = result(FLOOR, floor)
    record = RunRecord(
        run_id="r",
        benchmark_ids=tuple(results),
        environment={"fingerprint": machine},
        results=results,
    )
    references = {FLOOR: entry(FLOOR, 4e-6), SERVICE: entry(SERVICE, 60e-6)}
    return record, evaluate(record, references, Policy(), planned_suites=())


def test_fingerprint_is_what_decides_speed_not_the_machine_id() -> None:
    env = collect("sqlite://")
    assert env["fingerprint"] == fingerprint(env)
    assert fingerprint({**env, "cpu_count": 16}) != env["fingerprint"]
    assert fingerprint({**env, "machine": "another-id"}) == env["fingerprint"]


def test_same_machine_and_quiet_floors_change_nothing() -> None:
    record, verdicts = run(4e-6 * 1.05, 60e-6 * 1.4)
    assert record.machine_note == ""
    assert {v.benchmark_id: v.level for v in verdicts}[SERVICE] == Level.CRITICAL


def test_another_machine_is_divided_out_and_said_first() -> None:
    record, verdicts = run(4e-6 / 0.6, 60e-6 / 0.6, machine="bbbb")
    assert record.machine_note.startswith(
        "baseline measured on another machine: this one ×1.67 on the floors"
    )
    assert "for a gate use --against" in record.machine_note
    assert all(v.level == Level.INFO for v in verdicts)


def test_another_machine_still_names_a_real_slowdown() -> None:
    _, verdicts = run(4e-6 / 0.6, 60e-6 / 0.6 * 1.5, machine="bbbb")
    levels = {v.benchmark_id: v.level for v in verdicts}
    assert levels == {SERVICE: Level.CRITICAL, FLOOR: Level.INFO}
    service = next(v for v in verdicts if v.benchmark_id == SERVICE)
    assert service.baseline == pytest.approx(60e-6 / 0.6, rel=1e-9)  # the adjusted baseline


def test_moved_floors_on_the_same_fingerprint_are_divided_out() -> None:
    record, verdicts = run(4e-6 * 1.4, 60e-6 * 1.4)
    assert record.machine_note.startswith("the floors moved since the baseline was measured")
    assert "×1.40" in record.machine_note
    assert all(v.level == Level.INFO for v in verdicts)


def test_another_machine_without_floors_cannot_fail_on_time() -> None:
    record, verdicts = run(0, 60e-6 * 2, machine="bbbb", floors=False)
    assert "no floors" in record.machine_note
    assert [v.level for v in verdicts] == [Level.INCONCLUSIVE]
    assert not verdicts[0].fails(Level.WARNING)


def test_estimate_needs_the_floors_to_agree() -> None:
    results = {
        FLOOR: result(FLOOR, 4e-6 * 1.5),
        "bulk.raw_sqlite3_create_items[100]": result("bulk.raw_sqlite3_create_items[100]", 0.9e-3),
    }
    references = {
        FLOOR: entry(FLOOR, 4e-6),
        "bulk.raw_sqlite3_create_items[100]": entry("bulk.raw_sqlite3_create_items[100]", 1e-3),
    }
    assert estimate(results, references, "aaaa") is None  # one up, one down: not the machine


def test_floors_that_disagree_give_no_factor_and_time_cannot_fail() -> None:
    results = {
        FLOOR: result(FLOOR, 4e-6 * 1.6),
        "bulk.raw_sqlite3_create_items[1000]": result("bulk.raw_sqlite3_create_items[1000]", 12e-3),
        SERVICE: result(SERVICE, 60e-6 * 3),
    }
    references = {
        FLOOR: entry(FLOOR, 4e-6),
        "bulk.raw_sqlite3_create_items[1000]": entry("bulk.raw_sqlite3_create_items[1000]", 1e-3),
        SERVICE: entry(SERVICE, 60e-6),
    }
    record = RunRecord(
        run_id="r", benchmark_ids=tuple(results), environment={"fingerprint": "bbbb"},
        results=results,
    )  # fmt: skip
    verdicts = evaluate(record, references, Policy(), planned_suites=())
    assert "the floors disagree (×1.60 to ×12.00" in record.machine_note
    assert not any(v.fails(Level.WARNING) for v in verdicts)


def test_a_ci_rerun_keeps_the_first_runs_machine_verdict() -> None:
    """First run: floors disagree on another machine, so time cannot gate (INCONCLUSIVE).
    The --ci re-run of the doubtful ones re-measures one floor that now agrees with a
    small factor; judged with its own estimate, the service would turn CRITICAL. The
    first run's machine estimate applies to the re-run: still not gating."""
    from tracetui.cli.headless import confirm_doubtful
    from tracetui.engine.recording.session import RunRecorder

    other = "bbbb"
    second_floor = "bulk.raw_sqlite3_create_items[100]"
    references = {
        FLOOR: entry(FLOOR, 4e-6),
        second_floor: entry(second_floor, 1e-3),
        SERVICE: entry(SERVICE, 60e-6),
    }
    first_results = {
        FLOOR: result(FLOOR, 6.4e-6),  # ×1.6
        second_floor: result(second_floor, 2.6e-3),  # ×2.6: the floors disagree
        SERVICE: result(SERVICE, 120e-6),  # ×2 on a machine that is ×1.6…×2.6
    }
    recorder = RunRecorder("r")
    recorder.record.benchmark_ids = tuple(first_results)
    recorder.record.environment = {"fingerprint": other}
    recorder.record.results = dict(first_results)
    verdicts = evaluate(recorder.record, references, Policy(), planned_suites=())
    levels = {v.benchmark_id: v.level for v in verdicts}
    assert levels[SERVICE] is levels[FLOOR] is levels[second_floor] is Level.INCONCLUSIVE

    def rerun(ids: tuple[str, ...]) -> RunRecord:
        again = {  # both floors re-measured in a fast phase: they agree on ×1.05
            FLOOR: result(FLOOR, 4.2e-6),
            second_floor: result(second_floor, 1.05e-3),
            SERVICE: result(SERVICE, 120e-6),
        }
        return RunRecord(
            run_id="again",
            benchmark_ids=tuple(b for b in ids if b in again),
            environment={"fingerprint": other},
            results={b: again[b] for b in ids if b in again},
        )

    final = confirm_doubtful(rerun, recorder, verdicts, references, Policy())
    assert {v.benchmark_id: v.level for v in final}[SERVICE] is Level.INCONCLUSIVE


def whole_run(
    factor: float, slower: dict[str, float], *, floor_ratios: tuple[float, ...]
) -> tuple[RunRecord, dict[str, Level]]:
    """Eight service benchmarks and the floors, every time × ``factor`` on another machine
    (``slower``: some benchmarks slower still), judged against the baselines."""
    services = [f"database.op{i}" for i in range(8)]
    floors = [f"bulk.raw_sqlite3_create_items[{n}]" for n in (100, 500, 1000)][: len(floor_ratios)]
    results = {bid: result(bid, 60e-6 * factor * slower.get(bid, 1.0)) for bid in services} | {
        bid: result(bid, 1e-3 * ratio) for bid, ratio in zip(floors, floor_ratios, strict=True)
    }
    references = {bid: entry(bid, 60e-6) for bid in services} | {
        bid: entry(bid, 1e-3) for bid in floors
    }
    record = RunRecord(
        run_id="r", benchmark_ids=tuple(results), environment={"fingerprint": "bbbb"},
        results=results,
    )  # fmt: skip
    verdicts = evaluate(record, references, Policy(), planned_suites=())
    assert not any(v.fails(Level.WARNING) for v in verdicts)  # a machine never fails the build
    return record, {v.benchmark_id: v.level for v in verdicts}


def test_floors_that_disagree_leave_the_whole_runs_median_as_the_factor() -> None:
    """Every baseline × 0.6 on a VM whose floors drifted apart (measured: ×1.38 to ×2.56):
    the run's median says ×1.67, first, and nothing fails the build."""
    record, levels = whole_run(1 / 0.6, {}, floor_ratios=(1.38, 2.56))
    first = record.machine_note.splitlines()[0]
    assert first.startswith("baseline measured on another machine: this one ×1.67, the median")
    assert "the floors disagree, ×1.38 to ×2.56" in first
    assert {levels[f"database.op{i}"] for i in range(8)} == {Level.INFO}
    assert len(record.machine_note.splitlines()) == 1  # no benchmark is slower than that


def test_a_slowdown_beyond_the_whole_runs_factor_is_named_but_does_not_gate() -> None:
    record, levels = whole_run(1 / 0.6, {"database.op3": 1.5}, floor_ratios=(1.38, 2.56))
    assert levels["database.op3"] is Level.INCONCLUSIVE  # would be CRITICAL: +50 %
    assert levels["database.op0"] is Level.INFO
    named = record.machine_note.splitlines()[1]
    assert named == "slower than the machine factor explains (not gating): database.op3 +50 %"


def test_another_machine_without_floors_takes_the_whole_runs_factor() -> None:
    record, levels = whole_run(2.0, {}, floor_ratios=())
    assert "this one ×2.00, the median of 8 benchmarks (no raw sqlite3 floors" in (
        record.machine_note
    )
    assert set(levels.values()) == {Level.INFO}

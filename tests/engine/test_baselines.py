from __future__ import annotations

import os
from pathlib import Path

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import BaselineError, BaselineStore


def make(bid: str, scale: float = 1.0, n: int = 10) -> BenchmarkResult:
    suite, name = bid.split(".", 1)
    return BenchmarkResult(
        id=bid,
        suite=suite,
        name=name,
        kind="micro",
        samples=tuple(0.001 * scale * (1 + i / 100) for i in range(n)),
        counters={"sql_statements": 1.0},
    )


def test_round_trip_keeps_values_samples_counters_provenance(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    changed = store.accept(
        [make("bulk.a"), make("bulk.b", 2.0)],
        backend="sqlite",
        provenance={"run_id": "r1", "commit": "abc"},
    )
    assert changed == [tmp_path / "bulk.sqlite.toml"]
    loaded = store.load("bulk", "sqlite")
    entry = loaded.entries["bulk.b"]
    assert entry.values["median"] == pytest.approx(make("bulk.b", 2.0).median)
    assert entry.samples == make("bulk.b", 2.0).samples
    assert entry.counters == {"sql_statements": 1.0}
    assert entry.provenance["run_id"] == "r1"
    assert "accepted_at" in entry.provenance
    text = (tmp_path / "bulk.sqlite.toml").read_text()
    assert text.startswith("schema = 1\n")
    assert text.index('"bulk.a"') < text.index('"bulk.b"')  # sorted keys, small diffs


def test_backends_are_kept_apart(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.accept([make("bulk.a")], backend="sqlite", provenance={})
    assert store.load("bulk", "postgresql").entries == {}


def test_accepting_one_result_leaves_the_others_byte_identical(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.accept([make("bulk.a"), make("bulk.b")], backend="sqlite", provenance={})
    store.accept([make("db.x")], backend="sqlite", provenance={})
    before_db = (tmp_path / "db.sqlite.toml").read_bytes()
    before = store.load("bulk", "sqlite").entries["bulk.b"]
    changed = store.accept([make("bulk.a", 3.0)], backend="sqlite", provenance={})
    assert changed == [tmp_path / "bulk.sqlite.toml"]
    assert store.load("bulk", "sqlite").entries["bulk.b"] == before
    assert (tmp_path / "db.sqlite.toml").read_bytes() == before_db


def test_reservoir_is_bounded(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.accept([make("bulk.a", n=500)], backend="sqlite", provenance={})
    assert len(store.load("bulk", "sqlite").entries["bulk.a"].samples) == 64


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("schema = 1\n[benchmarks", "not valid TOML"),
        ("schema = 99\n", "schema 99 is not supported"),
        ('schema = 1\n[benchmarks."bulk.a"]\nunit = "s"\n', "missing 'values'"),
        ("schema = 1\nbenchmarks = 3\n", "'benchmarks' must be a table"),
    ],
)
def test_malformed_file_names_itself(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bulk.sqlite.toml").write_text(content)
    with pytest.raises(BaselineError) as err:
        BaselineStore(tmp_path).load("bulk", "sqlite")
    assert str(tmp_path / "bulk.sqlite.toml") in str(err.value)
    assert message in str(err.value)


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BaselineStore(tmp_path)
    store.accept([make("bulk.a")], backend="sqlite", provenance={})
    before = (tmp_path / "bulk.sqlite.toml").read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(BaselineError, match="disk full; no baseline file changed"):
        store.accept([make("bulk.a", 5.0)], backend="sqlite", provenance={})
    assert (tmp_path / "bulk.sqlite.toml").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bulk.sqlite.toml"]  # no temp file left


def test_policy_thresholds_resolve_most_specific_first(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(
        "schema = 1\n[thresholds]\nwarning = 0.1\ncritical = 0.2\n"
        "[thresholds.suites.bulk]\nwarning = 0.12\n"
        '[thresholds.benchmarks."bulk.a"]\ncritical = 0.5\n'
        '[budgets."bulk.a"]\nmedian = 0.05\n'
    )
    policy = BaselineStore(tmp_path).load_policy()
    assert policy.thresholds_for("db.x").warning == 0.1
    assert policy.thresholds_for("bulk.b").warning == 0.12
    assert policy.thresholds_for("bulk.a").critical == 0.5
    assert policy.thresholds_for("bulk.a").warning == 0.12
    assert policy.budgets_for("bulk.a") == {"median": 0.05}


def test_bad_policy_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text("[thresholds]\nwarning = 0.5\ncritical = 0.1\n")
    with pytest.raises(BaselineError, match=r"policy\.toml"):
        BaselineStore(tmp_path).load_policy()


def test_committed_baselines_and_policy_load() -> None:
    root = Path(__file__).resolve().parents[2] / "baselines"
    store = BaselineStore(root)
    policy = store.load_policy()
    for path in store.all_files():
        suite, backend = path.name.split(".")[:2]
        assert store.load(suite, backend).entries
    assert policy.budgets_for("bulk.create_items[1000]") == {"median": 5.0}


def test_pooling_runs_records_the_run_to_run_spread(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    runs = [make("bulk.a", scale) for scale in (1.0, 1.1, 0.9, 1.0, 1.05)]
    store.accept([runs[0]], backend="sqlite", provenance={}, earlier={"bulk.a": runs[1:]})
    entry = store.load("bulk", "sqlite").entries["bulk.a"]
    assert entry.rounds == 50
    assert entry.values["run_spread"] == pytest.approx(1.4826 * 0.05, rel=0.01)
    assert len(entry.samples) <= 64
    single = BaselineStore(tmp_path / "one")
    single.accept([runs[0]], backend="sqlite", provenance={})
    assert "run_spread" not in single.load("bulk", "sqlite").entries["bulk.a"].values


def test_a_single_run_acceptance_keeps_the_known_run_spread(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    runs = [make("bulk.a", scale) for scale in (1.0, 1.1, 0.9)]
    store.accept(
        [runs[0]], backend="sqlite", provenance={"run_id": "pooled"}, earlier={"bulk.a": runs[1:]}
    )
    spread = store.load("bulk", "sqlite").entries["bulk.a"].values["run_spread"]
    store.accept([make("bulk.a", 1.02)], backend="sqlite", provenance={"run_id": "single"})
    entry = store.load("bulk", "sqlite").entries["bulk.a"]
    assert entry.values["run_spread"] == spread
    assert entry.provenance["run_spread_from"] == "pooled"
    assert entry.values["median"] == pytest.approx(make("bulk.a", 1.02).median)

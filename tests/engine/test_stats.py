from __future__ import annotations

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.stats import compare_samples, mann_whitney, median_ci, percentile


def test_percentile_interpolates_like_numpy() -> None:
    data = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert percentile(data, 50) == 3.0
    assert percentile(data, 95) == pytest.approx(4.8)
    assert percentile(data, 0) == 1.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_result_stats_come_from_pytest_benchmark() -> None:
    r = BenchmarkResult(
        id="s.b", suite="s", name="b", kind="micro", samples=(1.0, 2.0, 3.0, 4.0, 100.0)
    )
    assert r.median == 3.0
    assert r.stats.min == 1.0
    assert r.stats.max == 100.0
    assert r.stats.mean == 22.0
    assert r.value("p95") == pytest.approx(80.8)
    assert r.stats.iqr == pytest.approx(26.25)  # pytest-benchmark quartiles
    assert r.summary()["ops"] == pytest.approx(1 / 22.0)


def test_result_needs_samples() -> None:
    with pytest.raises(ValueError):
        BenchmarkResult(id="s.b", suite="s", name="b", kind="micro", samples=())


def test_mann_whitney_separates_disjoint_samples() -> None:
    slow = [2.0, 2.1, 2.2, 2.3, 2.4]
    fast = [1.0, 1.1, 1.2, 1.3, 1.4]
    p_greater, p_less = mann_whitney(slow, fast)
    assert p_greater == pytest.approx(0.003968, abs=1e-5)  # 1 / C(10, 5)
    assert p_less > 0.99


def test_mann_whitney_of_identical_constants_is_not_evidence() -> None:
    assert mann_whitney([1.0, 1.0], [1.0, 1.0]) == (1.0, 1.0)


def test_compare_samples_ratio_and_interval() -> None:
    cmp = compare_samples([2.0, 2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    assert cmp.ratio == 2.0
    assert cmp.low == cmp.high == 2.0
    assert cmp.p_slower < 0.05


def test_median_ci_contains_the_median() -> None:
    data = [float(x) for x in range(1, 101)]
    low, high = median_ci(data)
    assert low < 50.5 < high
    # scipy.stats.quantile_test(range(1, 101), p=0.5).confidence_interval(): (40.0, 61.0)
    assert (low, high) == (40.0, 61.0)


@pytest.mark.parametrize(
    ("n", "expected"),
    # scipy.stats.quantile_test(np.arange(1, n + 1), p=0.5).confidence_interval(0.95)
    [(6, (1.0, 6.0)), (8, (1.0, 8.0)), (10, (2.0, 9.0)), (20, (6.0, 15.0)), (100, (40.0, 61.0))],
)
def test_median_ci_equals_scipys_quantile_test(n: int, expected: tuple[float, float]) -> None:
    assert median_ci([float(x) for x in range(1, n + 1)]) == expected


def test_median_ci_of_few_samples_is_the_range() -> None:
    # below 6 samples no order statistics reach 95 % (scipy answers nan): the extremes
    assert median_ci([3.0, 1.0, 2.0]) == (1.0, 3.0)
    assert median_ci([5.0]) == (5.0, 5.0)

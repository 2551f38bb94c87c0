"""Every value carries its own unit and says what it counts."""

from __future__ import annotations

from tracetui.engine.recording.reports import format_value
from tracetui.tui import format as fmt


def test_the_saturation_point_is_in_users_not_seconds():
    assert fmt.metric_value(10.0, "s", "saturation_users") == "10 users"
    assert format_value(10.0, "saturation_users") == "10 users"  # history and reports too
    assert fmt.metric_label("saturation_users") == "saturation point"


def test_times_rates_and_ratios_keep_their_units():
    assert fmt.metric_value(0.00456, "s", "median") == "4.56 ms"
    assert fmt.metric_value(219.0, "s", "rps") == "219.0/s"
    assert fmt.metric_value(0.012, "s", "failure_ratio") == "1.20%"
    assert fmt.metric_label("median") == "median per call"
    assert fmt.metric_label("p95") == "p95 per request"


def test_what_a_live_sample_counts():
    assert fmt.per_unit("micro") == "call"
    assert fmt.per_unit("workload", items_per_op=1000) == "item"
    assert fmt.per_unit("concurrent", items_per_op=10) == "op"
    assert fmt.per_unit("load") == "request"
    assert fmt.rate_of(219_000.0, "item") == "219.0 k items/s"
    assert fmt.rate_of(502.5, "call") == "502.5 calls/s"
    assert fmt.rate_of(None, "call") == "—"


def test_a_count_of_one_is_singular():
    assert [fmt.counted(n, "run") for n in (0, 1, 2)] == ["0 runs", "1 run", "2 runs"]

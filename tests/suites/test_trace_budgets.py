"""The seed's budgets in baselines/policy.toml name benchmarks that exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from tracetui.suites import bulk, database

POLICY = Path(__file__).resolve().parents[2] / "baselines" / "policy.toml"


def test_every_database_and_bulk_budget_names_a_benchmark() -> None:
    if not POLICY.exists():
        pytest.skip(f"{POLICY} is not in this checkout")
    budgets = tomllib.loads(POLICY.read_text(encoding="utf-8")).get("budgets", {})
    ours = [bid for bid in budgets if bid.split(".", 1)[0] in ("database", "bulk")]
    known = set(database.SUITE.ids()) | set(bulk.SUITE.ids())
    assert ours, "the policy has no database or bulk budgets"
    assert sorted(set(ours) - known) == []
    assert "database.item_create" in ours

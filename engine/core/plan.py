"""A plan: which benchmarks to run, where, and how hard.

The plan is the only thing a front end hands the worker process; it
crosses the process boundary as JSON.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tracetui.engine.core.database import DEFAULT_DB_URL


def new_run_id() -> str:
    """Sortable and unique: ``20261125-113200-3fa2``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


@dataclass(frozen=True)
class Plan:
    benchmark_ids: tuple[str, ...]
    profile: str = "standard"
    db_url: str = DEFAULT_DB_URL
    options: Mapping[str, Any] = field(default_factory=dict)
    run_id: str = field(default_factory=new_run_id)
    seed: int = 1234

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark_ids": list(self.benchmark_ids),
            "profile": self.profile,
            "db_url": self.db_url,
            "options": dict(self.options),
            "run_id": self.run_id,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            benchmark_ids=tuple(data["benchmark_ids"]),
            profile=data.get("profile", "standard"),
            db_url=data.get("db_url", DEFAULT_DB_URL),
            options=dict(data.get("options", {})),
            run_id=data.get("run_id") or new_run_id(),
            seed=int(data.get("seed", 1234)),
        )

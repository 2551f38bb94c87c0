"""Fixtures for the console tests: the demo suite, baselines, a history, the app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tracetui.engine.core import registry
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.tui.app import ConsoleApp
from tracetui.tui.catalog import load_catalog

from tests.tui.canned import CannedFactory, Step, result

SIZE = (120, 40)
RUN_ID = "20251124-160000-test"
DB_URL = "sqlite:///.tracetui/trace.db"
NOISE_LINE = "noise check: run-to-run spread ±1.0%, smallest reliable regression ≈3% (canned)"

#: The canned run: one INFO, one CRITICAL, one NEW, a load benchmark, one failure.
STEPS = [
    Step("demo.lookup[10]", median=0.0010),
    Step("demo.lookup[100]", median=0.0020, sql=3),
    Step("demo.create", median=0.0050, kind="workload"),
    Step("demo.browse", median=0.0040, kind="load", sql=None),
    Step("demo.broken", error="RuntimeError: the canned benchmark broke"),
    Step("extra.scan", median=0.0030),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory where only the demo suite is registered."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        registry.SUITES_ENV, "tests.tui.demo_suite:SUITE,tests.tui.extra_suite:SUITE"
    )
    monkeypatch.setattr(registry, "suite_names", lambda: ["demo", "extra"])
    registry.load_suite.cache_clear()
    yield tmp_path
    registry.load_suite.cache_clear()


def write_baselines(root: Path) -> list[Path]:
    """demo.sqlite.toml (lookup[10], lookup[100] at 1 ms) and extra.sqlite.toml (scan, 3 ms).

    Provenance is fixed so that screens showing it stay deterministic.
    """
    store = BaselineStore(root)
    paths = store.accept(
        [
            result("demo.lookup[10]", 0.0010),
            result("demo.lookup[100]", 0.0010),
            result("extra.scan", 0.0030),
        ],
        backend="sqlite",
        provenance={"run_id": "20251101-090000-base", "commit": "feedface00"},
    )
    for path in paths:
        text = re.sub(
            r'accepted_at = "[^"]*"', 'accepted_at = "2025-11-01T09:00:00Z"', path.read_text()
        )
        path.write_text(text)
    return paths


@pytest.fixture
def baselines(workdir: Path) -> Path:
    write_baselines(workdir / "baselines")
    return workdir / "baselines"


@pytest.fixture
def make_app(workdir: Path) -> Callable[..., ConsoleApp]:
    def build(
        factory: CannedFactory | None = None, suites: list[str] | None = None, **kwargs: object
    ) -> ConsoleApp:
        kwargs.setdefault("run_id_factory", lambda: RUN_ID)
        kwargs.setdefault("noise", lambda: NOISE_LINE)
        app = ConsoleApp(
            db_url=kwargs.pop("db_url", DB_URL),
            suites=suites if suites is not None else ["demo", "extra"],
            baselines_dir=Path("baselines"),
            history_path=Path("history.db"),
            profile="smoke",
            run_factory=factory or CannedFactory(STEPS),
            catalog=kwargs.pop("catalog", None) or load_catalog(),
            clock=kwargs.pop("clock", lambda: 0.0),
            **kwargs,  # type: ignore[arg-type]
        )
        return app

    return build

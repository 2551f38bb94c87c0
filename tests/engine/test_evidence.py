"""Statement counts and query plans, on a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import Level, Reference, RegressionCheck
from tracetui.engine.measuring.evidence import capture, plan_of


def lookup_plan(engine: sa.Engine) -> dict[str, str]:
    def lookup() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1")).all()  # trivial statements are not "main"
            conn.execute(sa.text("SELECT b FROM t WHERE a = :a"), {"a": 3}).all()

    _, captured = capture(lookup)
    assert captured.count == 2
    return plan_of(captured)


def test_a_dropped_index_changes_the_plan(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (a INTEGER, b TEXT)"))
        conn.execute(sa.text("CREATE INDEX ix_t_a ON t (a)"))
    indexed = lookup_plan(engine)
    assert indexed["statement"] == "SELECT b FROM t WHERE a = ?"
    assert "USING INDEX ix_t_a" in indexed["plan"]
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_t_a"))
    scanned = lookup_plan(engine)
    assert scanned["plan"] == "SCAN t"
    engine.dispose()

    samples = (0.001, 0.001, 0.001, 0.001, 0.001)
    result = BenchmarkResult(
        id="s.b", suite="s", name="b", kind="micro", samples=samples, evidence=scanned
    )
    verdict = RegressionCheck().check(
        result, Reference(values={"median": 0.001}, samples=samples, plan=indexed["plan"])
    )
    assert verdict.plan_changed
    assert verdict.level == Level.WARNING  # flagged although the time has not moved


def test_statements_from_other_threads_are_counted(tmp_path: Path) -> None:
    import threading

    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")

    def work() -> None:
        threads = [
            threading.Thread(target=lambda: engine.connect().execute(sa.text("SELECT 1")))
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    _, captured = capture(work)
    assert captured.count == 3
    engine.dispose()


def test_rows_touched_by_the_main_statement(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (a INTEGER, b TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1, 'x'), (2, 'x'), (3, 'y')"))

    def select() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT a FROM t WHERE b = :b"), {"b": "x"}).all()

    def update() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE t SET b = 'z' WHERE a >= :a"), {"a": 2})

    def insert_many() -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO t VALUES (:a, :b)"), [{"a": i, "b": "m"} for i in range(4)]
            )

    assert plan_of(capture(select)[1])["rows"] == "2"
    assert plan_of(capture(update)[1])["rows"] == "2"  # counted when it ran
    assert plan_of(capture(insert_many)[1])["rows"] == "4"
    with engine.connect() as conn:  # counting never changed the data
        assert conn.execute(sa.text("SELECT count(*) FROM t WHERE b = 'z'")).scalar_one() == 2
    engine.dispose()

"""`tracetui run --against REV --db postgresql+psycopg://…`: each side a database of its own.

A tiny git repository holding the toy suite; the run's own database is a
scratch database. ``toy.sql`` logs the database each side's worker is
connected to (``TOY_DB_LOG``) and the tree its suite came from, so the test
sees which databases the two sides really used, and that none is left after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from tracetui.engine.core.pg import scratch_database

from tests.fixtures.toy_repo import toy_repository

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]

SMOKE = ["--profile", "smoke"]

pytestmark = pytest.mark.timeout(300)


def databases(admin_url: str) -> set[str]:
    engine = sa.create_engine(admin_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    toy_repository(root)
    return root


def test_each_side_has_its_own_database_and_none_is_left(
    pg_admin_url: str, repo: Path, tmp_path: Path
) -> None:
    log = tmp_path / "databases.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOY_", "TRACETUI_"))}
    env.pop("PYTHONPATH", None)
    env.update(
        TRACETUI_SUITES="tests.fixtures.toy_suite:SUITE",
        TRACETUI_HISTORY=str(tmp_path / "history.db"),
        TOY_DB_LOG=str(log),
    )
    with scratch_database(pg_admin_url) as url:
        given = sa.make_url(url).database
        proc = subprocess.run(
            [*TRACETUI, "run", "toy.sql", "--against", "HEAD", "--ci", *SMOKE, "--db", url],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert tables(url) == []  # the database the run was given is untouched
        left = databases(pg_admin_url)  # (other tests may have scratch databases of theirs)
    used = [line.split(" ", 1) for line in log.read_text().splitlines()]
    # two sides × 3 process pairs (smoke), up to 6 for a benchmark still undecided
    assert len(used) % 2 == 0 and 2 * 3 <= len(used) <= 2 * 6
    trees = {name: {Path(source).resolve() for n, source in used if n == name} for name, _ in used}
    assert len(trees) == 2 and given not in trees
    head = (repo / "tests" / "fixtures" / "toy_suite.py").resolve()
    by_side = {("head" if sources == {head} else "base"): name for name, sources in trees.items()}
    assert set(by_side) == {"base", "head"}  # each database served one tree only
    assert all(len(sources) == 1 for sources in trees.values())
    for side, name in by_side.items():
        assert name.startswith("tracetui_") and name.endswith(f"_{side}")
        assert name in proc.stderr  # the run says which databases it used
    assert "dropped after the run" in proc.stderr
    assert not set(by_side.values()) & left  # both dropped


def test_a_role_that_cannot_create_databases_is_one_line_and_exit_2(
    pg_admin_url: str, repo: Path, tmp_path: Path
) -> None:
    role = "tracetui_nocreate_against"
    admin = sa.create_engine(pg_admin_url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOY_", "TRACETUI_"))}
    env.pop("PYTHONPATH", None)
    env.update(
        TRACETUI_SUITES="tests.fixtures.toy_suite:SUITE",
        TRACETUI_HISTORY=str(tmp_path / "history.db"),
    )
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
            conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
        with scratch_database(pg_admin_url) as url:
            as_role = sa.make_url(url).set(username=role).render_as_string(hide_password=False)
            proc = subprocess.run(
                [*TRACETUI, "run", "toy.sql", "--against", "HEAD", "--ci", *SMOKE, "--db", as_role],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
    if "password authentication failed" in proc.stderr:
        pytest.skip("the server does not let the new role log in without a password")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("tracetui: error")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "cannot create database tracetui_" in errors[0]
    assert "permission denied" in errors[0]

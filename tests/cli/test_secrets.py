"""A password in a database URL is never printed or stored, in either form (issue 12).

``user:pw@host`` and ``?password=`` are masked in the run header on stderr, the
history's ``runs.db_url``, and the JSON, JUnit and Markdown reports.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tracetui.engine.core.database import mask_url
from tracetui.engine.core.pg import ScratchDatabaseError, scratch_database

from tests.cli.helpers import FAST, tracetui


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql+psycopg://u@h/db?password=LEAK5", "postgresql+psycopg://u@h/db?password=***"),
        (
            "postgresql://h/db?sslmode=require&sslpassword=x",
            "postgresql://h/db?sslmode=require&sslpassword=***",
        ),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_mask_url_masks_both_forms(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert mask_url(mask_url(url)) == masked  # masking twice changes nothing


def test_query_form_password_never_leaves_the_process(toy_env, tmp_path: Path) -> None:
    try:
        scratch = scratch_database()
        url = scratch.__enter__()
    except ScratchDatabaseError as exc:
        pytest.skip(str(exc))
    try:
        leaky = url + ("&" if "?" in url else "?") + "password=LEAK5"
        reports = ["--json", "o.json", "--junit", "j.xml", "--markdown", "m.md"]
        proc = tracetui(["run", "toy.sql", *FAST, "--db", leaky, *reports], toy_env, tmp_path)
    finally:
        scratch.__exit__(None, None, None)
    assert proc.returncode == 0, proc.stderr
    assert "password=***" in proc.stderr  # the run header names the masked URL
    assert "LEAK5" not in proc.stderr + proc.stdout
    for name in ("o.json", "j.xml", "m.md"):
        assert b"LEAK5" not in (tmp_path / name).read_bytes(), name
    with sqlite3.connect(tmp_path / "history.db") as conn:
        (db_url,) = conn.execute("SELECT db_url FROM runs").fetchone()
        dump = "\n".join(conn.iterdump())
    assert db_url.endswith("?password=***")
    assert "LEAK5" not in dump

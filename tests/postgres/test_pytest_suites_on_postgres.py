"""``pytest suites/ --benchmark-only --tracetui-db postgresql+psycopg://...`` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from tracetui.engine.core.pg import scratch_database, server_available

REPO = Path(__file__).resolve().parents[2]
SELECTION = "database.item_read or bulk.create_items[100] or concurrent.create_items[10x10]"


def test_suites_run_through_pytest_benchmark_on_postgresql(
    pg_admin_url: str, tmp_path: Path
) -> None:
    with scratch_database(pg_admin_url) as url:
        parsed = sa.make_url(url)
        if parsed.password:
            secret = parsed.password
        else:  # a password the server ignores (trust auth) still must never show
            secret = "s3cret-never-printed"
            parsed = parsed.set(password=secret)
            if server_available(parsed.render_as_string(hide_password=False)):
                pytest.skip("the server does not accept an arbitrary password (no trust auth)")
        out = tmp_path / "pg.json"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(REPO / "suites"),
                "--benchmark-only",
                "-k",
                SELECTION,
                "--benchmark-max-time=0.02",
                "--benchmark-min-rounds=2",
                "-p",
                "no:cacheprovider",
                f"--tracetui-db={parsed.render_as_string(hide_password=False)}",
                f"--benchmark-json={out}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:]
        text = out.read_text()
        data = json.loads(text)
        infos = {
            b["extra_info"]["tracetui"]["id"]: b["extra_info"]["tracetui"]
            for b in data["benchmarks"]
        }
        assert set(infos) == {
            "database.item_read",
            "bulk.create_items[100]",
            "concurrent.create_items[10x10]",
        }
        assert {i["backend"] for i in infos.values()} == {"postgresql"}
        assert all("***" in i["db_url"] for i in infos.values())
        assert secret not in text
        assert secret not in done.stdout + done.stderr

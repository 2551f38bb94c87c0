"""The environment a result was measured in: commit, versions, backend, CPU.

Every run records this so that a number is never separated from where it
came from (pyperf's metadata, pytest-benchmark's ``machine_info``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from tracetui.engine.core.database import backend_name, mask_url, parse_url


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


@cache
def git_info(cwd: str | None = None) -> dict[str, Any]:
    """Commit id, branch and dirtiness of the checkout, when there is one."""

    def run(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, cwd=cwd)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "branch": None, "dirty": None}
    return {
        "commit": commit,
        "branch": run("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(run("status", "--porcelain", "--untracked-files=no")),
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@cache
def machine_id() -> str:
    """A stable, anonymous id for this machine (hash of /etc/machine-id or the node name)."""
    raw = ""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(path, encoding="utf-8") as fh:
                raw = fh.read().strip()
                break
        except OSError:
            continue
    raw = raw or platform.node()
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


#: What decides speed; a baseline from another fingerprint is from another machine.
FINGERPRINT_KEYS = (
    "cpu",
    "cpu_count",
    "python_implementation",
    "python",
    "system",
    "arch",
    "backend",
    "driver_version",
)


def fingerprint(environment: dict[str, Any]) -> str:
    """A short hash of what decides speed (not /etc/machine-id: cloned machines share it)."""
    text = "|".join(f"{k}={environment.get(k)}" for k in FINGERPRINT_KEYS)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def collect(db_url: str) -> dict[str, Any]:
    """Everything a result carries about where it was measured."""
    parsed = parse_url(db_url)
    driver = parsed.get_driver_name()
    driver_dist = {"psycopg": "psycopg", "pysqlite": "pysqlite3"}.get(driver, driver)
    env = {
        **git_info(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlalchemy": _version("sqlalchemy"),
        "driver": driver,
        "driver_version": _version(driver_dist)
        or (_sqlite_version() if backend_name(parsed) == "sqlite" else None),
        "backend": backend_name(parsed),
        "db_url": mask_url(parsed),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "machine": machine_id(),
        "system": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
        "tracetui": _version("tracetui"),
    }
    env["fingerprint"] = fingerprint(env)
    return env


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version

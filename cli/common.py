"""What the commands share: shared click options, and opening stores and databases.

Bad input becomes :class:`~tracetui.cli.errors.CliError` (one line on
stderr, an exit code; see :mod:`tracetui.cli.errors`); the helpers here
open the baselines store, the history database and the run database that way.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from tracetui.cli.errors import fail
from tracetui.cli.params import DatabaseUrl, ExistingFolder, OutputFile
from tracetui.engine.core.database import (
    DEFAULT_DB_URL,
    DatabaseConfigError,
    check_connection,
    ensure_sqlite_folder,
)
from tracetui.engine.judging.baselines import DEFAULT_DIR, BaselineStore
from tracetui.engine.recording import history as history_mod
from tracetui.engine.recording.history import History


def env_default(name: str, default: str) -> str:
    return os.environ.get(name) or default


db_option = click.option(
    "--db",
    "db_url",
    type=DatabaseUrl(),
    default=lambda: env_default("TRACETUI_DB", DEFAULT_DB_URL),
    show_default=f"$TRACETUI_DB or {DEFAULT_DB_URL}",
    help="SQLAlchemy URL of the database the suites run against.",
)
baselines_option = click.option(
    "--baselines",
    "baselines_dir",
    type=ExistingFolder("baselines folder"),
    default=None,
    help=f"Baselines folder [default: $TRACETUI_BASELINES or {DEFAULT_DIR}/].",
)
history_option = click.option(
    "--history",
    "history_path",
    type=OutputFile(),
    default=lambda: env_default("TRACETUI_HISTORY", str(history_mod.DEFAULT_PATH)),
    show_default=f"$TRACETUI_HISTORY or {history_mod.DEFAULT_PATH}",
    help="Run-history database (SQLite).",
)


def resolve_baselines(path: Path | None) -> BaselineStore:
    """The baselines store; a folder named explicitly must exist."""
    if path is None:
        env = os.environ.get("TRACETUI_BASELINES")
        if env:
            path = Path(env)
        else:
            return BaselineStore(DEFAULT_DIR)
    if not path.is_dir():
        fail(f"baselines folder not found: {path}")
    return BaselineStore(path)


def connect_or_fail(db_url: str) -> None:
    """Check the database answers (creating the default SQLite folder first)."""
    try:
        if db_url == DEFAULT_DB_URL:
            ensure_sqlite_folder(db_url)
        check_connection(db_url)
    except DatabaseConfigError as exc:
        fail(str(exc))


def open_history(path: Path) -> History:
    return History(path)  # a fault is a HistoryError: one line, exit 2 (cli.errors)

"""What the commands share: the user-error exception, shared click options, and opening things.

Every command turns bad input into :class:`CliError` (one line on stderr,
an :class:`~tracetui.cli.headless.ExitCode`); the helpers here open the
baselines store, the history database and the run database that way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import click
from tracetui.cli.headless import ExitCode
from tracetui.engine.core.database import (
    DEFAULT_DB_URL,
    DatabaseConfigError,
    check_connection,
    ensure_sqlite_folder,
)
from tracetui.engine.judging.baselines import DEFAULT_DIR, BaselineStore
from tracetui.engine.recording import history as history_mod
from tracetui.engine.recording.history import History


class CliError(Exception):
    """A user-facing error: one line on stderr, then exit with ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    raise CliError(message, code)


def env_default(name: str, default: str) -> str:
    return os.environ.get(name) or default


db_option = click.option(
    "--db",
    "db_url",
    default=lambda: env_default("TRACETUI_DB", DEFAULT_DB_URL),
    show_default=f"$TRACETUI_DB or {DEFAULT_DB_URL}",
    help="SQLAlchemy URL of the database the suites run against.",
)
baselines_option = click.option(
    "--baselines",
    "baselines_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Baselines folder [default: $TRACETUI_BASELINES or {DEFAULT_DIR}/].",
)
history_option = click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False),
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
    try:
        return History(path)
    except Exception as exc:  # unreadable or not a database
        fail(f"cannot open history database {path}: {str(exc).splitlines()[0]}")

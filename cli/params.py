"""Where command-line values are validated: click parameter types, the only place.

Each type turns text into a value or fails with click's one-line usage
error (exit 2): ports in 1–65535, finite positive numbers, database URLs
(checked without ever echoing a password), files whose folder exists or
can be made, folders that must exist, and a port that is free to serve on.
"""

from __future__ import annotations

import errno
import math
import os
import socket
from pathlib import Path
from typing import Any

import click
from tracetui.engine.core.database import DatabaseConfigError, parse_url

PORT = click.IntRange(1, 65535)


class PositiveNumber(click.ParamType):
    """A finite number above zero (``nan``, ``inf``, ``0`` and ``-1`` are refused)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, float | int) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if number <= 0:
            self.fail(f"{value!r} must be above zero", param, ctx)
        return number


class DatabaseUrl(click.ParamType):
    """A SQLAlchemy URL that parses (port a number, no unescaped ``@``); kept as text."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        try:
            parse_url(str(value))
        except DatabaseConfigError as exc:
            self.fail(str(exc), param, ctx)
        return str(value)


def _blocking_file(path: Path) -> Path | None:
    """The first ancestor of ``path`` that exists as something other than a folder."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else parent
    return None


class OutputFile(click.ParamType):
    """A file tracetui writes: not a folder, and its folder is one (or can be made)."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        path = Path(value)
        if path.is_dir():
            self.fail(f"{path} is a folder, not a file", param, ctx)
        blocking = _blocking_file(path)
        if blocking is not None:
            self.fail(f"{blocking} is a file, so {path} cannot be created in it", param, ctx)
        existing = next(p for p in path.parents if p.exists()) if not path.exists() else path
        if not os.access(existing, os.W_OK):
            self.fail(f"{existing} is not writable", param, ctx)
        return path


class ExistingFolder(click.ParamType):
    """A folder that exists (``what`` names it in the error)."""

    name = "folder"

    def __init__(self, what: str = "folder") -> None:
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        path = Path(value)
        if not path.exists():
            self.fail(f"{self.what} not found: {path}", param, ctx)
        if not path.is_dir():
            self.fail(f"{path} is a file, not a folder", param, ctx)
        return path


def ensure_can_serve(host: str, port: int) -> None:
    """Bind ``host:port`` once, so a busy port or a bad host is one line (exit 2)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise click.UsageError(f"cannot resolve --host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                reason = "is already in use (choose another with --port)"
            else:
                reason = f"cannot be bound: {exc.strerror}"
            raise click.UsageError(f"port {port} on {host} {reason}") from None

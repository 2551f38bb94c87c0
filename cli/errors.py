"""Where a fault becomes one line on stderr and an :class:`ExitCode`: the only place.

Every command runs inside :func:`run_guarded`. Faults the engine, the suites
or the command line raise on purpose (a bad baseline, a database that does
not answer, a damaged history, a file that cannot be written) are usage or
configuration errors: one line, exit 2. Ctrl-C is exit 130 with one line,
wherever it lands (start-up and exit included: see :mod:`tracetui.cli`). Anything
else is a bug in tracetui: one line naming it, exit 4 (``TRACETUI_DEBUG=1``
shows the traceback). Exit 1 always means a regression, never a crash.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

import click
from tracetui.cli.headless import ExitCode
from tracetui.engine.core.database import DatabaseConfigError
from tracetui.engine.core.extras import MissingExtra
from tracetui.engine.core.names import InvalidName, printable
from tracetui.engine.core.registry import SuiteLoadError, UnknownSelection
from tracetui.engine.judging.baselines import BaselineError
from tracetui.engine.recording.history import HistoryError

PREFIX = "tracetui: error: "


class CliError(Exception):
    """A user-facing error: one line on stderr, then exit with ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    raise CliError(message, code)


#: Faults raised on purpose with a message meant for the user: exit 2.
CONFIG_ERRORS: tuple[type[BaseException], ...] = (
    BaselineError,
    DatabaseConfigError,
    HistoryError,
    InvalidName,
    MissingExtra,
    SuiteLoadError,
    UnknownSelection,
)


def one_line(text: object) -> str:
    """``text`` as a single printable line (newlines and control characters escaped)."""
    return printable(str(text).strip()) or "(no message)"


def say(message: str) -> None:
    with contextlib.suppress(OSError):  # stderr gone: nothing more to say
        click.echo(one_line(message), err=True)


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def exit_code_of(exc: BaseException) -> int:
    """Say what ``exc`` means in one line (if anything) and return the exit code."""
    if isinstance(exc, SystemExit):
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        say(PREFIX + str(exc.code))  # sys.exit("message")
        return int(ExitCode.USAGE)
    if isinstance(exc, CliError):
        say(PREFIX + str(exc))
        return int(exc.code)
    if isinstance(exc, click.UsageError):
        say(PREFIX + exc.format_message())
        return int(ExitCode.USAGE)
    if isinstance(exc, click.Abort | KeyboardInterrupt):
        say("tracetui: interrupted")
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, BrokenPipeError):  # `tracetui list | head`
        _silence_stdout()
        return int(ExitCode.OK)
    if isinstance(exc, CONFIG_ERRORS):
        say(PREFIX + str(exc))
        return int(ExitCode.USAGE)
    if isinstance(exc, OSError):  # a report file, a folder: the environment, not tracetui
        say(PREFIX + _os_error(exc))
        return int(ExitCode.USAGE)
    if isinstance(exc, click.ClickException):
        say(PREFIX + exc.format_message())
        return int(ExitCode.USAGE)
    say(
        f"tracetui: internal error: {type(exc).__name__}: {exc} "
        "(a bug in tracetui; TRACETUI_DEBUG=1 shows the traceback)"
    )
    return int(ExitCode.INTERNAL)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run_guarded(command: Callable[[], object]) -> int:
    """Run ``command``; whatever it raises becomes one line and an exit code."""
    try:
        result = command()
    except BaseException as exc:  # the one place that maps them all
        if os.environ.get("TRACETUI_DEBUG") and not isinstance(exc, SystemExit):
            import traceback

            traceback.print_exc()
        return exit_code_of(exc)
    return result if isinstance(result, int) else int(ExitCode.OK)

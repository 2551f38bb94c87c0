"""The one place where a fault becomes a line and an exit code (cli.errors), in process."""

from __future__ import annotations

import errno

import click
import pytest
from tracetui.cli.errors import CliError, run_guarded
from tracetui.engine.judging.baselines import BaselineError
from tracetui.engine.recording.history import HistoryError


def raising(exc: BaseException):
    def command() -> None:
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (CliError("bad thing", 3), 3, "tracetui: error: bad thing"),
        (click.UsageError("no such option: --x"), 2, "tracetui: error: no such option: --x"),
        (BaselineError("b/toy.sqlite.toml: not UTF-8"), 2, "tracetui: error: b/toy.sqlite.toml"),
        (HistoryError("history h.db is locked"), 2, "tracetui: error: history h.db is locked"),
        (
            OSError(errno.ENOSPC, "No space left on device", "o.json"),
            2,
            "tracetui: error: o.json: No space",
        ),
        (KeyboardInterrupt(), 130, "tracetui: interrupted"),
        (click.Abort(), 130, "tracetui: interrupted"),
        (ZeroDivisionError("division by zero"), 4, "tracetui: internal error: ZeroDivisionError"),
        (SystemExit("a message"), 2, "tracetui: error: a message"),
    ],
)
def test_every_fault_is_one_line_and_its_code(
    capsys: pytest.CaptureFixture[str], exc: BaseException, code: int, line: str
) -> None:
    assert run_guarded(raising(exc)) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(line), err
    assert "Traceback" not in err


def test_a_message_with_newlines_stays_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(raising(CliError("first\nsecond\x1b[2J"))) == 2
    assert capsys.readouterr().err == "tracetui: error: first\\nsecond\\x1b[2J\n"


def test_exit_codes_pass_through(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(raising(SystemExit(1))) == 1
    assert run_guarded(raising(SystemExit(None))) == 0
    assert run_guarded(lambda: None) == 0
    assert capsys.readouterr().err == ""


def test_debug_shows_the_traceback_of_an_internal_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACETUI_DEBUG", "1")
    assert run_guarded(raising(ZeroDivisionError("boom"))) == 4
    assert "Traceback" in capsys.readouterr().err

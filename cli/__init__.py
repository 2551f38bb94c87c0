"""The ``tracetui`` command line: the composition root above engine, suites and console.

It may import ``tracetui.engine``, ``tracetui.suites`` and ``tracetui.tui``;
none of them imports it. The headless path never loads Textual.

Importing it first makes an uncaught Ctrl-C (while the command line is still
importing, or already exiting) one line instead of a traceback; everything in
between goes through :func:`tracetui.cli.errors.run_guarded`.
"""

import os
import signal
import sys
import threading

_default_excepthook = sys.excepthook
_default_unraisablehook = sys.unraisablehook


def _quiet_interrupt(kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
    if issubclass(kind, KeyboardInterrupt):
        print("tracetui: interrupted", file=sys.stderr)
    else:
        _default_excepthook(kind, exc, tb)


def _interrupted_in_a_callback(unraisable) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C inside a callback Python cannot raise from (an import lock's, a ``__del__``).

    Python would print it as "Exception ignored" and carry on; stop instead, with
    the one line and exit 130. Files stay whole: multi-file writes hold Ctrl-C
    back, SQLite rolls back, and the next open marks a run left running.
    """
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        print("tracetui: interrupted", file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105 - no contextlib import before the hooks are set
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(130)
    _default_unraisablehook(unraisable)


def _interrupted_while_importing(_signum: int, _frame: object) -> None:
    """Ctrl-C while the program is still importing its modules: nothing is written yet,
    so stop at once with the one line and exit 130. A KeyboardInterrupt raised there can
    surface as another exception with a traceback (measured: one landing in ssl's import
    of ``_ssl`` came out as "TypeError: expected a message argument")."""
    os.write(2, b"tracetui: interrupted\n")
    os._exit(130)


def importing_done() -> None:
    """From here Ctrl-C raises KeyboardInterrupt again, for :func:`run_guarded` to handle
    (``main()`` calls this first)."""
    if signal.getsignal(signal.SIGINT) is _interrupted_while_importing:
        signal.signal(signal.SIGINT, signal.default_int_handler)


sys.excepthook = _quiet_interrupt
sys.unraisablehook = _interrupted_in_a_callback

# Only when this process is the ``tracetui`` program (its console script, or
# ``python -m tracetui.cli.main`` while the package imports), never inside a host
# process that imports the package (pytest, a notebook), whose Ctrl-C stays its own.
_program = bool(sys.argv) and (sys.argv[0] == "-m" or os.path.basename(sys.argv[0]) == "tracetui")
if (
    _program
    and threading.current_thread() is threading.main_thread()
    and signal.getsignal(signal.SIGINT) is signal.default_int_handler
):
    signal.signal(signal.SIGINT, _interrupted_while_importing)

if __name__ != "tracetui.cli":  # the folder is installed as tracetui.cli
    raise ImportError(f"import tracetui.cli, not {__name__!r}")

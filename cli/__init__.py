"""The ``tracetui`` command line: the composition root above engine, suites and console.

It may import ``tracetui.engine``, ``tracetui.suites`` and ``tracetui.tui``;
none of them imports it. The headless path never loads Textual.

Importing it first makes an uncaught Ctrl-C (while the command line is still
importing, or already exiting) one line instead of a traceback; everything in
between goes through :func:`tracetui.cli.errors.run_guarded`.
"""

import os
import sys

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


sys.excepthook = _quiet_interrupt
sys.unraisablehook = _interrupted_in_a_callback

if __name__ != "tracetui.cli":  # the folder is installed as tracetui.cli
    raise ImportError(f"import tracetui.cli, not {__name__!r}")

"""The ``tracetui`` command line: the composition root above engine, suites and console.

It may import ``tracetui.engine``, ``tracetui.suites`` and ``tracetui.tui``;
none of them imports it. The headless path never loads Textual.

Importing it first makes an uncaught Ctrl-C (while the command line is still
importing, or already exiting) one line instead of a traceback; everything in
between goes through :func:`tracetui.cli.errors.run_guarded`.
"""

import sys

_default_excepthook = sys.excepthook
_default_unraisablehook = sys.unraisablehook


def _quiet_interrupt(kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
    if issubclass(kind, KeyboardInterrupt):
        print("tracetui: interrupted", file=sys.stderr)
    else:
        _default_excepthook(kind, exc, tb)


def _redeliver_interrupt(unraisable) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C inside a callback Python cannot raise from (an import lock's): raise it again."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        import signal  # here, not above: the hooks are installed before any import can fail

        signal.raise_signal(signal.SIGINT)  # handled at the next step, where it can stop us
    else:
        _default_unraisablehook(unraisable)


sys.excepthook = _quiet_interrupt
sys.unraisablehook = _redeliver_interrupt

if __name__ != "tracetui.cli":  # the folder is installed as tracetui.cli
    raise ImportError(f"import tracetui.cli, not {__name__!r}")

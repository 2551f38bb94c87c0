"""tracetui's engine: measuring, judging and recording, without any UI.

Nothing under ``tracetui.engine`` imports Textual, Locust, the command line
or the suites; the console (``tracetui.tui``) and the headless command line
(``tracetui.cli``) are two front ends over it. Rooms: ``core`` (the shared
vocabulary), ``measuring``, ``judging``, ``recording`` and ``interop``.
"""

if __name__ != "tracetui.engine":  # the folder is installed as tracetui.engine
    raise ImportError(f"import tracetui.engine, not {__name__!r}")

"""The Textual console (``tracetui launch``).

Only this package imports Textual; the engine and the headless CLI never
do. Entry point: :func:`tracetui.tui.app.run_console`.
"""

if __name__ != "tracetui.tui":  # the folder is installed as tracetui.tui
    raise ImportError(f"import tracetui.tui, not {__name__!r}")

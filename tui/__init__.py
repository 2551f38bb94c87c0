"""The Textual console (``tracetui launch``).

Only this package imports Textual; the engine and the headless CLI never
do. Entry point: :func:`tui.app.run_console`.
"""

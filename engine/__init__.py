"""tracetui's engine: measuring, comparing and recording, without any UI.

Nothing under ``engine`` imports Textual or Locust; the console (``tui``)
and the headless CLI are two front ends over it.
"""

"""The ``tracetui`` command line: the composition root above engine, suites and console.

It may import ``tracetui.engine``, ``tracetui.suites`` and ``tracetui.tui``;
none of them imports it. The headless path never loads Textual.
"""

if __name__ != "tracetui.cli":  # the folder is installed as tracetui.cli
    raise ImportError(f"import tracetui.cli, not {__name__!r}")

"""``python -m tracetui.cli``: the same as the ``tracetui`` command."""

from tracetui.cli.main import main

raise SystemExit(main())

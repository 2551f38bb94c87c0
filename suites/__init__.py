"""What tracetui measures: the reference trace system, its HTTP API and the suites.

Installed as ``tracetui.suites``. No import guard here: ``pytest suites/``
collects this folder from the repository root, where pytest names it
``suites``; the modules themselves always import ``tracetui.suites``.
"""

"""Textual widgets that let go of the App when they are removed.

Two stock widgets register themselves with the App (which lives as long as the
console) and never unregister, so every screen that showed one stayed reachable
after it was popped, with its plots, strips and caches: about 1 MB per run (found
with a ``gc`` walk from the retained widgets to the App after 20 runs):

- ``textual_plotext.PlotextPlot`` subscribes to ``App.theme_changed_signal`` with a
  callback that holds the widget, in a ``WeakKeyDictionary`` keyed by the widget:
  the value keeps the key alive. :class:`Plot` unsubscribes on unmount.
- ``textual.widgets.Header`` watches ``App.title`` and ``App.sub_title``; Textual
  drops a closed watcher only when that value changes, and the console's title
  never does. :class:`ScreenHeader` removes its own watchers on unmount.

Use these instead of the stock ones on any screen that is pushed and popped.
"""

from __future__ import annotations

from textual.widgets import Header
from textual_plotext import PlotextPlot


class Plot(PlotextPlot):
    """A ``PlotextPlot`` that stops listening to theme changes when removed."""

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)


class ScreenHeader(Header):
    """A ``Header`` that stops watching the App's title when removed."""

    def on_unmount(self) -> None:
        # Textual keeps the App's watchers in this attribute (reactive._watch) and has
        # no public way to drop one; the lists are pruned here as Textual itself does.
        watchers: dict[str, list[tuple[object, object]]] = getattr(self.app, "__watchers", {})
        for name in ("title", "sub_title"):
            if name in watchers:
                watchers[name][:] = [(node, cb) for node, cb in watchers[name] if node is not self]

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
- ``textual.widgets.Footer`` re-composes its keys whenever the bindings change
  (every return to the picker), and each ``FooterKey`` watches the Footer's
  ``compact``, which never changes: the picker's Footer kept every key it ever
  showed, 12 a run, with their styles and strips (about 1.5 MB a run under
  tracemalloc, found with ``gc`` after 12 canned runs: 235 FooterKeys alive, 7 of
  them on screen). :class:`ScreenFooter` drops the removed keys' watchers.

Use these instead of the stock ones on any screen that is pushed and popped.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Footer, Header
from textual_plotext import PlotextPlot


class Plot(PlotextPlot):
    """A ``PlotextPlot`` that stops listening to theme changes when removed."""

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)


def _drop_watchers(obj: object, name: str, keep: Callable[[object], bool]) -> None:
    """Keep only the watchers of ``obj.name`` whose node passes ``keep``. Textual keeps
    watchers in this attribute (reactive._watch) and has no public way to drop one; the
    lists are pruned here as Textual itself prunes them when the value changes."""
    watchers: dict[str, list[tuple[object, object]]] = getattr(obj, "__watchers", {})
    if name in watchers:
        watchers[name][:] = [(node, cb) for node, cb in watchers[name] if keep(node)]


class ScreenFooter(Footer):
    """A ``Footer`` whose re-composed keys stop watching it."""

    async def recompose(self) -> None:
        await super().recompose()
        shown = set(self.query("*"))  # the keys (and groups) just composed
        _drop_watchers(self, "compact", lambda node: node in shown)


class ScreenHeader(Header):
    """A ``Header`` that stops watching the App's title when removed."""

    def on_unmount(self) -> None:
        for name in ("title", "sub_title"):
            _drop_watchers(self.app, name, lambda node: node is not self)

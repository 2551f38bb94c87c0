"""Reusable widgets of the console: the suite tree, live benchmark panels, plots."""

"""Extras: which install extra brings a module, and the one line naming it."""

from __future__ import annotations

import pytest
from tracetui.engine.core import extras
from tracetui.engine.core.extras import MissingExtra, extra_for_module, require_extra


def test_a_module_is_traced_to_its_extra() -> None:
    assert extra_for_module("psycopg") == "postgres"
    assert extra_for_module("locust.env") == "load"
    assert extra_for_module("sqlite3") is None
    assert extra_for_module(None) is None


def test_a_missing_module_is_one_line_naming_the_pip_install(monkeypatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "load", ("locust", "no_such_module_xyz"))
    with pytest.raises(MissingExtra) as raised:
        require_extra("load", "the load suite")
    assert (
        str(raised.value) == "the load suite needs the 'load' extra: pip install 'tracetui[load]'"
    )
    assert extras.missing_modules("load") == ["no_such_module_xyz"]


def test_nothing_is_raised_when_the_extra_is_installed(monkeypatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "load", ("sqlite3", "json"))
    require_extra("load", "the load suite")

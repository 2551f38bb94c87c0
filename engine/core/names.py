"""Names that come from outside: suites, backends, benchmark ids.

A suite and a backend name a file (``baselines/<suite>.<backend>.toml``); a
benchmark id is printed, stored and used as a TOML key. Whatever file they
come from (an imported pytest-benchmark JSON, a baseline, the history), they
pass :func:`check_suite`, :func:`check_backend` and :func:`check_benchmark_id`
before they are used, so no name can point outside ``baselines/`` or put a
raw control character on a terminal. :func:`printable` escapes what is
shown from files written by hand.
"""

from __future__ import annotations

import re
import unicodedata

#: A suite or backend: a file-name part (no dot, no slash, no leading dash).
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
MAX_ID_LENGTH = 300


class InvalidName(ValueError):
    """A suite, backend or benchmark id that cannot be used; the message is one line."""


def _shown(text: str) -> str:
    return repr(text[:80] + ("…" if len(text) > 80 else ""))


def check_suite(name: str, *, what: str = "suite") -> str:
    """``name`` if it is a valid suite name (letters, digits, ``_``, ``-``), else raise."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidName(
            f"invalid {what} name {_shown(str(name))} "
            "(letters, digits, '_' and '-' only, at most 100)"
        )
    return name


def check_backend(name: str) -> str:
    return check_suite(name, what="backend")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_benchmark_id(benchmark_id: str, suite: str | None = None) -> str:
    """A benchmark id ``<suite>.<name>[param]``: its suite part valid, no control characters."""
    if not isinstance(benchmark_id, str) or not benchmark_id:
        raise InvalidName("empty benchmark id")
    if len(benchmark_id) > MAX_ID_LENGTH:
        raise InvalidName(f"benchmark id {_shown(benchmark_id)} is longer than {MAX_ID_LENGTH}")
    if _has_control(benchmark_id):
        raise InvalidName(f"benchmark id {_shown(benchmark_id)} contains a control character")
    head, dot, rest = benchmark_id.partition(".")
    if not dot or not rest:
        raise InvalidName(f"benchmark id {_shown(benchmark_id)} is not <suite>.<name>")
    if not NAME_RE.fullmatch(head):
        raise InvalidName(f"benchmark id {_shown(benchmark_id)} does not start with a suite name")
    if suite is not None and head != check_suite(suite):
        raise InvalidName(f"benchmark id {_shown(benchmark_id)} is not in suite {suite!r}")
    return benchmark_id


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``…), for a terminal."""
    if not _has_control(text):
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if _has_control(ch) else ch for ch in text
    )

"""The one atomic writer (modes, all-or-none) and the name checks that guard file names."""

from __future__ import annotations

import errno
import os
import signal
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from tracetui.engine.core import files
from tracetui.engine.core.files import WriteError, held_interrupts, write_all_atomic, write_atomic
from tracetui.engine.core.names import (
    InvalidName,
    check_backend,
    check_benchmark_id,
    check_suite,
    printable,
)
from tracetui.engine.judging.baselines import BaselineError, BaselineStore
from tracetui.engine.recording.reports import write_atomically

from tests.engine.test_baselines import make


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_files_get_the_umask_mode_not_0600(tmp_path: Path, umask_022) -> None:
    write_atomic(tmp_path / "a.toml", b"x")
    write_atomically(tmp_path / "o.json", "{}")  # the report writer is the same writer
    BaselineStore(tmp_path).accept([make("bulk.a")], backend="sqlite", provenance={})
    assert mode(tmp_path / "a.toml") == 0o644
    assert mode(tmp_path / "o.json") == 0o644
    assert mode(tmp_path / "bulk.sqlite.toml") == 0o644


def test_a_replaced_file_keeps_its_own_mode(tmp_path: Path, umask_022) -> None:
    target = tmp_path / "a.toml"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o640


def test_a_failed_rename_restores_the_files_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    a.write_bytes(b"old a")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(Path(dst).name)
        if Path(dst) == b:
            raise OSError(errno.EACCES, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError, match=r"cannot write .*/b: Permission denied"):
        write_all_atomic([(a, b"new a"), (c, b"new c"), (b, b"new b")])
    assert a.read_bytes() == b"old a"  # restored
    assert not c.exists() and not b.exists()  # created by this change: removed again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no temp file left
    assert calls[:3] == ["a", "c", "b"]


def test_a_full_disk_while_staging_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process ENOSPC (the CLI test uses a real tiny tmpfs)."""
    (tmp_path / "a").write_bytes(b"old")
    real_stage = files._stage
    staged = []

    def stage(path, data):
        if staged:
            raise files._error(path, OSError(errno.ENOSPC, "No space left on device"))
        staged.append(path)
        return real_stage(path, data)

    monkeypatch.setattr(files, "_stage", stage)
    with pytest.raises(WriteError, match="No space left on device"):
        write_all_atomic([(tmp_path / "a", b"new"), (tmp_path / "b", b"new")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert (tmp_path / "a").read_bytes() == b"old"


def test_accept_across_suites_is_all_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BaselineStore(tmp_path)
    store.accept([make("bulk.a"), make("database.a")], backend="sqlite", provenance={})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "database.sqlite.toml":
            raise OSError(errno.EROFS, "Read-only file system")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(BaselineError, match="no baseline file changed"):
        store.accept([make("bulk.a", 2), make("database.a", 2)], backend="sqlite", provenance={})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_interrupts_are_held_until_the_renames_are_done() -> None:
    seen = []
    previous = signal.signal(signal.SIGINT, lambda *_: seen.append("handled"))
    try:
        with held_interrupts():
            signal.raise_signal(signal.SIGINT)
            seen.append("inside")
        assert seen == ["inside", "handled"]
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize(
    "name",
    ["../../../../x/PWNED", "/etc/passwd", "a.b", "", "-rf", "a/b", "x" * 101, "é", "a\nb"],
)
def test_bad_suite_and_backend_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidName):
        check_suite(name)
    with pytest.raises(InvalidName):
        check_backend(name)


@pytest.mark.parametrize(
    "bid",
    [
        "../../../../x/PWNED.x",
        "/abs.x",
        "toy",
        "toy.",
        ".x",
        "toy.a\nb",
        "toy.a\x1b[2J",
        "t.x" * 200,
    ],
)
def test_bad_benchmark_ids_are_refused(bid: str) -> None:
    with pytest.raises(InvalidName):
        check_benchmark_id(bid)


def test_good_names_pass_and_an_id_must_match_its_suite() -> None:
    assert check_suite("concurrent") == "concurrent"
    assert check_benchmark_id("load.crud[high]") == "load.crud[high]"
    assert check_benchmark_id("test_x.Cls.test_f[a/b-1 2]", "test_x")
    with pytest.raises(InvalidName, match="not in suite"):
        check_benchmark_id("bulk.a", "database")


def test_store_never_builds_a_path_outside_its_folder(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path / "baselines")
    for suite, backend in (("../../x/PWNED", "evil"), ("/tmp/x", "sqlite"), ("ok", "../x")):
        with pytest.raises(BaselineError):
            store.path_for(suite, backend)
    evil = replace(make("bulk.a"), id="../../../../x/PWNED.x", suite="../../../../x/PWNED")
    with pytest.raises(BaselineError, match="cannot accept"):
        store.accept([evil], backend="evil", provenance={})
    assert not (tmp_path / "baselines").exists()


def test_printable_escapes_control_characters_only() -> None:
    assert printable("toy.a\nb\x1b[31m") == "toy.a\\nb\\x1b[31m"
    assert printable("µs × ±") == "µs × ±"

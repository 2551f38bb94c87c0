"""The one way tracetui writes a file: atomically, durably, with the user's permissions.

:func:`write_atomic` writes a temporary file next to the target, fsyncs it
and renames it over the target, so a reader sees the old file or the new
one, never half of one. The temporary file is created with mode 0666 minus
the umask (``tempfile.mkstemp`` would give 0600, and that mode would
survive the rename); a file being replaced keeps its own mode.

:func:`write_all_atomic` does the same for several files as one change
(a baseline acceptance): every temporary file is written first, then all
are renamed, with interrupts held back throughout; if a rename fails, the
files already replaced get their old content back. Either all files change,
or none.

Errors are :class:`WriteError`, one line naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class WriteError(OSError):
    """A file that could not be written; ``str()`` is one line for the user."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


def _error(path: Path, exc: OSError) -> WriteError:
    return WriteError(exc.errno or 0, exc.strerror or str(exc), str(path))


@dataclass
class _Staged:
    path: Path
    tmp: Path
    old: bytes | None


def _stage(path: Path, data: bytes) -> _Staged:
    """Write ``data`` to a fsynced temporary file beside ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_bytes() if path.exists() else None
        mode = path.stat().st_mode & 0o7777 if old is not None else None
    except OSError as exc:
        raise _error(path, exc) from None
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _Staged(path, tmp, old)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM/SIGHUP) until the block is done, then deliver it.

    Only the main thread can set signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for sig in HELD_SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            previous[sig] = signal.signal(sig, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(received):
            signal.raise_signal(sig)


def write_all_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Replace every ``(path, data)`` as one change: all of them, or none.

    Interrupts are held for the whole change, so Ctrl-C lands before it
    (nothing written, no temporary file left) or after it (all written).
    """
    with held_interrupts():
        staged: list[_Staged] = []
        try:
            for path, data in files:
                staged.append(_stage(Path(path), data))
            done: list[_Staged] = []
            try:
                for item in staged:
                    try:
                        os.replace(item.tmp, item.path)
                    except OSError as exc:
                        raise _error(item.path, exc) from None
                    done.append(item)
            except BaseException:
                _roll_back(done)
                raise
        finally:
            for item in staged:
                item.tmp.unlink(missing_ok=True)
        for folder in dict.fromkeys(item.path.parent for item in staged):
            _sync_folder(folder)


def _roll_back(done: Sequence[_Staged]) -> None:
    """Give files already replaced their old content back (best effort, newest first)."""
    for item in reversed(done):
        with contextlib.suppress(OSError):
            if item.old is None:
                item.path.unlink()
            else:
                restored = _stage(item.path, item.old)
                os.replace(restored.tmp, item.path)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically."""
    write_all_atomic([(Path(path), data.encode("utf-8") if isinstance(data, str) else data)])

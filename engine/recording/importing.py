"""``tracetui import``: pytest-benchmark JSON files and storage folders into the history.

Each file becomes one history run with ``source="import"``, all or nothing
(the run and its results are written in one transaction); the translation of
an entry into a result is :mod:`tracetui.engine.recording.importer`'s. A
folder (pytest-benchmark's ``.benchmarks/``) stands for every ``*.json`` in
it. A file already imported (same bytes) is not imported again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from tracetui.engine.core.database import DatabaseConfigError, mask_url
from tracetui.engine.core.names import InvalidName, check_backend
from tracetui.engine.recording.importer import (
    DEFAULT_BACKEND,
    ImportFormatError,
    environment_of,
    own_values,
    read_results,
)

if TYPE_CHECKING:
    from tracetui.engine.recording.history import History


def _started_at(data: Mapping[str, Any]) -> float:
    stamp = data.get("datetime")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            pass
    return time.time()


def import_pytest_benchmark_json(
    path: Path, history: History, *, backend: str | None = None
) -> str:
    """Record a pytest-benchmark JSON file as one history run; return the new run id.

    ``backend`` labels the run (``sqlite``, ``postgresql``...); without it,
    the backend tracetui's plugin wrote into the file, else
    :data:`DEFAULT_BACKEND` (the label ``tracetui run --pytest`` uses too).
    All or nothing: a bad file raises :class:`ImportFormatError` and the
    history is unchanged. A file already imported (same bytes) is not
    imported twice: its earlier run id is returned.
    """
    from tracetui.engine.core.plan import new_run_id
    from tracetui.engine.recording.history import results as results_table
    from tracetui.engine.recording.history import runs as runs_table

    path = Path(path)
    data, results = read_results(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with history.engine.connect() as conn:
        earlier = conn.scalar(
            sa.select(runs_table.c.run_id).where(
                runs_table.c.source == "import",
                runs_table.c.environment.contains(f'"import_sha256": "{digest}"'),
            )
        )
    if earlier:
        raise AlreadyImported(earlier)
    backends = own_values(data, "backend")
    urls = own_values(data, "db_url")
    chosen = backend or (backends.pop() if len(backends) == 1 else DEFAULT_BACKEND)
    try:
        check_backend(chosen)
        db_url = mask_url(urls.pop()) if len(urls) == 1 else ""
    except (InvalidName, DatabaseConfigError) as exc:
        raise ImportFormatError(f"{path}: {exc}") from None
    environment = {
        **environment_of(data, f"import {path.name}", chosen),
        "import_sha256": digest,
    }
    started = _started_at(data)
    run_id = new_run_id()
    with history.engine.begin() as conn:
        conn.execute(
            runs_table.insert().values(
                run_id=run_id,
                started_at=started,
                finished_at=started,
                status="completed",
                profile="import",
                backend=chosen,
                db_url=db_url,
                commit=environment.get("commit"),
                source="import",
                environment=json.dumps(environment, default=str),
                regressions=0,
                failures=0,
            )
        )
        conn.execute(
            results_table.insert(),
            [
                {
                    "run_id": run_id,
                    "benchmark_id": r.id,
                    "suite": r.suite,
                    "median": r.median,
                    "result": json.dumps(r.to_json()),
                }
                for r in results
            ],
        )
    return run_id


class AlreadyImported(Exception):
    """The file was imported before, as run ``run_id``."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


def json_files(paths: Sequence[Path]) -> list[Path]:
    """Files to import: each file as given, each folder's ``*.json`` (recursively, sorted).

    A pytest-benchmark storage folder (``.benchmarks/``) holds one folder per
    machine with ``0001_….json`` files; its runs come out in storage order.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


@dataclass
class ImportSummary:
    """What :func:`import_files` did: per file a run id, an earlier run id, or an error."""

    imported: list[tuple[Path, str, int]] = field(default_factory=list)  # path, run id, results
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # path, earlier run id
    refused: list[tuple[Path, str]] = field(default_factory=list)  # path, one-line reason

    def line(self) -> str:
        results = sum(n for _, _, n in self.imported)
        parts = [
            f"imported {len(self.imported)} file(s) ({results} results) as "
            + (", ".join(run for _, run, _ in self.imported) or "no run")
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} already imported")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return "; ".join(parts)


def import_files(
    paths: Sequence[Path], history: History, *, backend: str | None = None
) -> ImportSummary:
    """Import each file (folders expanded) as its own run; a bad file is refused alone."""
    summary = ImportSummary()
    for path in json_files(paths):
        try:
            run_id = import_pytest_benchmark_json(path, history, backend=backend)
        except AlreadyImported as exc:
            summary.skipped.append((path, exc.run_id))
        except ImportFormatError as exc:
            summary.refused.append((path, str(exc)))
        else:
            count = len(history.results(run_id))
            summary.imported.append((path, run_id, count))
    return summary

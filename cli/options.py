"""Typed options of ``tracetui run``, built once from click's values and checked.

:class:`RunOptions` is what the run pipeline (:mod:`tracetui.cli.headless`)
takes: one frozen object instead of two dozen parameters. A new ``run``
option is a click decorator in :mod:`tracetui.cli.main`, a field here and
one line in :meth:`RunOptions.from_click`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracetui.cli.errors import fail
from tracetui.engine.core.profiles import UnknownProfile, get_profile
from tracetui.engine.judging.verdicts import Level

LOAD_USERS_RANGE = (1, 1000)
LOAD_DURATION_RANGE = (1.0, 3600.0)
EXPECT_WORKERS_RANGE = (1, 64)


def parse_duration(text: str) -> float:
    """``10``, ``10s``, ``2m``, ``1h`` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    scale = 1
    if value and value[-1] in units:
        scale = units[value[-1]]
        value = value[:-1]
    try:
        seconds = float(value) * scale
    except ValueError:
        fail(f"invalid duration {text!r} (use e.g. 10s, 2m)")
    return seconds


@dataclass(frozen=True)
class ReportPaths:
    """Where to write the report files (None: not asked for)."""

    json: Path | None = None
    junit: Path | None = None
    markdown: Path | None = None


@dataclass(frozen=True)
class LoadOptions:
    """How the load suite drives Locust; None means the suite's default."""

    users: int | None = None
    spawn_rate: float | None = None
    duration: float | None = None  # seconds
    host: str | None = None
    user_class: str | None = None
    master: bool = False
    expect_workers: int = 0
    master_bind_host: str | None = None
    master_port: int | None = None

    @classmethod
    def from_click(cls, values: Mapping[str, Any]) -> LoadOptions:
        users, spawn_rate = values["users"], values["spawn_rate"]
        if users is not None:
            lo, hi = LOAD_USERS_RANGE
            if not lo <= users <= hi:
                fail(f"--users {users} is out of range (allowed {lo}–{hi})")
        duration = None
        if values["duration"] is not None:
            duration = parse_duration(values["duration"])
            lo_d, hi_d = LOAD_DURATION_RANGE
            if not lo_d <= duration <= hi_d:
                fail(f"--duration {values['duration']} is out of range (allowed 1s–1h)")
        master, expect_workers = values["master"], values["expect_workers"]
        if master:
            lo_w, hi_w = EXPECT_WORKERS_RANGE
            if not lo_w <= expect_workers <= hi_w:
                fail(f"--master needs --expect-workers in {lo_w}–{hi_w}, got {expect_workers}")
        elif values["master_bind_host"] or values["master_port"]:
            fail("--master-bind-host and --master-port go with --master")
        return cls(
            users=users,
            spawn_rate=spawn_rate,
            duration=duration,
            host=values["host"],
            user_class=values["user_class"],
            master=master,
            expect_workers=expect_workers,
            master_bind_host=values["master_bind_host"],
            master_port=values["master_port"],
        )

    def plan_options(self) -> dict[str, Any]:
        """The plan's options for the load suite: only what was given."""
        options: dict[str, Any] = {
            key: value
            for key, value in (
                ("users", self.users),
                ("spawn_rate", self.spawn_rate),
                ("duration", self.duration),
                ("host", self.host),
                ("user_class", self.user_class),
            )
            if value is not None
        }
        if self.master:
            options.update(master=True, expect_workers=self.expect_workers)
            if self.master_bind_host is not None:
                options["master_bind_host"] = self.master_bind_host
            if self.master_port is not None:
                options["master_port"] = self.master_port
        return options


@dataclass(frozen=True)
class RunOptions:
    """Everything ``tracetui run`` was asked for, validated."""

    selection: tuple[str, ...] = ()
    db_url: str = ""
    profile: str = "standard"
    fail_on: Level = Level.CRITICAL
    #: ``--ci``: re-run doubtful verdicts (INCONCLUSIVE, regressions) once before judging.
    confirm_doubtful: bool = False
    reports: ReportPaths = ReportPaths()
    baselines_dir: Path | None = None
    history_path: Path = Path()
    load: LoadOptions = LoadOptions()
    interleave: bool = False
    profile_regressions: bool = False
    noise_check: bool = True
    #: ``--against REV``: measure REV beside the working tree (paired A/B).
    against_rev: str | None = None
    #: ``--pytest``: ``selection`` holds pytest's arguments (paths, node ids, options).
    pytest_mode: bool = False
    #: ``--backend``: the backend label of a ``--pytest`` run.
    backend: str | None = None
    #: ``--profile`` given on the command line (a ``--pytest`` run maps only a chosen one).
    profile_given: bool = False

    @classmethod
    def from_click(cls, values: Mapping[str, Any], *, profile_given: bool = False) -> RunOptions:
        """Check and type the values click parsed (a bad one: one line, exit 2)."""
        try:
            get_profile(values["profile"])
        except UnknownProfile as exc:
            fail(str(exc))
        return cls(
            selection=tuple(values["selection"]),
            db_url=values["db_url"],
            profile=values["profile"],
            fail_on=Level[values["fail_on"].upper()],
            confirm_doubtful=values["ci"],
            reports=ReportPaths(
                json=values["json_path"],
                junit=values["junit_path"],
                markdown=values["markdown_path"],
            ),
            baselines_dir=values["baselines_dir"],
            history_path=values["history_path"],
            load=LoadOptions.from_click(values),
            interleave=values["interleave"],
            profile_regressions=values["profile_regressions"],
            noise_check=values["noise_check"],
            against_rev=values["against_rev"],
            pytest_mode=values["pytest_mode"],
            backend=values["backend"],
            profile_given=profile_given,
        )

    def plan_options(self) -> dict[str, Any]:
        """The options a suite run's plan carries to the worker."""
        options = self.load.plan_options()
        if self.interleave:
            options["interleave"] = True
        return options

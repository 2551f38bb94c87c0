"""``tracetui run SELECTION --against REV``: the base revision measured beside the head.

This module owns the git side and the run: resolve REV to a commit, check
it out into a worktree of tracetui's own (``.tracetui/worktrees/<commit>``
under the repository's top level, kept and reused for the same commit),
refuse a base too old to speak today's worker protocol, then let
:mod:`tracetui.engine.measuring.paired` measure base and head (the working
tree, dirty or not) in K process pairs with alternating rounds, judge each
benchmark on its paired ratios (:mod:`tracetui.engine.judging.paired`),
record the head's results in the history and report, naming both commits.
Every failure of the git side is one line and exit code 2.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from tracetui.cli.headless import ExitCode, exit_code_for, info, report
from tracetui.cli.options import ReportPaths
from tracetui.engine.core.database import backend_name, describe_target, parse_url
from tracetui.engine.core.events import BenchmarkFinished, RunFinished, RunStarted
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.judging.paired import paired_verdict, straddles
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.measuring.paired import (
    MissingBenchmarks,
    Side,
    SideDatabaseError,
    SideError,
    pairs_for,
    run_paired,
)
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecorder

WORKTREES = Path(".tracetui") / "worktrees"
#: What a tracetui tree that speaks today's protocol declares (issue 9's layout).
PROTOCOL_MARK = '"tracetui.suites" = "suites"'


class AgainstError(Exception):
    """The base cannot be had; one line for the user, exit code 2."""


@dataclass(frozen=True)
class Checkout:
    top: Path  # the repository's working tree: the head side
    rev: str
    commit: str  # full id of the base
    tree: Path  # the base's worktree
    head_commit: str | None
    head_dirty: bool


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise AgainstError("--against needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise AgainstError(f"git {args[0]} took too long") from None


def _is_tracetui_tree(tree: Path) -> bool:
    return (tree / "engine").is_dir() and (tree / "suites").is_dir()


def checkout(rev: str, cwd: Path | None = None) -> Checkout:
    """The base worktree for ``rev``, created on first use (raises AgainstError)."""
    cwd = cwd or Path.cwd()
    top_out = _git(cwd, "rev-parse", "--show-toplevel")
    if top_out.returncode != 0:
        raise AgainstError(f"--against needs a git repository, and {cwd} is not in one")
    top = Path(top_out.stdout.strip())
    found = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", found.stdout.strip()):
        raise AgainstError(f"--against {rev}: no such revision in {top}")
    commit = found.stdout.strip()
    if _is_tracetui_tree(top):
        pyproject = _git(top, "show", f"{commit}:pyproject.toml")
        if pyproject.returncode != 0 or PROTOCOL_MARK not in pyproject.stdout:
            raise AgainstError(
                f"--against {rev}: base too old ({commit[:10]} predates the tracetui.* layout "
                "its worker protocol needs)"
            )
    head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD")
    status = _git(top, "status", "--porcelain", "--untracked-files=no")
    tree = top / WORKTREES / commit
    if not _valid_worktree(tree, commit):
        if tree.exists():
            shutil.rmtree(tree, ignore_errors=True)
            _git(top, "worktree", "prune")
        tree.parent.mkdir(parents=True, exist_ok=True)
        added = _git(top, "worktree", "add", "--detach", "--force", str(tree), commit)
        if added.returncode != 0 and not _valid_worktree(tree, commit):
            reason = (added.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
            raise AgainstError(f"--against {rev}: cannot check out {commit[:10]}: {reason}")
    return Checkout(
        top=top,
        rev=rev,
        commit=commit,
        tree=tree,
        head_commit=head.stdout.strip() or None if head.returncode == 0 else None,
        head_dirty=bool(status.stdout.strip()),
    )


def _valid_worktree(tree: Path, commit: str) -> bool:
    if not tree.is_dir():
        return False
    out = _git(tree, "rev-parse", "HEAD")
    return out.returncode == 0 and out.stdout.strip() == commit


def side_url(db_url: str, side: str, run_id: str) -> str:
    """Each side a database of its own (schemas may differ between revisions), emptied
    for every process pair and removed after the run: a SQLite file next to the run's,
    or on PostgreSQL a database named after the run, ``tracetui_<run>_<side>``, on the
    run's server. Another URL (``:memory:``, another backend) is shared as given."""
    prefix = "sqlite:///"
    if db_url and backend_name(db_url) == "postgresql":
        name = f"tracetui_{run_id}_{side}".lower().replace("-", "_")
        return parse_url(db_url).set(database=name).render_as_string(hide_password=False)
    if not db_url.startswith(prefix) or db_url.endswith(":memory:") or db_url == prefix:
        return db_url
    path = db_url[len(prefix) :]
    stem, dot, ext = path.rpartition(".")
    return prefix + (f"{stem}-{side}.{ext}" if dot else f"{path}-{side}")


def describe(c: Checkout) -> str:
    head = (c.head_commit or "no commit")[:10] + (" + uncommitted changes" if c.head_dirty else "")
    return f"head {head} (working tree) vs base {c.rev} = {c.commit[:10]}"


def run_against(
    rev: str,
    ids: list[str],
    *,
    profile: str,
    db_url: str,
    options: dict[str, Any],
    policy: Any,
    history: History,
    fail_level: Level,
    paths: ReportPaths,
) -> ExitCode:
    """The whole paired run; returns the exit code (AgainstError → one line, exit 2)."""
    if any(b.split(".", 1)[0] == "load" for b in ids):
        info("tracetui: --against does not measure load benchmarks: select suites without load")
        return ExitCode.USAGE
    try:
        base_checkout = checkout(rev)
    except AgainstError as exc:
        info(f"tracetui: {exc}")
        return ExitCode.USAGE
    prof = get_profile(profile)
    k = pairs_for(prof)
    info(f"tracetui: paired A/B, {describe(base_checkout)}: {len(ids)} benchmarks × {k} pairs")
    plan = Plan(benchmark_ids=tuple(ids), profile=profile, db_url=db_url, options=options)
    base_url, head_url = (side_url(db_url, side, plan.run_id) for side in ("base", "head"))
    own = base_url != db_url  # a database of our own per side: fresh for every pair
    base = Side("base", base_checkout.tree, base_url, own_database=own, server_url=db_url)
    head = Side("head", base_checkout.top, head_url, own_database=own, server_url=db_url)
    if own and backend_name(db_url) == "postgresql":
        names = " and ".join(parse_url(s.db_url).database or "" for s in (base, head))
        info(
            f"tracetui: base and head each in a database of their own on the server of "
            f"{describe_target(db_url)}: {names} (dropped after the run)"
        )
    status = "completed"
    measured: dict[str, Any] = {}
    environment: dict[str, Any] = {}

    def verdict_of(item: Any) -> Verdict:
        return paired_verdict(
            item.benchmark_id,
            item.head_rounds,
            item.base_rounds,
            item.head,
            item.base,
            policy.thresholds_for(item.benchmark_id),
            head_error=item.head_error,
            base_error=item.base_error,
        )

    def undecided(sofar: dict[str, Any]) -> list[str]:
        return [
            bid
            for bid, item in sofar.items()
            if straddles(verdict_of(item), policy.thresholds_for(bid))
        ]

    try:
        measured, environment = run_paired(
            ids,
            base=base,
            head=head,
            profile=prof,
            options=options,
            seed=plan.seed,
            undecided=undecided,
            say=info,
        )
    except MissingBenchmarks as exc:
        info(f"tracetui: --against {rev} ({base_checkout.commit[:10]}): {exc}")
        return ExitCode.USAGE
    except SideDatabaseError as exc:
        info(f"tracetui: error: --against {rev}: {exc}")
        return ExitCode.USAGE
    except SideError as exc:
        info(f"tracetui: --against {rev}: {exc}")
        return ExitCode.BENCHMARK_FAILED
    except KeyboardInterrupt:
        status = "cancelled"
    recorder = RunRecorder(plan.run_id, history)
    against = {"rev": rev, "commit": base_checkout.commit, "pairs": k}
    recorder(
        RunStarted(
            run_id=plan.run_id,
            benchmark_ids=plan.benchmark_ids,
            profile=profile,
            backend=environment.get("backend", ""),
            db_url=environment.get("db_url", ""),
            environment={**environment, "against": against},
        )
    )
    verdicts: list[Verdict] = []
    for bid in ids:
        item = measured.get(bid)
        if item is None:
            continue
        if item.head is not None and item.head_rounds:
            pooled = [s for rounds in item.head_rounds for s in rounds]
            recorder(
                BenchmarkFinished(result=_replace_samples(item.head, pooled, base_checkout.commit))
            )
        verdicts.append(verdict_of(item))
    recorder(RunFinished(run_id=plan.run_id, status=status))
    recorder.finish(verdicts)
    click.echo(f"paired A/B: {describe(base_checkout)}, {k} process pairs")
    report(recorder.record, verdicts, fail_level, paths)
    return exit_code_for(verdicts, status, fail_level)


def _replace_samples(result: Any, samples: list[float], commit: str) -> Any:
    from dataclasses import replace

    evidence = {**result.evidence, "method": "paired", "against": commit}
    return replace(result, samples=tuple(samples), evidence=evidence)

"""`tracetui run`'s options: built once from click's values into typed, checked objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tracetui.cli.errors import CliError
from tracetui.cli.main import cli, run_command
from tracetui.cli.options import LoadOptions, RunOptions
from tracetui.engine.judging.verdicts import Level


def click_values(*args: str) -> dict:
    """The values click hands ``run_command`` for ``tracetui run ARGS``."""
    ctx = run_command.make_context("run", list(args))
    return dict(ctx.params)


def test_defaults_are_a_standard_run_with_no_load_options() -> None:
    options = RunOptions.from_click(click_values())
    assert options.profile == "standard"
    assert options.fail_on is Level.CRITICAL
    assert not options.confirm_doubtful
    assert options.noise_check
    assert options.plan_options() == {}
    assert options.reports.json is None


def test_every_value_lands_in_its_field() -> None:
    options = RunOptions.from_click(
        click_values(
            "load",
            "--ci",
            "--profile",
            "smoke",
            "--fail-on",
            "warning",
            "--json",
            "o.json",
            "--users",
            "20",
            "--duration",
            "2m",
            "--master",
            "--expect-workers",
            "2",
            "--master-port",
            "6000",
            "--interleave",
            "--no-noise-check",
        )
    )
    assert options.selection == ("load",)
    assert options.confirm_doubtful and options.fail_on is Level.WARNING
    assert options.reports.json == Path("o.json")
    assert options.load == LoadOptions(
        users=20, duration=120.0, master=True, expect_workers=2, master_port=6000
    )
    assert options.plan_options() == {
        "users": 20,
        "duration": 120.0,
        "master": True,
        "expect_workers": 2,
        "master_port": 6000,
        "interleave": True,
    }
    assert not options.noise_check


def test_options_are_frozen() -> None:
    options = RunOptions.from_click(click_values())
    with pytest.raises(AttributeError):
        options.profile = "smoke"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "turbo"], "unknown profile 'turbo'"),
        (["--users", "1001"], "allowed 1–1000"),
        (["--duration", "soon"], "invalid duration 'soon'"),
        (["--master-port", "6000"], "go with --master"),
    ],
)
def test_bad_values_are_one_user_error(args: list[str], message: str) -> None:
    with pytest.raises(CliError, match=message):
        RunOptions.from_click(click_values(*args))


def test_ci_help_says_what_it_does() -> None:
    help_text = " ".join(CliRunner().invoke(cli, ["run", "--help"]).output.split())
    assert "no colour" not in help_text
    assert "--ci Confirm doubtful verdicts" in help_text

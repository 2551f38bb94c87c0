"""Nothing is lost by accident: panels never cancel, long runs and unsaved work ask first."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import HelpPanel
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.tui.review import Decision, Review
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import CannedFactory, result
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for


async def paused_dashboard(app, pilot, factory) -> DashboardScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    await pilot.press("r")
    await wait_for(pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set())
    dash = app.screen
    assert isinstance(dash, DashboardScreen)
    return dash


def test_help_then_escape_closes_the_panel_and_never_cancels(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=2)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            dash = await paused_dashboard(app, pilot, factory)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: bool(dash.query(HelpPanel)))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not dash.query(HelpPanel))
            await pilot.pause(0.1)
            assert dash.running and not factory.runs[0].cancelled.is_set()
            assert dash.status == "running"
            factory.runs[0].resume()
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))

    run(scenario())


def test_a_fresh_run_cancels_at_once_and_an_old_one_asks_once(make_app):
    factory = CannedFactory(STEPS, pause_after_finished=2)
    now = [0.0]

    async def scenario():
        app = make_app(factory, clock=lambda: now[0])
        async with app.run_test(size=SIZE) as pilot:
            dash = await paused_dashboard(app, pilot, factory)
            now[0] = 60.0
            await pilot.press("ctrl+c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("ctrl+c")  # a second press while it asks does not stack questions
            await pilot.pause()
            assert len([s for s in app.screen_stack if isinstance(s, ConfirmScreen)]) == 1
            await pilot.press("escape")  # escape means "keep running"
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            assert dash.running and not factory.runs[0].cancelled.is_set()
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert factory.runs[0].cancelled.is_set()

    run(scenario())


async def to_review(app, pilot) -> ApprovalScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
    return app.screen


def test_quitting_with_unsaved_acceptances_asks_and_stay_keeps_them(make_app, baselines: Path):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            review = await to_review(app, pilot)
            await pilot.press("a", "a", "q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "2 accepted rows are not saved" in screen_text(app)
            await pilot.press("c")
            await wait_for(pilot, lambda: app.screen is review)
            assert app.is_running
            assert review.review.unsaved() == ["demo.lookup[10]", "demo.lookup[100]"]
            await pilot.press("escape", "d")  # back, discard: the dashboard
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))

    run(scenario())


def test_save_from_the_question_writes_then_quits(make_app, baselines: Path):
    demo = baselines / "demo.sqlite.toml"
    before = demo.read_text()

    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            await to_review(app, pilot)
            await pilot.press("a", "q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("s")
            await wait_for(pilot, lambda: not app.is_running)
        assert app.return_value == 0

    run(scenario())
    assert demo.read_text() != before  # lookup[10] was written


def test_saved_or_only_rejected_rows_leave_without_asking(make_app, baselines: Path):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            await to_review(app, pilot)
            await pilot.press("a", "s", "x", "escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))

    run(scenario())


def pooled_review(profile: str, root: Path) -> tuple[Review, BaselineStore]:
    store = BaselineStore(root)
    bid = "demo.lookup[10]"
    store.accept(
        [result(bid, 0.001, rounds=53)],
        backend="sqlite",
        provenance={"run_id": "r5", "profile": "standard", "pooled_runs": ["r1", "r2", "r3", "r4"]},
    )
    references = store.load("demo", "sqlite").entries
    review = Review(
        run_id="now",
        backend="sqlite",
        verdicts=[
            Verdict(bid, Level.INFO, baseline=0.001, current=0.00101, change=0.01),
            Verdict("demo.lookup[100]", Level.NEW, current=0.002),
        ],
        results={bid: result(bid, 0.00101, rounds=5), "demo.lookup[100]": result("x.y", 0.002)},
        references=references,
        profile=profile,
    )
    return review, store


def test_a_smoke_row_over_a_pooled_baseline_is_named_and_asks(make_app, workdir: Path):
    review, store = pooled_review("smoke", workdir / "pooled")
    reason = review.weakens_baseline("demo.lookup[10]")
    assert reason == (
        "demo.lookup[10]: replaces a baseline pooled from 5 standard runs (53 rounds)"
        " with this one smoke run (5 rounds)"
    )
    assert pooled_review("standard", workdir / "p2")[0].weakens_baseline("demo.lookup[10]") == ""

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await app.push_screen(ApprovalScreen(review, store=store, history=None))
            await pilot.pause()
            assert "pooled from 5 standard runs" in screen_text(app)  # said in the hint line
            await pilot.press("A")  # accept-all leaves it for a one-by-one decision
            assert review.decisions["demo.lookup[10]"] == Decision.PENDING
            assert review.decisions["demo.lookup[100]"] == Decision.ACCEPTED
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "pooled from 5 standard runs" in app.screen.question
            assert "Accept it anyway?" in screen_text(app)
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert review.decisions["demo.lookup[10]"] == Decision.PENDING
            await pilot.press("a", "y")
            await wait_for(pilot, lambda: review.decisions["demo.lookup[10]"] == Decision.ACCEPTED)

    run(scenario())


def test_escape_closes_the_key_panel_before_leaving_the_review(make_app, baselines: Path):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            review = await to_review(app, pilot)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: bool(review.query(HelpPanel)))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not review.query(HelpPanel))
            assert app.screen is review  # still here, nothing asked

    run(scenario())

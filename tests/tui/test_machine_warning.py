"""The approval screen says when accepting would replace a baseline from another machine."""

from __future__ import annotations

from pathlib import Path

from tracetui.engine.judging.baselines import BaselineStore, provenance_of
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.tui.review import Decision, Review
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import result
from tests.tui.conftest import SIZE
from tests.tui.helpers import run, screen_text, wait_for

BID = "demo.lookup[10]"
THIS = {
    "commit": "0123456789abcdef",
    "cpu": "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz",
    "cpu_count": 2,
    "python_implementation": "CPython",
    "python": "3.12.3",
    "system": "Linux 6.8.0",
    "arch": "x86_64",
    "backend": "sqlite",
    "driver_version": "3.45.1",
    "fingerprint": "aaaaaaaaaaaa",
}


def review_over(root: Path, fingerprint: str) -> tuple[Review, BaselineStore]:
    """A review of one run on THIS machine over a baseline accepted on ``fingerprint``'s."""
    store = BaselineStore(root)
    elsewhere = {**THIS, "cpu": "AMD EPYC 7763 64-Core Processor", "cpu_count": 16}
    elsewhere["fingerprint"] = fingerprint
    store.accept([result(BID, 0.001)], backend="sqlite", provenance=provenance_of("r0", elsewhere))
    review = Review(
        run_id="now",
        backend="sqlite",
        verdicts=[
            Verdict(BID, Level.INFO, baseline=0.001, current=0.00101, change=0.01),
            Verdict("demo.lookup[100]", Level.NEW, current=0.002),
        ],
        results={BID: result(BID, 0.00101), "demo.lookup[100]": result("demo.lookup[100]", 0.002)},
        references=store.load("demo", "sqlite").entries,
        provenance=provenance_of("now", THIS, accepted_by="tracetui launch"),
        profile="standard",
    )
    return review, store


def test_a_row_over_another_machines_baseline_is_named_and_asks(make_app, workdir: Path):
    review, store = review_over(workdir / "other", "bbbbbbbbbbbb")
    reason = review.weakens_baseline(BID)
    assert reason == (
        f"{BID}: replaces a baseline measured on another machine (16 × AMD EPYC 7763 64-Core,"
        " CPython 3.12.3, Linux 6.8.0 x86_64, sqlite 3.45.1 → this one 2 × Intel Xeon"
        " Platinum 8272CL, CPython 3.12.3, Linux 6.8.0 x86_64, sqlite 3.45.1)"
    )
    same, _ = review_over(workdir / "same", THIS["fingerprint"])
    assert same.weakens_baseline(BID) == ""  # the same machine: nothing to say

    async def scenario():
        app = make_app()
        async with app.run_test(size=(200, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await app.push_screen(ApprovalScreen(review, store=store, history=None))
            await pilot.pause()
            text = screen_text(app)
            assert "⚠ replaces a baseline measured on another machine (16 × AMD EPYC" in text
            await pilot.press("A")  # accept-all leaves it for a one-by-one decision
            assert review.decisions[BID] == Decision.PENDING
            assert review.decisions["demo.lookup[100]"] == Decision.ACCEPTED
            assert any("measured on another machine" in n.message for n in app._notifications)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "measured on another machine" in app.screen.question
            await pilot.press("y")
            await wait_for(pilot, lambda: review.decisions[BID] == Decision.ACCEPTED)

    run(scenario())


def test_the_same_machine_gets_the_usual_hint_and_no_question(make_app, workdir: Path):
    review, store = review_over(workdir / "same", THIS["fingerprint"])

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await app.push_screen(ApprovalScreen(review, store=store, history=None))
            await pilot.pause()
            assert "enter: distributions and trend" in screen_text(app)
            await pilot.press("a")
            await pilot.pause()
            assert review.decisions[BID] == Decision.ACCEPTED  # accepted without a question

    run(scenario())


def test_the_review_says_the_machine_factor_before_any_row(make_app, workdir: Path):
    """The console shows what the headless table prints first: the factor the time
    verdicts are relative to, and the benchmarks slower than it explains."""
    review, store = review_over(workdir / "other", "bbbbbbbbbbbb")
    review.machine = (
        "baseline measured on another machine: this one ×1.67, the median of 38 benchmarks"
        "\nslower than the machine factor explains (not gating): demo.lookup[10] +52 %"
    )
    quiet, _ = review_over(workdir / "same", THIS["fingerprint"])

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await app.push_screen(ApprovalScreen(review, store=store, history=None))
            await pilot.pause()
            text = screen_text(app)
            assert "this one ×1.67, the median of 38 benchmarks" in text
            assert "(not gating): demo.lookup[10] +52 %" in text
            app.pop_screen()
            await app.push_screen(ApprovalScreen(quiet, store=store, history=None))
            await pilot.pause()
            assert not app.screen.query("#approval-machine")  # the same machine: no line

    run(scenario())

"""The approval screen: levels shown, accept/reject/accept-all, save writes only accepted rows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import DataTable
from textual_plotext import PlotextPlot
from tracetui.tui.review import Decision
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.detail import DetailScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import CannedFactory
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for

ORDER = [
    "demo.lookup[10]",
    "demo.lookup[100]",
    "demo.create",
    "demo.browse",
    "demo.broken",
    "extra.scan",
]


async def run_to_approval(app, pilot) -> ApprovalScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
    app.clear_notifications()
    return app.screen


def entries(path: Path) -> dict:
    return tomllib.loads(path.read_text())["benchmarks"]


def test_rows_show_levels_changes_significance_and_sql(make_app, baselines):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_to_approval(app, pilot)
            table = screen.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == ORDER
            levels = [str(table.get_row(bid)[0]) for bid in ORDER]
            assert levels == ["INFO", "CRITICAL", "NEW", "NEW", "FAILED", "INFO"]
            critical = table.get_row("demo.lookup[100]")
            assert str(critical[3]) == "+100.0 %"
            assert str(critical[6]).startswith("p=0.000")
            assert str(critical[7]) == "2 → 3"  # one more SQL statement per call
            assert critical[0].style == "bold red"
            assert table.get_row("demo.create")[0].style == "bold blue"
            assert str(table.get_row("demo.lookup[10]")[5]) == "995.0 µs"
            await pilot.press("down", "down", "down", "down")
            assert "demo.broken: RuntimeError: the canned benchmark broke" in screen_text(app)

    run(scenario())


def test_save_writes_only_accepted_rows_and_leaves_rejected_files_identical(
    make_app, baselines: Path
):
    demo_file, extra_file = baselines / "demo.sqlite.toml", baselines / "extra.sqlite.toml"
    demo_before, extra_before = demo_file.read_bytes(), extra_file.read_bytes()

    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_to_approval(app, pilot)
            await pilot.press("s")  # nothing accepted yet: nothing written
            assert demo_file.read_bytes() == demo_before
            assert any("Nothing accepted" in n.message for n in app._notifications)
            # lookup[10] accept, lookup[100] reject, create accept, browse skip,
            # broken (cannot be accepted), scan reject
            await pilot.press("a", "x", "a", "down", "a", "down", "x")
            decisions = screen.review.decisions
            assert decisions["demo.lookup[10]"] == Decision.ACCEPTED
            assert decisions["demo.lookup[100]"] == Decision.REJECTED
            assert decisions["demo.create"] == Decision.ACCEPTED
            assert decisions["demo.browse"] == Decision.PENDING
            assert decisions["demo.broken"] == Decision.PENDING
            assert decisions["extra.scan"] == Decision.REJECTED
            assert any("no result to accept" in n.message for n in app._notifications)
            assert str(screen.query_one(DataTable).get_row("demo.create")[1]) == "✓ accept"
            app.clear_notifications()
            await pilot.press("s")
            await pilot.pause()
            saved = [n for n in app._notifications if n.title.startswith("Saved")]
            assert len(saved) == 1 and "demo.sqlite.toml" in saved[0].message
            assert "extra.sqlite.toml" not in saved[0].message

    run(scenario())
    assert extra_file.read_bytes() == extra_before  # only rejected rows: byte-identical
    before, after = tomllib.loads(demo_before.decode())["benchmarks"], entries(demo_file)
    assert set(after) == {"demo.lookup[10]", "demo.lookup[100]", "demo.create"}
    assert after["demo.lookup[100]"] == before["demo.lookup[100]"]  # rejected: untouched
    assert after["demo.lookup[10]"]["provenance"]["run_id"] == "20251124-160000-test"
    assert after["demo.lookup[10]"]["provenance"]["commit"] == "0123456789abcdef"
    assert "demo.browse" not in after  # undecided rows are not written


def test_accept_all_leaves_critical_and_failed_rows(make_app, baselines: Path):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_to_approval(app, pilot)
            await pilot.press("down", "down", "down", "down", "down", "x")  # reject scan
            await pilot.press("A")
            decisions = screen.review.decisions
            assert [decisions[b] for b in ORDER] == [
                Decision.ACCEPTED,
                Decision.PENDING,
                Decision.ACCEPTED,
                Decision.ACCEPTED,
                Decision.PENDING,
                Decision.REJECTED,
            ]

    run(scenario())


def test_enter_opens_the_detail_with_both_plots(make_app, baselines: Path):
    async def scenario():
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            await run_to_approval(app, pilot)
            await pilot.press("down", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            assert app.screen.benchmark_id == "demo.lookup[100]"
            assert len(app.screen.query(PlotextPlot)) == 2
            await pilot.pause(0.1)
            text = screen_text(app)
            assert "CRITICAL" in text
            assert "baseline vs new" in text and "one run so far — no trend yet" in text
            assert "from run 20251101-090000-base" in text
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))

    run(scenario())


def test_ids_with_brackets_are_shown_verbatim(make_app, workdir: Path):
    # A str cell or notification would be read as markup: "[low]" is a valid style tag.
    from tracetui.engine.judging.baselines import BaselineStore
    from tracetui.engine.judging.verdicts import Level, Verdict
    from tracetui.tui.review import Review

    from tests.tui.canned import result

    bid = "load.crud[low]"
    review = Review(
        run_id="r",
        backend="sqlite",
        verdicts=[Verdict(bid, Level.NEW, metric="p95", current=0.0194)],
        results={bid: result(bid, 0.0194, kind="load")},
        references={},
    )

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            app.clear_notifications()
            await app.push_screen(
                ApprovalScreen(review, store=BaselineStore(workdir / "b"), history=None)
            )
            await pilot.press("a", "s")
            await pilot.pause()
            (row,) = [line for line in screen_text(app).splitlines() if "✓ accept" in line]
            assert "load.crud[low]" in row
            assert any("load.sqlite.toml" in n.message for n in app._notifications)

    run(scenario())

"""`make status` shows the champion/challenger comparison from real data."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from ops.status.__main__ import run
from ops.status.collect import Report, SolutionStatus, collect
from ops.status.screen import render
from simulation.stack_reader import SimulatedStack
from tests.scenarios.test_champion import NDCG10, SOLUTION_ARN, next_versions_score, relative_gates, serving
from tests.scenarios.world import UP_VERSION, World


def up(report: Report) -> SolutionStatus:
    return next(s for s in report.solutions if s.arn == SOLUTION_ARN)


def screen(report: Report) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(render(report))
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_a_passing_retrain_shows_its_champion_value_drop_and_verdict(world: World) -> None:
    # GIVEN v1 (NDCG@10 0.20) replaced by v2, 0.005 below it (max_drop 0.01)
    champion = serving(world, "v1", 0.20)
    challenger = serving(world, "v2", 0.195)
    # WHEN the status is read as JSON
    out = io.StringIO()
    assert (
        run(SimulatedStack(world.sim, world.admin), as_json=True, watching=False, console=Console(file=out))
        == 0
    )
    (solution,) = [s for s in json.loads(out.getvalue())["solutions"] if s["arn"] == SOLUTION_ARN]
    # THEN the comparison names both versions, both values, the drop and that it holds
    comparison = solution["comparison"]
    assert (comparison["challenger"], comparison["champion"]) == (challenger, champion)
    (row,) = comparison["rows"]
    assert (row["metric"], row["challenger"], row["champion"], row["max_drop"], row["holds"]) == (
        NDCG10,
        0.195,
        0.2,
        0.01,
        True,
    )
    assert abs(row["drop"] - 0.005) < 1e-9


def test_a_failing_retrain_reads_fails_on_the_screen_while_the_deploy_judges_it(world: World) -> None:
    # GIVEN v1 (0.20) serving and a retrain coming out 0.02 below it
    serving(world, "v1", 0.20)
    next_versions_score(world, 0.18)
    template = relative_gates("v2")
    reader = SimulatedStack(world.sim, world.admin, template=template)
    seen: list[Report] = []

    def read(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == UP_VERSION:
            seen.append(collect(reader))

    world.hooks.append(read)
    # WHEN the deploy runs, its status read before each poll of the version
    assert not world.deploy(template).ok
    # THEN while training the comparison shows the champion's value, not measured yet
    first = up(seen[0]).comparison
    assert first is not None and first.verdicts() == [None]
    assert first.rows[0].champion == 0.2
    assert "not measured" in screen(seen[0])
    # AND once the version is ACTIVE the drop is shown and the gate FAILS
    last = up(seen[-1]).comparison
    assert last is not None and last.verdicts() == [False]
    text = screen(seen[-1])
    assert "0.1800" in text and "0.2000" in text and "0.0200" in text and "FAILS" in text


def test_gates_without_max_drop_show_no_comparison(deployed: World) -> None:
    # GIVEN the default config (a min-only gate) deployed
    # WHEN the status is read
    report = collect(SimulatedStack(deployed.sim, deployed.admin))
    # THEN no solution has a comparison
    assert [s.comparison for s in report.solutions] == [None, None]

"""`ops.status` against simulated deploys and the fake Personalize: the states an operator meets."""

import io
import json
import threading
import time
from typing import Any

import pytest
from rich.console import Console

from ops.status.__main__ import REDRAW_SECONDS, run, watch
from ops.status.collect import Report, collect
from simulation.personalize import Durations
from simulation.stack_reader import SimulatedStack
from tests.scenarios.world import CAMPAIGN, UP_SOLUTION, UP_VERSION, World, open_world, templates

NDCG10 = "normalized_discounted_cumulative_gain_at_10"


def _arn(world: World, lid: str) -> str:
    return world.sim.resources[lid].physical_id.removeprefix("adopted:")


def _console() -> Console:
    return Console(file=io.StringIO(), width=160)


def _solution(report: Report, arn: str) -> Any:
    return next(s for s in report.solutions if s.arn == arn)


def test_mid_training_shows_the_polling_link_and_two_left(
    world: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a first deploy whose training outlasts two wait links (default: version + 4 links)
    seen: list[Report] = []
    reader = SimulatedStack(world.sim, world.admin, template=default_template)

    def at_third_link(kind: str, event: dict[str, Any]) -> None:
        if (
            kind == "isComplete"
            and event["LogicalResourceId"] == "TrainingUserPersonalizationWait2"
            and not seen
        ):
            seen.append(collect(reader))

    world.hooks.append(at_third_link)
    world.fake.durations.training = 3 * 3600
    # WHEN the status is read while the third member of the chain polls
    assert world.deploy(default_template).ok
    (report,) = seen
    # THEN the training is in progress at that link with two links after it (both solutions
    # train at once: CloudFormation runs independent resources in parallel)
    solution = _solution(report, _arn(world, UP_SOLUTION))
    assert solution.training is not None
    assert solution.training.status == "CREATE IN_PROGRESS"
    assert solution.training.polling == "TrainingUserPersonalizationWait2"
    assert solution.training.links_left == 2
    assert solution.training.estimate_left_seconds is None  # no earlier training of this solution
    assert report.in_progress and report.stack_status == "CREATE_IN_PROGRESS"


def test_estimate_of_time_left_comes_from_earlier_trainings(deployed: World) -> None:
    # GIVEN the solution trained once already (35 min in the fake), and a retrain in progress
    seen: list[Report] = []
    template = templates.trigger_changed()
    reader = SimulatedStack(deployed.sim, deployed.admin, template=template)

    def ten_minutes_in(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == UP_VERSION and not seen:
            report = collect(reader)
            training = _solution(report, _arn(deployed, UP_SOLUTION)).training
            if training and training.elapsed_seconds >= 600:
                seen.append(report)

    deployed.hooks.append(ten_minutes_in)
    # WHEN the status is read 10+ minutes into the retrain
    assert deployed.deploy(template).ok
    training = _solution(seen[0], _arn(deployed, UP_SOLUTION)).training
    # THEN time left = the earlier training's duration minus elapsed
    assert training is not None and training.estimate_left_seconds is not None
    assert training.estimate_left_seconds == pytest.approx(35 * 60 - training.elapsed_seconds, abs=1)


def test_gate_failing_is_shown_with_the_stack_failure(deployed: World) -> None:
    # GIVEN a retrain whose NDCG@10 comes out under the 0.05 gate
    def low_metrics(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == UP_VERSION:
            newest = deployed.versions(_arn(deployed, UP_SOLUTION))[0]["solutionVersionArn"]
            deployed.fake.set_metrics(newest, {NDCG10: 0.01})

    deployed.hooks.append(low_metrics)
    result = deployed.deploy(templates.trigger_changed())
    assert not result.ok
    # WHEN the status is read after the rollback
    report = collect(SimulatedStack(deployed.sim, deployed.admin))
    # THEN the stack's last failure names the gate, and the served version's gate still holds
    assert report.stack_status == "UPDATE_ROLLBACK_COMPLETE"
    assert NDCG10 in report.last_failure
    solution = _solution(report, _arn(deployed, UP_SOLUTION))
    assert [(g.metric, g.holds) for g in solution.gates] == [(NDCG10, True)]
    # AND a gate whose value is under its minimum reads FAILS on the screen
    solution.gates[0].value = 0.01
    console = _console()
    from ops.status.screen import render  # noqa: PLC0415

    console.print(render(report))
    assert "≥ 0.05: FAILS" in console.file.getvalue()  # type: ignore[attr-defined]


def test_campaign_update_pending(deployed: World) -> None:
    # GIVEN an UpdateCampaign in flight (8 min in the fake)
    deployed.admin.update_campaign(campaignArn=_arn(deployed, CAMPAIGN), minProvisionedTPS=3)
    # WHEN the status is read
    report = collect(SimulatedStack(deployed.sim, deployed.admin))
    # THEN the campaign shows the pending update, and the report is in progress
    (campaign,) = report.campaigns
    assert campaign.pending_update in ("CREATE PENDING", "CREATE IN_PROGRESS")
    assert campaign.min_provisioned_tps == 1
    assert report.in_progress


def test_stack_in_update_rollback_failed(deployed: World) -> None:
    # GIVEN an update whose campaign change fails, and whose rollback of it fails too
    deployed.sim.inject_failure(CAMPAIGN, "Internal failure", times=2)
    result = deployed.deploy(templates.tps_changed())
    assert result.status == "UPDATE_ROLLBACK_FAILED"
    # WHEN the status is read as JSON
    out = io.StringIO()
    assert (
        run(
            SimulatedStack(deployed.sim, deployed.admin),
            as_json=True,
            watching=False,
            console=Console(file=out),
        )
        == 0
    )
    data = json.loads(out.getvalue())
    # THEN the stack status and its failure are there, and nothing is in progress
    assert data["stack_status"] == "UPDATE_ROLLBACK_FAILED"
    assert data["last_failure"].startswith(f"{CAMPAIGN}: ")
    assert data["in_progress"] is False


def test_fails_when_the_stack_does_not_exist(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an account without the stack
    # WHEN status runs
    code = run(SimulatedStack(world.sim, world.admin), as_json=False, watching=False, console=_console())
    # THEN one line, exit 1
    assert code == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_watch_follows_a_three_hour_training_and_ends_by_itself(default_template: dict[str, Any]) -> None:
    # GIVEN a first deploy with a three-hour training, running beside the watcher
    with open_world(Durations(training=3 * 3600)) as world:
        reader = SimulatedStack(world.sim, world.admin, template=default_template)
        results: list[Any] = []
        deploy = threading.Thread(target=lambda: results.append(world.deploy(default_template)))
        frames: list[Report] = []

        def virtual_sleep(seconds: float) -> None:
            """Wait until the deploy moved the virtual clock by `seconds` (or finished)."""
            target = world.clock.now() + seconds
            while world.clock.now() < target and deploy.is_alive():
                time.sleep(0.002)

        deploy.start()
        while not world.sim.events and deploy.is_alive():  # `cdk deploy` has created the stack
            time.sleep(0.002)
        # WHEN it watches
        last = watch(reader, _console(), sleep=virtual_sleep, on_frame=frames.append)
        deploy.join()
    # THEN the training's elapsed time moved forward frame after frame, and the watch ended
    # when nothing was in progress any more
    per_solution: dict[str, list[float]] = {}
    for frame in frames:
        for s in frame.solutions:
            if s.training and s.training.in_progress:
                per_solution.setdefault(s.arn, []).append(s.training.elapsed_seconds)
    assert per_solution
    for elapsed in per_solution.values():
        assert elapsed == sorted(elapsed)
    assert max(e[-1] - e[0] for e in per_solution.values()) >= 2 * 3600
    assert results[0].ok and not last.in_progress and last.stack_status == "CREATE_COMPLETE"
    assert REDRAW_SECONDS == 30

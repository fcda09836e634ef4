"""`ops.drift` against a simulated deploy and the fake Personalize: each hand-made change is found,
an untouched stack is in sync (exit codes 0 / 3)."""

import pytest

from ops.drift.__main__ import DRIFTED, IN_SYNC, run
from ops.drift.compare import find_drift
from simulation.stack_reader import SimulatedStack
from tests.scenarios.world import CAMPAIGN, UP_SOLUTION, World

pytestmark = pytest.mark.usefixtures("deployed")


def _reader(world: World) -> SimulatedStack:
    return SimulatedStack(world.sim, world.admin)


def _arn(world: World, lid: str) -> str:
    return world.sim.resources[lid].physical_id.removeprefix("adopted:")


def test_untouched_stack_is_in_sync(deployed: World, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the default config deployed and nothing changed by hand
    # WHEN drift runs
    code = run(_reader(deployed))
    # THEN it reports nothing and exits 0
    assert code == IN_SYNC
    assert capsys.readouterr().out.startswith("in sync")


def test_finds_tps_changed_by_hand(deployed: World, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN someone raised the campaign's min TPS to 10 in the console
    deployed.admin.update_campaign(campaignArn=_arn(deployed, CAMPAIGN), minProvisionedTPS=10)
    deployed.clock.advance(deployed.fake.durations.campaign_update + 60)
    # WHEN drift runs
    code = run(_reader(deployed))
    # THEN exactly that line, exit 3
    assert code == DRIFTED
    assert capsys.readouterr().out.splitlines() == [
        "campaign user-personalization: min TPS declared 1, found 10 (changed outside CloudFormation)"
    ]


def test_finds_version_switched_by_hand(deployed: World) -> None:
    # GIVEN a notebook-trained version of the same solution, and the campaign switched to it by hand
    solution_arn = _arn(deployed, UP_SOLUTION)
    declared = deployed.campaign(_arn(deployed, CAMPAIGN))["solutionVersionArn"]
    other = deployed.fake.seed_solution_version(solution_arn)
    deployed.admin.update_campaign(campaignArn=_arn(deployed, CAMPAIGN), solutionVersionArn=other)
    deployed.clock.advance(deployed.fake.durations.campaign_update + 60)
    # WHEN drift runs
    drifts = find_drift(_reader(deployed))
    # THEN the campaign's version is reported, declared vs found
    assert [(d.subject, d.what, d.declared, d.found) for d in drifts] == [
        ("campaign user-personalization", "version", declared.rsplit("/", 1)[1], other.rsplit("/", 1)[1])
    ]


def test_finds_auto_training_turned_on_by_hand(deployed: World) -> None:
    # GIVEN auto-training switched on in the console (every 7 days, billed)
    deployed.admin.update_solution(solutionArn=_arn(deployed, UP_SOLUTION), performAutoTraining=True)
    deployed.clock.advance(deployed.fake.durations.solution_update + 60)
    # WHEN drift runs
    lines = [d.line() for d in find_drift(_reader(deployed))]
    # THEN
    assert lines == [
        "solution user-personalization: auto-training declared off, found on (rate(7 days)) "
        "(changed outside CloudFormation)"
    ]


def test_fails_when_the_stack_does_not_exist(deployed: World, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the stack was destroyed
    assert deployed.sim.delete().status == "DELETE_COMPLETE"
    # WHEN drift runs
    code = run(_reader(deployed))
    # THEN one line on stderr, exit 1
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err

"""The notebook's solution, version and campaign, adopted by a first deploy, are given back exactly
as found: when that deploy fails (its rollback), and when the stack is deleted.

What the stack changes on them (auto-training; the campaign's version, TPS and config) is recorded
on each when adopted (`kernel.adoption`); the release restores it and removes every tag the stack
added, the adopted version's included.
"""

from __future__ import annotations

import collections
from typing import Any, Final

import pytest

from simulation.cloudformation.scheduler import Task
from tests.scenarios.world import (
    CAMPAIGN,
    EVENT_TRACKER,
    NOTEBOOK_CAMPAIGN,
    UP_SOLUTION,
    World,
    arn,
    seed_notebook,
    templates,
)

NOTEBOOK_CAMPAIGN_ARN: Final = arn("campaign", NOTEBOOK_CAMPAIGN)
CAMPAIGN_EXPORT: Final = f"{CAMPAIGN}Parameter"  # the SSM export of the campaign: made after it
# What changes with every write whatever it writes: not part of a resource's state.
VOLATILE: Final = frozenset({"lastUpdatedDateTime", "latestSolutionUpdate", "latestCampaignUpdate"})


def as_found(world: World, solution: str, version: str) -> dict[str, Any]:
    """The full describe (timestamps of the last write aside) and the tags of each notebook resource."""
    state: dict[str, Any] = {}
    for resource_arn, describe in (
        (solution, world.solution),
        (version, world.version),
        (NOTEBOOK_CAMPAIGN_ARN, world.campaign),
    ):
        described = {k: v for k, v in describe(resource_arn).items() if k not in VOLATILE}
        tags = world.admin.list_tags_for_resource(resourceArn=resource_arn)["tags"]
        state[resource_arn] = (described, sorted((t["tagKey"], t["tagValue"]) for t in tags))
    return state


SUBJECT_KEYS: Final = ("resourceArn", "campaignArn", "solutionVersionArn", "solutionArn")


def writes_on(world: World, since: int, resource_arn: str) -> dict[str, int]:
    """Successful writes whose subject is `resource_arn` (a campaign's UpdateCampaign is the
    campaign's, not its version's), by operation."""
    subjects = [
        (c.operation, next((c.params[k] for k in SUBJECT_KEYS if k in c.params), None))
        for c in world.mutations(since)
    ]
    return dict(collections.Counter(operation for operation, subject in subjects if subject == resource_arn))


def notebook(world: World) -> tuple[str, str, dict[str, Any]]:
    """The notebook's auto-training solution, its manual version and a campaign on it, as found."""
    solution, version = seed_notebook(world, campaign=True)
    assert version is not None
    return solution, version, as_found(world, solution, version)


def test_fails_when_the_adopting_first_deploy_fails_late_and_gives_everything_back_as_found(
    world: World,
) -> None:
    # GIVEN the notebook's solution (auto-training on), version and campaign, and a config that
    # adopts them (auto-training off, campaign metadata on), whose campaign export fails once the
    # campaign is adopted and updated
    solution, version, before = notebook(world)
    world.fail_during(CAMPAIGN_EXPORT, after=0)
    mark = world.mark()
    # WHEN it is deployed for the first time
    result = world.deploy(templates.notebook_adoption())
    world.clock.advance(3600)
    # THEN the create rolls back and each notebook resource is exactly as found, tags included
    assert result.status == "ROLLBACK_COMPLETE", result.failure
    assert as_found(world, solution, version) == before
    # AND each was changed once and given back once: the record, the change, the restore, the untag
    assert writes_on(world, mark, solution) == {"TagResource": 1, "UpdateSolution": 2, "UntagResource": 1}
    assert writes_on(world, mark, version) == {"TagResource": 1, "UntagResource": 1}
    assert writes_on(world, mark, NOTEBOOK_CAMPAIGN_ARN) == {
        "TagResource": 1,
        "UpdateCampaign": 2,
        "UntagResource": 1,
    }
    assert world.calls(mark, "DeleteCampaign") == []
    assert [c.params["solutionArn"] for c in world.calls(mark, "DeleteSolution")] != [solution]


@pytest.mark.parametrize(
    ("after", "solution_writes"),
    [
        # cancelled while the solution's Create polls: its waiter, still polling after the rollback,
        # finds the deploy over and never turns auto-training off (the release found it as it was)
        (0, {"TagResource": 1, "UntagResource": 1}),
        # cancelled once everything was adopted and changed: each change given back
        (60, {"TagResource": 1, "UpdateSolution": 2, "UntagResource": 1}),
    ],
)
def test_fails_when_another_resource_cancels_the_adoption_in_flight_and_everything_is_as_found(
    world: World, after: float, solution_writes: dict[str, int]
) -> None:
    # GIVEN the notebook's resources, and an event tracker that fails `after` seconds into the
    # first deploy, cancelling what is still in flight (the cancelled waiters keep polling)
    solution, version, before = notebook(world)
    world.fail_during(EVENT_TRACKER, after=after)
    mark = world.mark()
    # WHEN the adopting config is deployed
    result = world.deploy(templates.notebook_adoption())
    world.sim.scheduler.drain()
    world.clock.advance(3600)
    # THEN the create rolls back and the notebook's resources are exactly as found
    assert result.status == "ROLLBACK_COMPLETE", result.failure
    assert as_found(world, solution, version) == before
    assert writes_on(world, mark, solution) == solution_writes


def test_a_stack_delete_after_an_adoption_gives_everything_back_even_with_each_delete_delivered_twice(
    world: World,
) -> None:
    # GIVEN the notebook's resources adopted by a successful first deploy (auto-training off,
    # campaign config changed)
    solution, version, before = notebook(world)
    assert world.deploy(templates.notebook_adoption()).status == "CREATE_COMPLETE"
    assert world.solution(solution)["performAutoTraining"] is False
    # AND every custom resource's Delete reaches the Provider twice while the first waiter polls
    during: dict[str, Task] = {}

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        lid = event["LogicalResourceId"]
        if kind == "isComplete" and event["RequestType"] == "Delete" and lid not in during:
            (request,) = world.requests(lid, "Delete")
            during[lid] = world.deliver_again(request)

    world.hooks.append(duplicate)
    mark = world.mark()
    # WHEN the stack is deleted, and each Delete is delivered once more after it
    result = world.sim.delete()
    world.hooks.remove(duplicate)
    late = [world.deliver_again(r) for r in world.sim.requests if r["RequestType"] == "Delete"]
    world.sim.scheduler.drain()
    world.clock.advance(3600)
    # THEN the delete succeeds, every duplicate too, and each notebook resource is exactly as found
    assert result.status == "DELETE_COMPLETE", result.failure
    assert {UP_SOLUTION, CAMPAIGN} <= set(during)
    assert all(task.done and task.error is None and task.result.success for task in [*during.values(), *late])
    assert as_found(world, solution, version) == before
    # AND given back once: one restore and one untag each, whatever the duplicates
    assert writes_on(world, mark, solution) == {"UpdateSolution": 1, "UntagResource": 1}
    assert writes_on(world, mark, version) == {"UntagResource": 1}
    assert writes_on(world, mark, NOTEBOOK_CAMPAIGN_ARN) == {"UpdateCampaign": 1, "UntagResource": 1}


def test_a_stack_delete_after_the_adopted_solution_was_deleted_by_hand_succeeds(world: World) -> None:
    # GIVEN the notebook's solution adopted, then its campaign and the solution deleted in the console
    solution, _, _ = notebook(world)
    assert world.deploy(templates.notebook_adoption()).status == "CREATE_COMPLETE"
    world.delete_by_hand(NOTEBOOK_CAMPAIGN_ARN)
    world.delete_by_hand(solution)
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN it succeeds: nothing to give back, nothing written on the notebook's names
    assert result.status == "DELETE_COMPLETE", result.failure
    assert writes_on(world, mark, solution) == {}
    assert writes_on(world, mark, NOTEBOOK_CAMPAIGN_ARN) == {}

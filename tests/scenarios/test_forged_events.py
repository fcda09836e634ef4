"""Events CloudFormation did not send: the handlers act only on what their own stack is doing.

Anyone allowed to invoke the Provider's function can hand it an event, and a StackId is not
secret. So a handler refuses an event that names another stack (its own id comes from its
environment), and before any destructive call of a Delete it asks CloudFormation
(DescribeStackResource on its own stack) whether this resource is being deleted now
(`lambda_handlers/kernel/stack.py`). Here: forged Deletes make no call at all; CloudFormation's
own Deletes (stack delete, replacement cleanup, rollback) ask once per destructive Delete.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulation.cloudformation.provider import ProviderOutcome
from simulation.cloudformation.scheduler import Task
from tests.scenarios.world import (
    CAMPAIGN,
    PR_VERSION,
    UP_SOLUTION,
    UP_SOLUTION_NAME,
    World,
    arn,
    templates,
)

UP_SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)

DATA_COPY = "InteractionsDataCopy"
DESTRUCTIVE = (UP_SOLUTION, CAMPAIGN, DATA_COPY)


def forged_delete(world: World, logical_id: str, **changes: Any) -> dict[str, Any]:
    """A Delete for a resource of the deployed stack, built from CloudFormation's own Create."""
    (create,) = world.requests(logical_id, "Create")
    forged = copy.deepcopy(create)
    forged.update(
        RequestType="Delete",
        PhysicalResourceId=world.sim.resources[logical_id].physical_id,
        RequestId="forged",
        **changes,
    )
    return forged


def s3_calls(world: World) -> list[str]:
    """Every S3 operation the handlers (and the test) make from now on, by name."""
    seen: list[str] = []
    world.s3.meta.events.register("before-call.s3", lambda model, **_: seen.append(model.name))
    return seen


def data_bucket(world: World) -> str:
    (bucket,) = [r.physical_id for r in world.sim.resources.values() if r.type == "AWS::S3::Bucket"]
    return bucket


def data_files(world: World, bucket: str | None = None) -> list[tuple[str, str]]:
    found = world.s3.list_object_versions(Bucket=bucket or data_bucket(world), Prefix="datasets/")
    return sorted((v["Key"], v["VersionId"]) for v in found.get("Versions", []))


def answered(task: Task) -> ProviderOutcome:
    assert task.done and task.error is None, task.error
    assert isinstance(task.result, ProviderOutcome)
    return task.result


def delivered(world: World, request: dict[str, Any]) -> ProviderOutcome:
    task = world.deliver_again(request)
    world.sim.scheduler.drain()
    return answered(task)


@pytest.mark.parametrize("logical_id", DESTRUCTIVE)
def test_fails_when_a_delete_comes_for_a_resource_cloudformation_is_not_deleting(
    deployed: World, logical_id: str
) -> None:
    # GIVEN the deployed stack at rest (CREATE_COMPLETE), its data files in the data bucket
    files = data_files(deployed)
    mark, s3 = deployed.mark(), s3_calls(deployed)
    asked = len(deployed.sim.stack_api.resource_calls)
    # WHEN someone hands the Provider a Delete of one of its resources, right stack id and all
    outcome = delivered(deployed, forged_delete(deployed, logical_id))
    # THEN it fails, naming why, after one DescribeStackResource
    assert not outcome.success
    assert "CloudFormation did not send this Delete" in outcome.message
    assert deployed.sim.stack_api.resource_calls[asked:] == [logical_id]
    # AND not one write: no Personalize write, no S3 call, every data file still there
    assert deployed.mutations(mark) == []
    assert s3 == []
    assert data_files(deployed) == files


def test_fails_when_an_event_names_another_stack(deployed: World) -> None:
    # GIVEN a Delete of the campaign naming another stack of the account
    other = deployed.sim.stack_id.replace("/TestStack/", "/OtherStack/")
    forged = forged_delete(deployed, CAMPAIGN, StackId=other)
    mark, asked = deployed.mark(), len(deployed.sim.stack_api.resource_calls)
    # WHEN the Provider gets it
    outcome = delivered(deployed, forged)
    # THEN it is refused before any call, CloudFormation's included
    assert not outcome.success
    assert f"it names stack {other}, this provider serves {deployed.sim.stack_id}" in outcome.message
    assert deployed.calls(mark, only_ok=False) == []
    assert deployed.sim.stack_api.resource_calls[asked:] == []


def test_fails_when_a_forged_delete_arrives_while_cloudformation_updates_the_stack(deployed: World) -> None:
    # GIVEN a deploy that changes the campaign's TPS; while CloudFormation updates the campaign,
    # someone hands the Provider a Delete of the solution (in force, not being deleted)
    tasks: list[Task] = []

    def forge(kind: str, event: dict[str, Any]) -> None:
        if kind == "onEvent" and event["LogicalResourceId"] == CAMPAIGN and not tasks:
            tasks.append(deployed.deliver_again(forged_delete(deployed, UP_SOLUTION)))

    deployed.hooks.append(forge)
    mark = deployed.mark()
    # WHEN the deploy runs
    result = deployed.deploy(templates.tps_changed())
    # THEN the deploy completes with its one campaign update; the forged Delete failed, no other write
    assert result.status == "UPDATE_COMPLETE", result.failure
    (task,) = tasks
    assert answered(task).success is False
    assert [c.operation for c in deployed.mutations(mark)] == ["UpdateCampaign"]
    assert deployed.solution(UP_SOLUTION_ARN)["status"] == "ACTIVE"


def test_a_stack_delete_asks_once_per_destructive_delete(deployed: World) -> None:
    # GIVEN the deployed default stack (two solutions, one campaign, two data files)
    asked, bucket = len(deployed.sim.stack_api.resource_calls), data_bucket(deployed)
    assert data_files(deployed, bucket)
    # WHEN it is deleted
    result = deployed.sim.delete()
    # THEN it completes; each solution, the campaign and each data copy asked once; a finished
    # version, a wait link and everything native asked nothing
    assert result.status == "DELETE_COMPLETE", result.failure
    assert sorted(deployed.sim.stack_api.resource_calls[asked:]) == sorted(
        [UP_SOLUTION, "SolutionPersonalizedRanking", CAMPAIGN, DATA_COPY, "ItemsDataCopy"]
    )
    assert PR_VERSION not in deployed.sim.stack_api.resource_calls
    assert deployed.admin.list_solutions()["solutions"] == []
    assert bucket not in [b["Name"] for b in deployed.s3.list_buckets()["Buckets"]]


def test_a_replaced_campaign_is_deleted_in_the_cleanup_after_one_more_read(deployed: World) -> None:
    # GIVEN the campaign renamed (a replacement: CloudFormation deletes the old id in the cleanup,
    # while the logical id records the new one)
    old = deployed.sim.resources[CAMPAIGN].physical_id
    asked, stacks = len(deployed.sim.stack_api.resource_calls), len(deployed.sim.stack_api.calls)
    mark = deployed.mark()
    # WHEN deployed
    result = deployed.deploy(templates.campaign_renamed())
    # THEN the old campaign is deleted: one DescribeStackResource (the new id in force) and one
    # DescribeStacks (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) confirmed it
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert [c.params["campaignArn"] for c in deployed.calls(mark, "DeleteCampaign")] == [old]
    assert deployed.sim.stack_api.resource_calls[asked:] == [CAMPAIGN]
    assert len(deployed.sim.stack_api.calls) - stacks == 1

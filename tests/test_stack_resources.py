"""The simulator's DescribeStackResource as a handler sees it at each event: what CloudFormation
records for the logical id during create, update, replacement cleanup, rollback and delete
(`simulation/cloudformation/stack_api.py` says which source says what)."""

from __future__ import annotations

from typing import Any, NamedTuple

import botocore.session
import pytest
from botocore.exceptions import ClientError

from simulation.clock import VirtualClock
from simulation.cloudformation.simulator import DeploySimulator
from tests.test_simulator import ScriptedHandlers, cr, stack

RESOURCE_STATUSES = frozenset(
    botocore.session.get_session()
    .get_service_model("cloudformation")
    .shape_for("ResourceStatus")
    .metadata["enum"]
)


class Seen(NamedTuple):
    request: str  # the event's RequestType
    given: str  # the event's PhysicalResourceId ("" on a Create)
    recorded: str  # StackResourceDetail.PhysicalResourceId ("" when absent)
    status: str  # StackResourceDetail.ResourceStatus
    stack: str  # StackStatus at that moment


class Observing(ScriptedHandlers):
    """Scripted handlers that ask DescribeStackResource about their resource at each onEvent."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.seen: dict[str, list[Seen]] = {}
        self.sim = DeploySimulator(
            clock, None, handlers=(self.on_event, self.is_complete), deps_factory=lambda: "deps"
        )

    def on_event(self, event: dict[str, Any], deps: Any) -> dict[str, Any]:
        api = self.sim.stack_api
        detail = api.describe_stack_resource(
            StackName=self.sim.stack_id, LogicalResourceId=event["LogicalResourceId"]
        )["StackResourceDetail"]
        assert detail["ResourceStatus"] in RESOURCE_STATUSES  # the API's own words
        self.seen.setdefault(event["LogicalResourceId"], []).append(
            Seen(
                event["RequestType"],
                event.get("PhysicalResourceId", ""),
                detail.get("PhysicalResourceId", ""),
                detail["ResourceStatus"],
                api.describe_stacks(StackName=self.sim.stack_id)["Stacks"][0]["StackStatus"],
            )
        )
        return super().on_event(event, deps)


@pytest.fixture
def observing() -> Observing:
    return Observing(VirtualClock())


def test_create_update_and_stack_delete(observing: Observing) -> None:
    sim = observing.sim
    sim.deploy(stack(A=cr(Id="a1", Value="1")))
    sim.deploy(stack(A=cr(Id="a1", Value="2")))
    assert sim.delete().status == "DELETE_COMPLETE"
    assert observing.seen["A"] == [
        Seen("Create", "", "", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        Seen("Update", "a1", "a1", "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"),
        Seen("Delete", "a1", "a1", "DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS"),
    ]
    # AND after the stack delete it still answers by StackId: the resource DELETE_COMPLETE
    detail = sim.stack_api.describe_stack_resource(StackName=sim.stack_id, LogicalResourceId="A")
    assert detail["StackResourceDetail"]["ResourceStatus"] == "DELETE_COMPLETE"


def test_a_replacement_cleanup_deletes_an_id_the_logical_id_no_longer_records(observing: Observing) -> None:
    sim = observing.sim
    sim.deploy(stack(A=cr(Id="v1")))
    sim.deploy(stack(A=cr(Id="v2")))
    assert observing.seen["A"][-1] == Seen(
        "Delete", "v1", "v2", "UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    )


def test_a_rolled_back_replacement_deletes_the_new_id_while_the_old_is_recorded(observing: Observing) -> None:
    sim = observing.sim
    sim.deploy(stack(A=cr(Id="v1"), B=cr(X={"Ref": "A"})))
    sim.inject_failure("B", "boom")
    assert sim.deploy(stack(A=cr(Id="v2"), B=cr(X={"Ref": "A"}))).status == "UPDATE_ROLLBACK_COMPLETE"
    assert observing.seen["A"][-2:] == [
        Seen("Update", "v2", "v2", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"),
        Seen("Delete", "v2", "v1", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
    ]


def test_a_cancelled_create_is_deleted_under_its_made_up_id(observing: Observing) -> None:
    sim = observing.sim
    sim.deploy(stack(Old=cr(Value="1")))
    sim.inject_failure("Old", "boom", after=30)
    assert sim.deploy(stack(Old=cr(Value="2"), New=cr(Polls=5))).status == "UPDATE_ROLLBACK_COMPLETE"
    (create, delete) = observing.seen["New"]
    assert create.status == "CREATE_IN_PROGRESS"
    assert delete == Seen(
        "Delete",
        delete.given,
        delete.given,
        "DELETE_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    )
    # AND after the update the stack holds no New: asked, it is a ValidationError
    with pytest.raises(ClientError) as failure:
        sim.stack_api.describe_stack_resource(StackName=sim.stack_id, LogicalResourceId="New")
    assert failure.value.response["Error"]["Code"] == "ValidationError"


def test_a_failed_first_deploy_deletes_and_keeps_the_records(observing: Observing) -> None:
    sim = observing.sim
    assert (
        sim.deploy(stack(A=cr(), B=cr(X={"Ref": "A"}, FailIsComplete="nope"))).status == "ROLLBACK_COMPLETE"
    )
    assert observing.seen["A"][-1] == Seen(
        "Delete", "A-1", "A-1", "DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"
    )
    assert observing.seen["B"][-1].status == "DELETE_IN_PROGRESS"
    detail = sim.stack_api.describe_stack_resource(StackName=sim.stack_id, LogicalResourceId="A")
    assert detail["StackResourceDetail"]["ResourceStatus"] == "DELETE_COMPLETE"


def test_a_removed_resource_is_deleted_then_gone_from_the_stack(observing: Observing) -> None:
    sim = observing.sim
    sim.deploy(stack(A=cr(), Gone=cr()))
    sim.deploy(stack(A=cr()))
    assert observing.seen["Gone"][-1] == Seen(
        "Delete", "Gone-1", "Gone-1", "DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    )
    with pytest.raises(ClientError, match="Resource Gone does not exist for stack"):
        sim.stack_api.describe_stack_resource(StackName=sim.stack_id, LogicalResourceId="Gone")

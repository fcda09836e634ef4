"""Tests of the deploy simulator on small hand-written templates.

Custom resources run through a scripted handler pair (`ScriptedHandlers`) whose behaviour the
template's properties decide; native Personalize resources run against the HTTP fake.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_handlers import constants
from simulation.clock import VirtualClock
from simulation.cloudformation.graph import CycleError, topological_order
from simulation.cloudformation.intrinsics import NO_VALUE, ResolveError, Resolver, stringify
from simulation.cloudformation.provider import CREATE_FAILED_MARKER, LambdaTimedOut
from simulation.cloudformation.simulator import DeploySimulator
from simulation.personalize_server import FakePersonalizeServer
from simulation.personalize_state import FakePersonalize
from tests.scenarios.world import World, open_world

CR = constants.SOLUTION_TYPE
TOKEN = {"Fn::GetAtt": ["ProviderFn", "Arn"]}


class ScriptedHandlers:
    """onEvent/isComplete whose behaviour the resource properties script.

    Id: physical id to answer (default: the one given, else `<LogicalId>-1`); Polls: not-complete
    answers before complete; FailOnEvent / FailIsComplete: raise with that text; DataEarly: return
    Data while incomplete; BigData: size of a Data value; DeleteReturns: id a Delete answers.
    """

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self.on_events: list[dict[str, Any]] = []
        self.is_completes: list[dict[str, Any]] = []
        self.clock = clock
        self.log: list[tuple[float, str, str, str]] = []  # (time, handler, request type, logical id)

    def _note(self, handler: str, event: dict[str, Any]) -> None:
        when = self.clock.now() if self.clock is not None else 0.0
        self.log.append((when, handler, event["RequestType"], event["LogicalResourceId"]))

    def requests(self, logical_id: str, request_type: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.on_events
            if e["LogicalResourceId"] == logical_id and request_type in (None, e["RequestType"])
        ]

    def on_event(self, event: dict[str, Any], deps: Any) -> dict[str, Any]:
        self.on_events.append(event)
        self._note("onEvent", event)
        props = event["ResourceProperties"]
        if event["RequestType"] == "Delete":
            return {"PhysicalResourceId": props.get("DeleteReturns", event["PhysicalResourceId"])}
        if props.get("FailOnEvent"):
            raise RuntimeError(props["FailOnEvent"])
        default_id = f"{event['LogicalResourceId']}-1"
        physical_id = props.get("Id") or event.get("PhysicalResourceId") or default_id
        return {
            "PhysicalResourceId": physical_id,
            "Data": {"Value": props.get("Value", ""), "Shared": "onEvent"},
        }

    def is_complete(self, event: dict[str, Any], deps: Any) -> dict[str, Any]:
        self.is_completes.append(event)
        self._note("isComplete", event)
        props = event["ResourceProperties"]
        if event["RequestType"] != "Delete" and props.get("FailIsComplete"):
            raise RuntimeError(props["FailIsComplete"])
        polls = sum(1 for e in self.is_completes if e["RequestId"] == event["RequestId"])
        if polls <= int(props.get("Polls", "0")):
            early = props.get("DataEarly") and event["RequestType"] != "Delete"
            return {"IsComplete": False, **({"Data": {"Early": "1"}} if early else {})}
        data = {"Shared": "isComplete", "Done": "yes"}
        if props.get("BigData"):
            data["Big"] = "x" * int(props["BigData"])
        return {"IsComplete": True, "Data": data}


def cr(**props: Any) -> dict[str, Any]:
    return {"Type": CR, "Properties": {"ServiceToken": TOKEN, **props}}


def stack(**resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {"ProviderFn": {"Type": "AWS::Lambda::Function", "Properties": {}}, **resources},
        "Outputs": {},
    }


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def handlers(clock: VirtualClock) -> ScriptedHandlers:
    return ScriptedHandlers(clock)


@pytest.fixture
def sim(clock: VirtualClock, handlers: ScriptedHandlers) -> DeploySimulator:
    return DeploySimulator(
        clock, None, handlers=(handlers.on_event, handlers.is_complete), deps_factory=lambda: "deps"
    )


def statuses(result: Any, logical_id: str) -> list[str]:
    return [e.status for e in result.events if e.logical_id == logical_id]


# ---- intrinsics -------------------------------------------------------------------------------
def _resolver(template: dict[str, Any]) -> Resolver:
    return Resolver(
        template,
        stack_name="S",
        stack_id="arn:stack/S/1",
        ref=lambda lid: f"{lid}-phys",
        get_att=lambda lid, attr: f"{lid}.{attr}",
    )


def test_resolves_refs_pseudo_parameters_and_parameter_defaults() -> None:
    # GIVEN a template with a parameter default and a resource
    template = {
        "Parameters": {"BootstrapVersion": {"Type": "String", "Default": "/cdk-bootstrap/version"}},
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
    }
    # WHEN values are resolved
    r = _resolver(template)
    # THEN refs give the default, the pseudo parameters and the resource value
    assert r.resolve({"Ref": "BootstrapVersion"}) == "/cdk-bootstrap/version"
    assert r.resolve([{"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}]) == ["us-east-1", "111111111111"]
    assert r.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert r.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert r.resolve({"Ref": "AWS::StackName"}) == "S"
    assert r.resolve({"Ref": "Bucket"}) == "Bucket-phys"
    assert r.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}) == {"B": [1]}


def test_resolves_join_sub_select_split_getatt_and_conditions() -> None:
    # GIVEN a template with conditions and a mapping
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "Mappings": {"M": {"us-east-1": {"v": "node20"}}},
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}},
    }
    r = _resolver(template)
    # WHEN / THEN each intrinsic resolves like CloudFormation
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}) == "a-dev-3"
    assert (
        r.resolve({"Fn::Sub": "${AWS::Region}:${Fn}:${Fn.Arn}:${!Literal}"})
        == "us-east-1:Fn-phys:Fn.Arn:${Literal}"
    )
    assert r.resolve({"Fn::Sub": ["${X}/${Stage}", {"X": {"Ref": "Fn"}}]}) == "Fn-phys/dev"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::GetAtt": "Fn.Arn"}) == r.resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == "Fn.Arn"
    assert r.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert r.resolve({"Fn::If": ["NotProd", {"Ref": "AWS::NoValue"}, 1]}) is None
    assert r.resolve({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "v"]}) == "node20"
    assert r.included({"Condition": "IsProd"}) is False
    assert NO_VALUE is not None


def test_fails_when_ref_names_nothing() -> None:
    # GIVEN a template without the referenced name  WHEN resolved  THEN CloudFormation's error
    with pytest.raises(ResolveError, match="Unresolved resource dependencies \\[Nope\\]"):
        _resolver({"Resources": {}}).resolve({"Ref": "Nope"})


def test_stringifies_leaf_values_like_cloudformation() -> None:
    # GIVEN resolved custom resource properties  WHEN stringified  THEN leaves are strings
    value = {"N": 5, "F": 1.5, "T": True, "L": [1, False, {"X": 2}], "S": "s"}
    assert stringify(value) == {"N": "5", "F": "1.5", "T": "true", "L": ["1", "false", {"X": "2"}], "S": "s"}


# ---- ordering ---------------------------------------------------------------------------------
def test_orders_resources_by_ref_getatt_sub_and_depends_on() -> None:
    # GIVEN resources listed against their dependencies
    template = {
        "Resources": {
            "D": {"Type": "X::Y::Z", "DependsOn": "C"},
            "C": {"Type": "X::Y::Z", "Properties": {"P": {"Fn::Sub": "${B.Arn}"}}},
            "B": {"Type": "X::Y::Z", "Properties": {"P": {"Fn::GetAtt": ["A", "Arn"]}}},
            "A": {"Type": "X::Y::Z", "Properties": {"P": {"Fn::Sub": ["${V}", {"V": "${!NotARef}"}]}}},
            "E": {"Type": "X::Y::Z", "Properties": {"P": {"Ref": "AWS::Region"}}},
        }
    }
    # WHEN ordered  THEN every resource follows what it needs; ties keep template order
    assert topological_order(template) == ["A", "B", "C", "D", "E"]


def test_fails_when_template_has_a_cycle() -> None:
    template = {"Resources": {"A": {"Type": "T", "DependsOn": "B"}, "B": {"Type": "T", "DependsOn": "A"}}}
    with pytest.raises(CycleError):
        topological_order(template)


# ---- Provider model ---------------------------------------------------------------------------
def test_create_sends_cloudformation_event_and_merges_data(sim, handlers, clock) -> None:
    # GIVEN a custom resource with number and boolean properties, read by another one
    template = stack(
        Sol=cr(Name="s1", Count=3, Flag=True, Nested={"K": [1, True]}, Value="v", Polls=2),
        User=cr(From={"Fn::GetAtt": ["Sol", "Done"]}, Shared={"Fn::GetAtt": ["Sol", "Shared"]}),
    )
    template["Outputs"] = {"SolId": {"Value": {"Ref": "Sol"}}}
    start = clock.now()
    # WHEN deployed
    result = sim.deploy(template)
    # THEN the event is CloudFormation's, properties stringified, ServiceToken included
    assert result.status == "CREATE_COMPLETE", result.failure
    event = handlers.requests("Sol")[0]
    assert set(event) == {
        "RequestType",
        "ServiceToken",
        "ResponseURL",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "ResourceType",
        "ResourceProperties",
    }
    assert event["RequestType"] == "Create"
    assert event["ResourceType"] == CR
    assert event["ServiceToken"] == "arn:aws:lambda:us-east-1:111111111111:function:ProviderFn"
    props = event["ResourceProperties"]
    assert props["ServiceToken"] == event["ServiceToken"]
    assert (props["Count"], props["Flag"], props["Nested"]) == ("3", "true", {"K": ["1", "true"]})
    # AND isComplete saw onEvent's answer, polled every 30 s until complete
    polls = [e for e in handlers.is_completes if e["LogicalResourceId"] == "Sol"]
    assert len(polls) == 3
    assert polls[0]["PhysicalResourceId"] == "Sol-1"
    assert polls[0]["Data"] == {"Value": "v", "Shared": "onEvent"}
    assert sim.resources["Sol"].attributes == {"Value": "v", "Shared": "isComplete", "Done": "yes"}
    assert handlers.requests("User")[0]["ResourceProperties"]["From"] == "yes"
    assert result.outputs == {"SolId": "Sol-1"}
    # AND the accounting counts the invocations, transitions and virtual time
    sol_op = result.stats.operations[1]
    assert (sol_op.logical_id, sol_op.duration, sol_op.lambda_invocations) == ("Sol", 60, 4)
    assert sol_op.state_transitions == 3
    assert result.stats.lambda_invocations == 4 + 2
    assert result.stats.max_operation_seconds == 60
    assert result.stats.wall_seconds == clock.now() - start == 60
    assert statuses(result, "Sol") == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]


def test_fails_when_is_complete_returns_data_while_incomplete(sim) -> None:
    result = sim.deploy(stack(Sol=cr(Polls=1, DataEarly="yes")))
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure.logical_id == "Sol"
    assert '"Data" is not allowed if "IsComplete" is "False"' in result.failure.reason


def test_fails_when_response_is_over_4096_bytes(sim, handlers) -> None:
    # GIVEN a handler whose Data makes the response too long  WHEN deployed
    result = sim.deploy(stack(Sol=cr(BigData=4000)))
    # THEN CloudFormation refuses it, and rollback deletes the created id
    assert result.failure.reason == "Response object is too long."
    assert [e["PhysicalResourceId"] for e in handlers.requests("Sol", "Delete")] == ["Sol-1"]


def test_fails_when_operation_exceeds_the_total_timeout(sim, clock) -> None:
    # GIVEN a resource that never completes  WHEN deployed
    result = sim.deploy(stack(Sol=cr(Polls=10_000)))
    # THEN onTimeout fails it after 3600 s: 1 + 120 isComplete attempts, +1 transition for onTimeout
    assert result.failure.logical_id == "Sol"
    assert "Message returned: Operation timed out" in result.failure.reason
    op = result.stats.operations[1]
    assert op.duration == 3600
    assert op.lambda_invocations == 1 + 121
    assert op.state_transitions == 122
    assert result.stats.max_operation_seconds == 3600


def test_fails_when_on_event_raises_on_create_and_skips_the_user_delete(sim, handlers) -> None:
    # GIVEN onEvent failing on Create  WHEN deployed
    result = sim.deploy(stack(Sol=cr(FailOnEvent="solution x: bad recipe")))
    # THEN the reason carries the handler's message; rollback's Delete is answered by the framework
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure.message == "solution x: bad recipe"
    assert result.failure.reason.startswith(
        "Received response status [FAILED] from custom resource. "
        "Message returned: Error: solution x: bad recipe"
    )
    assert handlers.requests("Sol", "Delete") == []
    assert statuses(result, "Sol")[-1] == "DELETE_COMPLETE"
    assert CREATE_FAILED_MARKER not in sim.resources


def test_update_with_new_physical_id_deletes_the_old_id_in_cleanup(sim, handlers) -> None:
    # GIVEN a deployed resource
    sim.deploy(stack(Sol=cr(Id="v1", Value="a"), After=cr(X={"Ref": "Sol"})))
    # WHEN an update answers another physical id (a replacement)
    result = sim.deploy(stack(Sol=cr(Id="v2", Value="b"), After=cr(X={"Ref": "Sol"})))
    # THEN the dependant is updated first and the old id is deleted afterwards, with the old properties
    assert result.status == "UPDATE_COMPLETE"
    update = handlers.requests("Sol", "Update")[0]
    assert update["PhysicalResourceId"] == "v1"
    assert update["OldResourceProperties"]["Value"] == "a"
    assert handlers.requests("After", "Update")[0]["ResourceProperties"]["X"] == "v2"
    delete = handlers.requests("Sol", "Delete")[0]
    assert (delete["PhysicalResourceId"], delete["ResourceProperties"]["Value"]) == ("v1", "a")
    order = [(e.logical_id, e.status) for e in result.events if e.action != "STACK"]
    assert order.index(("After", "UPDATE_COMPLETE")) < order.index(("Sol", "DELETE_IN_PROGRESS"))
    assert sim.resources["Sol"].physical_id == "v2"


def test_fails_when_delete_returns_another_physical_id(sim) -> None:
    sim.deploy(stack(Sol=cr(DeleteReturns="other")))
    result = sim.delete()
    assert result.status == "DELETE_FAILED"
    assert "DELETE: cannot change the physical resource ID" in result.failure.reason


def test_unchanged_resources_get_no_event_and_upstream_attribute_changes_propagate(sim, handlers) -> None:
    # GIVEN A -> B (GetAtt) and an independent C
    def template(value: str) -> dict[str, Any]:
        return stack(A=cr(Value=value), B=cr(X={"Fn::GetAtt": ["A", "Value"]}), C=cr(Value="c"))

    sim.deploy(template("1"))
    # WHEN only A's property changes
    result = sim.deploy(template("2"))
    # THEN A and B (its resolved input changed) are updated, C untouched
    assert result.status == "UPDATE_COMPLETE"
    assert handlers.requests("B", "Update")[0]["OldResourceProperties"]["X"] == "1"
    assert statuses(result, "C") == []
    # AND the same template again is no change at all
    again = sim.deploy(template("2"))
    assert again.status == "NO_CHANGES"
    assert again.events == []


def test_removed_resource_is_deleted_in_cleanup(sim, handlers) -> None:
    sim.deploy(stack(A=cr(), B=cr()))
    result = sim.deploy(stack(A=cr()))
    assert result.status == "UPDATE_COMPLETE"
    assert [e["PhysicalResourceId"] for e in handlers.requests("B", "Delete")] == ["B-1"]
    assert set(sim.resources) == {"ProviderFn", "A"}


def test_fails_when_getatt_names_an_attribute_the_handler_did_not_return(sim, handlers) -> None:
    # GIVEN A deployed and B added reading an attribute A never returned
    sim.deploy(stack(A=cr(Value="1")))
    result = sim.deploy(stack(A=cr(Value="2"), B=cr(X={"Fn::GetAtt": ["A", "Missing"]})))
    # THEN B fails with CloudFormation's attribute error; A gets its Update back; B was never called
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure.logical_id == "B"
    assert "Vendor response doesn't contain Missing attribute" in result.failure.reason
    assert handlers.requests("B") == []
    assert handlers.requests("A", "Update")[-1]["ResourceProperties"]["Value"] == "1"


def test_fails_when_service_token_changes_without_rolling_back_the_refused_resource(sim, handlers) -> None:
    sim.deploy(stack(A=cr()))
    template = stack(A=cr())
    template["Resources"]["A"]["Properties"]["ServiceToken"] = "arn:aws:lambda:us-east-1:111111111111:other"
    result = sim.deploy(template)
    assert result.failure.reason == "Modifying service token is not allowed."
    assert handlers.requests("A", "Update") == []


# ---- rollback ---------------------------------------------------------------------------------
def test_fails_when_a_later_resource_fails_and_rolls_back_to_old_properties(sim, handlers) -> None:
    # GIVEN A and B deployed, B depending on A
    sim.deploy(stack(A=cr(Value="old"), B=cr(X={"Ref": "A"}, Value="old")))
    sim.inject_failure("B", "boom")
    # WHEN both change and B fails
    result = sim.deploy(stack(A=cr(Value="new"), B=cr(X={"Ref": "A"}, Value="new")))
    # THEN A then B (the old template's dependency order: rollback is an update to it) get an
    # Update back: ResourceProperties old, OldResourceProperties new
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert (result.failure.logical_id, result.failure.reason) == ("B", "boom")
    back_b, back_a = handlers.requests("B", "Update")[-1], handlers.requests("A", "Update")[-1]
    assert handlers.on_events.index(back_a) < handlers.on_events.index(back_b)
    assert (back_a["ResourceProperties"]["Value"], back_a["OldResourceProperties"]["Value"]) == ("old", "new")
    assert (back_b["ResourceProperties"]["Value"], back_b["OldResourceProperties"]["Value"]) == ("old", "new")
    assert sim.resources["A"].properties["Value"] == "old"
    assert sim.status == "UPDATE_ROLLBACK_COMPLETE"


def test_fails_when_update_fails_after_replacement_and_cleanup_deletes_the_new_id(sim, handlers) -> None:
    # GIVEN A (id v1) deployed
    sim.deploy(stack(A=cr(Id="v1"), B=cr(X={"Ref": "A"})))
    sim.inject_failure("B", "boom")
    # WHEN A is replaced by v2 and then B fails; rollback's Update answers the old id again
    result = sim.deploy(stack(A=cr(Id="v2"), B=cr(X={"Ref": "A"})))
    # THEN the rollback Update of A carries v2 and the cleanup deletes v2, v1 stays
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    back = handlers.requests("A", "Update")[-1]
    assert (back["PhysicalResourceId"], back["ResourceProperties"]["Id"]) == ("v2", "v1")
    assert [e["PhysicalResourceId"] for e in handlers.requests("A", "Delete")] == ["v2"]
    assert sim.resources["A"].physical_id == "v1"


def test_fails_when_rollback_fails_and_the_stack_refuses_updates(sim) -> None:
    # GIVEN A deployed, and two failures injected: the update and then its rollback
    sim.deploy(stack(A=cr(Value="1")))
    sim.inject_failure("A", "boom", times=2)
    # WHEN A is updated
    result = sim.deploy(stack(A=cr(Value="2")))
    # THEN the stack ends UPDATE_ROLLBACK_FAILED and refuses the next deploy
    assert result.status == "UPDATE_ROLLBACK_FAILED"
    assert statuses(result, "A") == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_FAILED",
        "UPDATE_IN_PROGRESS",
        "UPDATE_FAILED",
    ]
    assert sim.deploy(stack(A=cr(Value="4"))).failure.reason.endswith("can not be updated.")


def test_first_deploy_failure_deletes_created_resources_in_reverse_order(sim, handlers) -> None:
    result = sim.deploy(stack(A=cr(), B=cr(X={"Ref": "A"}), C=cr(X={"Ref": "B"}, FailIsComplete="nope")))
    assert result.status == "ROLLBACK_COMPLETE"
    deletes = [e["LogicalResourceId"] for e in handlers.on_events if e["RequestType"] == "Delete"]
    assert deletes == ["C", "B", "A"]
    # AND the next deploy starts afresh
    assert sim.deploy(stack(A=cr())).status == "CREATE_COMPLETE"


def test_delete_stack_deletes_in_reverse_order(sim, handlers) -> None:
    sim.deploy(stack(A=cr(), B=cr(X={"Ref": "A"})))
    result = sim.delete()
    assert result.status == "DELETE_COMPLETE"
    assert [e["LogicalResourceId"] for e in handlers.on_events if e["RequestType"] == "Delete"] == ["B", "A"]
    assert sim.resources == {}


def test_other_types_are_recorded_with_fake_ids_and_attributes(sim) -> None:
    template = stack(
        Role={"Type": "AWS::IAM::Role", "Properties": {}},
        Dep={"Type": "Custom::CDKBucketDeployment", "Properties": {"R": {"Fn::GetAtt": ["Role", "Arn"]}}},
    )
    template["Outputs"] = {"R": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}, "N": {"Value": {"Ref": "Dep"}}}
    template["Outputs"]["O"] = {"Value": {"Fn::GetAtt": ["Dep", "Other"]}}
    result = sim.deploy(template)
    assert result.outputs == {
        "R": "arn:aws:iam::111111111111:role/Role",
        "N": "Dep-phys",
        "O": "Dep.Other",
    }


# ---- native Personalize -----------------------------------------------------------------------
@pytest.fixture
def server(clock: VirtualClock) -> Iterator[FakePersonalizeServer]:
    with FakePersonalizeServer(FakePersonalize(clock)) as running:
        yield running


def native_stack(filter_name: str, expression: str, team: str = "a") -> dict[str, Any]:
    schema = json.dumps(
        {
            "type": "record",
            "name": "Interactions",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [],
        }
    )
    group = {"Fn::GetAtt": ["Group", "DatasetGroupArn"]}
    return {
        "Resources": {
            "Group": {"Type": "AWS::Personalize::DatasetGroup", "Properties": {"Name": "dg"}},
            "Schema": {"Type": "AWS::Personalize::Schema", "Properties": {"Name": "sch", "Schema": schema}},
            "Data": {
                "Type": "AWS::Personalize::Dataset",
                "Properties": {
                    "Name": "interactions",
                    "DatasetType": "Interactions",
                    "DatasetGroupArn": group,
                    "SchemaArn": {"Ref": "Schema"},
                },
            },
            "Filter": {
                "Type": "AWS::Personalize::Filter",
                "DependsOn": "Data",
                "Properties": {
                    "Name": filter_name,
                    "DatasetGroupArn": group,
                    "FilterExpression": expression,
                    "Tags": [{"Key": "team", "Value": team}],
                },
            },
            "Tracker": {
                "Type": "AWS::Personalize::EventTracker",
                "Properties": {"Name": "tracker", "DatasetGroupArn": {"Ref": "Group"}},
            },
        },
        "Outputs": {"TrackingId": {"Value": {"Fn::GetAtt": ["Tracker", "TrackingId"]}}},
    }


EXPR = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'


def test_native_resources_are_created_updated_and_replaced_in_the_fake(clock, server, handlers) -> None:
    # GIVEN native Personalize resources deployed through boto3 at the fake
    client = server.client()
    sim = DeploySimulator(clock, client, handlers=(handlers.on_event, handlers.is_complete))
    created = sim.deploy(native_stack("f1", EXPR))
    assert created.status == "CREATE_COMPLETE", created.failure
    assert created.outputs["TrackingId"]
    assert client.describe_dataset_group(datasetGroupArn=sim.resources["Group"].physical_id)
    assert created.stats.durations("Data")[0] > 0
    # WHEN only the filter's tags change THEN it is updated in place (Tags is not create-only there)
    old_filter = sim.resources["Filter"].physical_id
    updated = sim.deploy(native_stack("f1", EXPR, team="b"))
    assert updated.status == "UPDATE_COMPLETE", updated.failure
    assert sim.resources["Filter"].physical_id == old_filter
    # WHEN the filter expression changes with a new name THEN the filter is replaced
    replaced = sim.deploy(native_stack("f2", EXPR.replace("click", "view"), team="b"))
    assert replaced.status == "UPDATE_COMPLETE", replaced.failure
    assert sim.resources["Filter"].physical_id != old_filter
    assert statuses(replaced, "Filter")[-1] == "DELETE_COMPLETE"
    # AND delete removes everything
    assert sim.delete().status == "DELETE_COMPLETE"
    assert client.list_dataset_groups()["datasetGroups"] == []


def test_fails_when_a_custom_named_native_resource_requires_replacement(clock, server, handlers) -> None:
    sim = DeploySimulator(clock, server.client(), handlers=(handlers.on_event, handlers.is_complete))
    sim.deploy(native_stack("f1", EXPR))
    result = sim.deploy(native_stack("f1", EXPR.replace("click", "view")))
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None
    assert result.failure.logical_id == "Filter"
    assert result.failure.reason.startswith(
        "CloudFormation cannot update a stack when a custom-named resource requires replacing"
    )


# ---- concurrency, cancellation, rollback as CloudFormation does it ------------------------------
def test_independent_resources_run_at_the_same_time_and_their_polls_interleave(sim, handlers, clock) -> None:
    # GIVEN A (3 polls) and B (5 polls) independent, C after A
    start = clock.now()
    # WHEN deployed
    result = sim.deploy(stack(A=cr(Polls=2), B=cr(Polls=4), C=cr(X={"Ref": "A"})))
    # THEN A and B start together and poll every 30 s side by side; C starts when A is done
    assert result.status == "CREATE_COMPLETE", result.failure
    polls = [(t - start, lid) for t, h, _, lid in handlers.log if h == "isComplete" and lid in "AB"]
    assert polls[:6] == [(0, "A"), (0, "B"), (30, "A"), (30, "B"), (60, "A"), (60, "B")]
    c_event = next(t for t, h, _, lid in handlers.log if h == "onEvent" and lid == "C")
    assert c_event - start == 60
    # AND the deploy takes the longest path (B: 120 s), not the sum of the operations
    assert result.stats.wall_seconds == 120
    assert sum(op.duration for op in result.stats.operations) == 60 + 120 + 0


def test_fails_when_a_resource_fails_and_cancels_the_others_whose_waiter_keeps_polling(sim, handlers) -> None:
    # GIVEN Slow (10 polls) and Bad (its isComplete fails), independent
    template = stack(Slow=cr(Polls=10), Bad=cr(FailIsComplete="bad input"))
    # WHEN deployed
    result = sim.deploy(template)
    # THEN Bad fails, Slow is cancelled, the stack rolls back
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure.logical_id == "Bad"
    assert ("CREATE_FAILED", "Resource creation cancelled") in [
        (e.status, e.reason) for e in result.events if e.logical_id == "Slow"
    ]
    # AND Slow's waiter polls on after the cancellation until it completes on its own, unheard
    [cancelled] = result.cancelled
    assert cancelled.logical_id == "Slow"
    assert cancelled.polls_after_cancel == 10
    assert sim.resources == {}
    # AND the rollback Delete of Slow carries an id CloudFormation made up, not the handler's "Slow-1"
    [delete] = handlers.requests("Slow", "Delete")
    assert re.fullmatch(r"TestStack-Slow-[A-Z0-9]{12}", delete["PhysicalResourceId"])
    assert handlers.requests("Bad", "Delete")[0]["PhysicalResourceId"] == "Bad-1"


def test_fails_when_another_resource_fails_and_the_cancelled_update_goes_back_to_its_last_recorded_id(
    sim, handlers
) -> None:
    # GIVEN A deployed with id v1, and B that will fail 60 s into the next update
    sim.deploy(stack(A=cr(Id="v1", Value="old"), B=cr(Value="old")))
    sim.inject_failure("B", "boom", after=60)
    # WHEN A is updated (onEvent answers v2, then polls 5 times) while B fails
    result = sim.deploy(stack(A=cr(Id="v2", Value="new", Polls=5), B=cr(Value="new")))
    # THEN A is cancelled; its rollback Update carries the old properties and v1, the id
    # CloudFormation last recorded (A's v2 answer never reached it)
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert [c.logical_id for c in result.cancelled] == ["A"]
    back = handlers.requests("A", "Update")[-1]
    assert back["PhysicalResourceId"] == "v1"
    assert (back["ResourceProperties"]["Value"], back["OldResourceProperties"]["Value"]) == ("old", "new")
    assert sim.resources["A"].physical_id == "v1"
    # AND nothing deletes v2: no Delete was sent for A at all
    assert handlers.requests("A", "Delete") == []


def test_fails_when_an_update_fails_and_the_cancelled_create_gets_a_delete_with_an_id_never_returned(
    sim, handlers
) -> None:
    # GIVEN a deployed stack; the update adds New (5 polls) while Old fails 30 s in
    sim.deploy(stack(Old=cr(Value="1")))
    sim.inject_failure("Old", "boom", after=30)
    # WHEN deployed
    result = sim.deploy(stack(Old=cr(Value="2"), New=cr(Polls=5)))
    # THEN New's Create is cancelled and the cleanup deletes it under a generated id
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    [delete] = handlers.requests("New", "Delete")
    assert delete["PhysicalResourceId"] != "New-1"
    assert re.fullmatch(r"TestStack-New-[A-Z0-9]{12}", delete["PhysicalResourceId"])
    assert "New" not in sim.resources


def test_fails_when_the_rollback_delete_arrives_while_the_cancelled_on_event_still_runs(
    sim, handlers
) -> None:
    # GIVEN Slow's onEvent body runs 300 s after its invocation, and Bad fails at once
    sim.delay_on_event("Slow", 300)
    # WHEN deployed
    result = sim.deploy(stack(Slow=cr(), Bad=cr(FailOnEvent="bad")))
    # THEN the rollback Delete of Slow reaches the handler before Slow's own Create body runs
    assert result.status == "ROLLBACK_COMPLETE"
    slow = [(t, h, rt) for t, h, rt, lid in handlers.log if lid == "Slow" and h == "onEvent"]
    assert [rt for _, _, rt in slow] == ["Delete", "Create"]
    assert slow[1][0] - slow[0][0] == 300
    # AND Bad's Delete (the framework's marker) never reached the handler
    assert handlers.requests("Bad", "Delete") == []


def test_fails_when_on_event_is_killed_by_its_lambda_timeout(clock) -> None:
    # GIVEN a handler killed by Lambda after it did its work
    def on_event(event: dict[str, Any], deps: Any) -> dict[str, Any]:
        if event["RequestType"] == "Create":
            raise LambdaTimedOut("killed")
        return {"PhysicalResourceId": event["PhysicalResourceId"]}

    sim = DeploySimulator(clock, None, handlers=(on_event, lambda e, d: {"IsComplete": True}))
    start = clock.now()
    # WHEN deployed
    result = sim.deploy(stack(A=cr()))
    # THEN the framework reports the timeout at invocation + 120 s, with the marker id
    assert result.status == "ROLLBACK_COMPLETE"
    assert "Task timed out after 120.00 seconds" in result.failure.reason
    assert result.stats.wall_seconds == 120 == clock.now() - start
    assert [r["RequestType"] for r in sim.requests] == ["Create", "Delete"]
    assert sim.requests[1]["PhysicalResourceId"] == CREATE_FAILED_MARKER


def test_is_complete_follows_the_framework_null_fails_truthy_completes_its_id_wins(sim, clock) -> None:
    # GIVEN isComplete answers shaped as the framework reads them
    answers: dict[str, Any] = {
        "Null": None,
        "Empty": {"IsComplete": []},
        "Renamed": {"IsComplete": 1, "PhysicalResourceId": "r"},
    }

    def is_complete(event: dict[str, Any], deps: Any) -> Any:
        return answers[event["LogicalResourceId"]]

    def on_event(event: dict[str, Any], deps: Any) -> dict[str, Any]:
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"]}

    model = DeploySimulator(clock, None, handlers=(on_event, is_complete))
    # WHEN each is deployed
    ok = model.deploy(stack(Empty=cr(), Renamed=cr()))
    failed = DeploySimulator(clock, None, handlers=(on_event, is_complete)).deploy(stack(Null=cr()))
    # THEN `[]` is complete (JavaScript truthiness), isComplete's id is the one recorded, null fails
    assert ok.status == "CREATE_COMPLETE", ok.failure
    assert model.resources["Renamed"].physical_id == "r"
    assert "Cannot read properties of null (reading 'IsComplete')" in failed.failure.reason


# ---- the scenario world's fault helpers (tests/scenarios/world.py) --------------------------------
class GroupHandlers:
    """A custom resource that makes a dataset group named `Name` and finds it again by name."""

    def on_event(self, event: dict[str, Any], deps: Any) -> dict[str, Any]:
        client, name = deps.personalize, event["ResourceProperties"]["Name"]
        arn = f"arn:aws:personalize:us-east-1:111111111111:dataset-group/{name}"
        if event["RequestType"] == "Delete":
            if event["PhysicalResourceId"].startswith("arn:"):  # else an id CloudFormation made up
                with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                    client.delete_dataset_group(datasetGroupArn=event["PhysicalResourceId"])
            return {"PhysicalResourceId": event["PhysicalResourceId"]}
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):  # ours: answer lost
            arn = client.create_dataset_group(name=name)["datasetGroupArn"]
        return {"PhysicalResourceId": arn}

    def is_complete(self, event: dict[str, Any], deps: Any) -> dict[str, Any]:
        if event["RequestType"] == "Delete":
            return {"IsComplete": True}
        group = deps.personalize.describe_dataset_group(datasetGroupArn=event["PhysicalResourceId"])
        return {"IsComplete": group["datasetGroup"]["status"] == "ACTIVE"}


@pytest.fixture
def group_world() -> Iterator[World]:
    scripted = GroupHandlers()
    with open_world(handlers=(scripted.on_event, scripted.is_complete)) as made:
        yield made


def test_world_lose_answer_makes_botocore_send_the_create_again(group_world: World) -> None:
    # GIVEN the first CreateDatasetGroup acts, then its answer is lost (HTTP 500)
    group_world.lose_answer("CreateDatasetGroup")
    # WHEN a stack with one group is deployed
    result = group_world.deploy(stack(G=cr(Name="g1")))
    # THEN botocore retried: the service saw two creates, the first acted, one group exists
    assert result.status == "CREATE_COMPLETE", result.failure
    creates = group_world.fake.calls_named("CreateDatasetGroup")
    assert [(c.outcome, c.answer_lost) for c in creates] == [
        ("ok", True),
        ("ResourceAlreadyExistsException", False),
    ]
    assert len(group_world.admin.list_dataset_groups()["datasetGroups"]) == 1


def test_fails_when_world_kills_on_event_right_after_the_create_and_the_group_is_left(
    group_world: World,
) -> None:
    # GIVEN onEvent killed by its Lambda timeout right after CreateDatasetGroup succeeded
    group_world.kill_on_event_after("CreateDatasetGroup")
    # WHEN deployed
    result = group_world.deploy(stack(G=cr(Name="g1")))
    # THEN the create fails as a timed-out Lambda; the framework's marker skips the Delete,
    # and the group it made is left behind (what the rollback's sweep has to find)
    assert result.status == "ROLLBACK_COMPLETE"
    assert "Task timed out" in result.failure.reason
    assert [g["name"] for g in group_world.admin.list_dataset_groups()["datasetGroups"]] == ["g1"]


def test_world_fail_during_and_delay_on_event_let_a_rollback_overtake_an_on_event(group_world: World) -> None:
    # GIVEN G's onEvent body runs 600 s late, and Other fails 60 s into the deploy
    group_world.delay_on_event("G", 600)
    group_world.fail_during("Other", 60, "boom")
    # WHEN deployed
    result = group_world.deploy(stack(G=cr(Name="late"), Other=cr(Name="other")))
    # THEN the rollback Delete of G came (and found nothing) before G's body created the group
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure.reason == "boom"
    deletes = group_world.fake.calls_named("DeleteDatasetGroup")
    create = next(c for c in group_world.fake.calls_named("CreateDatasetGroup") if c.params["name"] == "late")
    assert deletes[0].time < create.time
    assert "late" in [g["name"] for g in group_world.admin.list_dataset_groups()["datasetGroups"]]


def test_world_delete_by_hand_removes_a_deployed_resource_between_deploys(group_world: World) -> None:
    # GIVEN a deployed group
    assert group_world.deploy(stack(G=cr(Name="g1"))).status == "CREATE_COMPLETE"
    arn = group_world.sim.resources["G"].physical_id
    # WHEN someone deletes it by hand
    group_world.delete_by_hand(arn)
    # THEN it is gone from Personalize while the stack still records it
    assert not group_world.fake.exists(arn)
    assert group_world.sim.resources["G"].physical_id == arn


def test_before_deploy_hooks_see_each_template_before_any_resource(sim, handlers) -> None:
    # GIVEN a hook (what `cdk deploy` does first, e.g. publishing assets)
    seen: list[tuple[int, list[str]]] = []
    sim.before_deploy.append(
        lambda template: seen.append((len(handlers.on_events), sorted(template["Resources"])))
    )
    # WHEN a stack is deployed
    sim.deploy(stack(A=cr()))
    # THEN the hook ran once, with the template, before any request reached a handler
    assert seen == [(0, ["A", "ProviderFn"])]

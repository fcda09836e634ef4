"""Events of the handlers' own stack only, and deletes CloudFormation confirms (`kernel.stack`).

CloudFormation's answers are played by the deploy simulator's StackApi (`tests.unit.OwnStack`):
each case sets what DescribeStackResource and DescribeStacks say.
"""

from __future__ import annotations

import dataclasses

import botocore.session
import pytest

from lambda_handlers import constants, deps, entry
from lambda_handlers.deps import Deps
from lambda_handlers.errors import DeployError
from lambda_handlers.events import Event, parse
from lambda_handlers.kernel import stack
from simulation.cloudformation.stack_api import ResourceRecord
from tests.unit import CAMPAIGN_ARN, SOLUTION_ARN, STACK_ID, OwnStack
from tests.unit import event as make_event

NEW_ARN = f"{CAMPAIGN_ARN}-v2"


def _deps(own: OwnStack, logs: list[str]) -> Deps:
    return Deps(
        personalize=None,  # type: ignore[arg-type]  # never reached: these cases make no Personalize call
        now=lambda: 0.0,
        log=logs.append,
        make_cloudformation=lambda: own.api,
        stack_id=STACK_ID,
    )


def _delete(physical_id: str = CAMPAIGN_ARN) -> Event:
    return parse(make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=physical_id))


def _record(own: OwnStack, physical_id: str, status: str) -> None:
    own.records.records["Resource"] = ResourceRecord(constants.CAMPAIGN_TYPE, physical_id, status, 0.0)


@pytest.mark.parametrize(
    ("recorded", "resource_status", "stack_status"),
    [
        (CAMPAIGN_ARN, "DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS"),  # a stack delete
        (
            CAMPAIGN_ARN,
            "DELETE_IN_PROGRESS",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        ),  # removed from the template
        (CAMPAIGN_ARN, "DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"),  # a failed create's rollback
        (CAMPAIGN_ARN, "DELETE_COMPLETE", "DELETE_COMPLETE"),  # a late duplicate after the stack delete
        (CAMPAIGN_ARN, "DELETE_FAILED", "DELETE_FAILED"),  # a late duplicate of a failed delete
        (NEW_ARN, "UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),  # the replaced id
        (NEW_ARN, "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),  # a rolled-back one
    ],
)
def test_a_delete_cloudformation_is_running_is_confirmed(
    recorded: str, resource_status: str, stack_status: str
) -> None:
    # GIVEN what CloudFormation records for the logical id, and the stack's status
    own, logs = OwnStack(), list[str]()
    own.status = stack_status
    _record(own, recorded, resource_status)
    # WHEN the handler confirms the Delete of CAMPAIGN_ARN THEN it returns (the delete may go on)
    stack.confirm_deleting(_deps(own, logs), _delete())
    assert own.api.resource_calls == ["Resource"]
    # AND DescribeStacks is read only when the ids differ (a replacement's cleanup)
    assert len(own.api.calls) == (recorded != CAMPAIGN_ARN)


@pytest.mark.parametrize(
    ("recorded", "resource_status", "stack_status", "why"),
    [
        (
            CAMPAIGN_ARN,
            "CREATE_COMPLETE",
            "CREATE_COMPLETE",
            "records it as CREATE_COMPLETE, not being deleted",
        ),
        (CAMPAIGN_ARN, "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "records it as UPDATE_IN_PROGRESS"),
        (
            NEW_ARN,
            "UPDATE_COMPLETE",
            "UPDATE_COMPLETE",
            f"the stack records {NEW_ARN} for it and is UPDATE_COMPLETE",
        ),
        (NEW_ARN, "DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", f"the stack records {NEW_ARN}"),
        (None, "", "UPDATE_COMPLETE", "the stack holds no such resource"),
    ],
)
def test_fails_when_cloudformation_is_not_deleting_the_resource(
    recorded: str | None, resource_status: str, stack_status: str, why: str
) -> None:
    # GIVEN the resource in force, another id in force outside a cleanup, or no such logical id
    own, logs = OwnStack(), list[str]()
    own.status = stack_status
    if recorded is not None:
        _record(own, recorded, resource_status)
    # WHEN the handler confirms THEN it refuses, one line naming the cause
    with pytest.raises(DeployError) as failure:
        stack.confirm_deleting(_deps(own, logs), _delete())
    assert why in failure.value.message
    assert failure.value.message.startswith(f"Resource: refusing to delete {CAMPAIGN_ARN}: ")
    assert failure.value.message.endswith("CloudFormation did not send this Delete")


def test_fails_when_an_event_names_another_stack_before_any_call(stub) -> None:
    # GIVEN a Delete naming another stack (the stub has no answer queued: any call would fail)
    other = STACK_ID.replace("/app/", "/other/")
    raw = make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN, stack_id=other)
    # WHEN either entry point gets it THEN refused, naming both stacks; CloudFormation not asked
    for handle in (entry.handle_on_event, entry.handle_is_complete):
        with pytest.raises(DeployError, match=f"it names stack {other}, this provider serves {STACK_ID}"):
            handle(raw, stub.deps)
    assert stub.stack.api.resource_calls == []


def test_fails_when_the_function_has_no_stack_id(stub) -> None:
    raw = make_event("Create", constants.SOLUTION_TYPE, {})
    with pytest.raises(DeployError, match="this function has no STACK_ID in its environment"):
        entry.handle_on_event(raw, dataclasses.replace(stub.deps, stack_id=""))


def test_the_lambda_reads_its_stack_id_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(constants.STACK_ID_ENV, STACK_ID)
    deps.default_deps.cache_clear()
    try:
        assert deps.default_deps().stack_id == STACK_ID
    finally:
        deps.default_deps.cache_clear()


def test_fails_when_a_version_delete_is_not_cloudformations_and_stops_nothing(w) -> None:
    # GIVEN a version still training, and a Delete of it that CloudFormation did not send
    from tests.unit.test_solution_version import solution, version, version_event  # noqa: PLC0415

    solution(w)
    arn = w.on_event(version_event("Create"))["PhysicalResourceId"]
    raw = version_event("Delete", physical_id=arn)
    w.stack.records.records["Resource"] = ResourceRecord(
        constants.SOLUTION_VERSION_TYPE, arn, "CREATE_COMPLETE", 0.0
    )
    # WHEN the handler gets it (straight, not through `w.on_event`, which plays CloudFormation's Delete)
    with pytest.raises(DeployError, match="CloudFormation did not send this Delete"):
        entry.handle_on_event(raw, w.deps)
    # THEN the version trains on
    assert version(w, arn)["status"] != "CREATE STOPPING"
    assert w.count("StopSolutionVersionCreation") == 0
    assert SOLUTION_ARN in arn


def test_the_statuses_are_cloudformations_own_words() -> None:
    # GIVEN botocore's CloudFormation model (the API's enums)
    model = botocore.session.get_session().get_service_model("cloudformation")
    resource_statuses = set(model.shape_for("ResourceStatus").metadata["enum"])
    stack_statuses = set(model.shape_for("StackStatus").metadata["enum"])
    # THEN every status the check compares with is one the API answers
    assert resource_statuses >= stack.RESOURCE_DELETING
    assert stack_statuses >= stack.CLEANUP | stack.ROLLING_BACK | stack.DELETING


@pytest.mark.parametrize(
    ("resource_status", "stack_status", "why"),
    [
        ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", None),  # the rollback Update of a rename
        ("UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "the stack is UPDATE_IN_PROGRESS"),  # a deploy's own
        ("UPDATE_COMPLETE", "UPDATE_COMPLETE", "records it as UPDATE_COMPLETE, not being updated"),
    ],
)
def test_a_cancelled_renames_leftover_is_deleted_only_during_cloudformations_rollback(
    resource_status: str, stack_status: str, why: str | None
) -> None:
    # GIVEN an Update of the campaign, and what CloudFormation says of it and of the stack
    own, logs = OwnStack(), list[str]()
    own.status = stack_status
    _record(own, CAMPAIGN_ARN, resource_status)
    update = parse(make_event("Update", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN))
    # WHEN the handler confirms before deleting what a cancelled rename left
    if why is None:
        stack.confirm_rolling_back(_deps(own, logs), update)
        return
    # THEN outside CloudFormation's rollback of this resource it refuses, naming the cause
    with pytest.raises(DeployError) as failure:
        stack.confirm_rolling_back(_deps(own, logs), update)
    assert why in failure.value.message
    assert failure.value.message.endswith("CloudFormation is not rolling this resource back")

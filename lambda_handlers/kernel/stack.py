"""What CloudFormation is doing to this resource's stack right now: DescribeStacks on its own stack.

An event does not say why it came. An Update may be the deploy or its rollback (an Update back to
the old properties); a Delete may be the stack's delete or a removal in a deploy's cleanup. The
stack's status tells them apart (CloudFormation API reference, StackStatus): `UPDATE_ROLLBACK_IN_
PROGRESS` / `ROLLBACK_IN_PROGRESS` during a rollback, `DELETE_IN_PROGRESS` during a stack delete,
`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS` / `UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS` while a
deploy removes what it no longer declares. The role may call it on its own stack's ARN only.

A Delete may also arrive again after its stack's delete ended (the Provider delivers an event
twice; Lambda's asynchronous invocation is at-least-once). DescribeStacks by StackId still
answers a deleted stack (API reference, DescribeStacks `StackName`: "Deleted stacks: You must
specify the unique stack ID"), so `DELETE_COMPLETE` and `DELETE_FAILED` count as the stack's own
delete too: a cleanup's removal never runs in them.

Asked only off the normal path (something found gone, a retained delete), so a deploy costs
no extra call.

Before a destructive Delete (`confirm_deleting`), a handler asks DescribeStackResource on its own
stack whether CloudFormation is deleting this physical id of this logical id now: the event
alone proves nothing (anyone who may invoke the Provider's function can send a Delete, and a
StackId is not secret). What the answer is (CloudFormation API reference, DescribeStackResource
and StackResourceDetail; botocore's cloudformation-2010-05-15 model, ResourceStatus enum):
- a stack delete, a removal in a deploy's cleanup, and the rollback of a failed create (or of a
  resource a failed update created) delete the resource CloudFormation records for the logical
  id: `ResourceStatus` DELETE_IN_PROGRESS, `PhysicalResourceId` the id in the event;
- a late duplicate of such a Delete: DELETE_COMPLETE or DELETE_FAILED, the same id ("For deleted
  stacks, DescribeStackResource returns resource information for up to 90 days after the stack
  has been deleted", asked by StackId);
- a replacement's cleanup deletes an id the logical id no longer records: the old id after an
  update (stack UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), the new id after a rolled-back update
  (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS). StackResourceDetail holds one PhysicalResourceId
  per logical id and the reference does not say which one it shows during that cleanup: either
  the replaced id as DELETE_IN_PROGRESS (the first case) or the id now in force, which differs
  from the event's while the stack is in one of those two cleanup statuses (one more read:
  DescribeStacks). Both are accepted.
Anything else (the resource in force and not being deleted, unknown to the stack) is refused
before any other call. The one delete an Update makes, of what a cancelled rename left, is
confirmed the same way (`confirm_rolling_back`): the resource UPDATE_IN_PROGRESS while the stack
is UPDATE_ROLLBACK_IN_PROGRESS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers.errors import DeployError
from lambda_handlers.kernel.client_errors import ignoring

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

ROLLING_BACK: Final = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})
DELETING: Final = frozenset({"DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED"})
CLEANUP: Final = frozenset(
    {"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"}
)
# ResourceStatus of a resource CloudFormation is deleting or deleted (the same words as DELETING).
RESOURCE_DELETING: Final = DELETING
UPDATING: Final = "UPDATE_IN_PROGRESS"  # ResourceStatus of a resource being updated or rolled back
VALIDATION_ERROR: Final = "ValidationError"  # a logical id the stack does not hold


def status(deps: Deps, event: Event) -> str:
    """The stack's StackStatus; fails when the event names no stack (CloudFormation always does)."""
    if not event.stack_id:
        raise DeployError(f"{event.logical_id}: the event carries no StackId; cannot read the stack's status")
    stacks = deps.cloudformation.describe_stacks(StackName=event.stack_id).get("Stacks") or []
    found = str(stacks[0].get("StackStatus", "")) if stacks else ""
    deps.log(f"stack {event.stack_name} is {found or 'unknown'}")
    return found


def rolling_back(deps: Deps, event: Event) -> bool:
    """Whether this event is part of a rollback (an Update back to the old properties)."""
    return status(deps, event) in ROLLING_BACK


def being_deleted(deps: Deps, event: Event) -> bool:
    """Whether this Delete is the stack's own delete (not a removal during a deploy's cleanup),
    running or already ended (a late duplicate: module docstring)."""
    return status(deps, event) in DELETING


DEPLOYING: Final = frozenset({"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"})


def deploying(deps: Deps, event: Event) -> bool:
    """Whether the stack still runs the deploy this event belongs to. A waiter CloudFormation
    cancelled keeps polling through the rollback and after it (the Provider's state machine is
    never stopped): asked before a write it would otherwise make on an adopted resource, which
    the rollback has already given back."""
    return status(deps, event) in DEPLOYING


def confirm_deleting(deps: Deps, event: Event) -> None:
    """Return when CloudFormation is deleting `event.physical_id` of `event.logical_id` on this
    function's own stack now (or did: a late duplicate); else raise before any other call."""
    refused = _refusal(deps, event)
    if refused is not None:
        deps.log(f"refused Delete of {event.logical_id} {event.physical_id}: {refused}")
        raise DeployError(
            f"{event.logical_id}: refusing to delete {event.physical_id or 'it'}: {refused}; "
            "CloudFormation did not send this Delete"
        )


def confirm_rolling_back(deps: Deps, event: Event) -> None:
    """Return when CloudFormation is rolling this logical id back now (`ResourceStatus`
    UPDATE_IN_PROGRESS, the stack UPDATE_ROLLBACK_IN_PROGRESS): before deleting what a cancelled
    rename left (`deletion.orphan_pending`), the one delete an Update makes. Else raise."""
    refused = _rollback_refusal(deps, event)
    if refused is not None:
        deps.log(f"refused the rollback cleanup of {event.logical_id}: {refused}")
        raise DeployError(
            f"{event.logical_id}: refusing to delete what a cancelled rename left: {refused}; "
            "CloudFormation is not rolling this resource back"
        )


def _rollback_refusal(deps: Deps, event: Event) -> str | None:
    with ignoring(VALIDATION_ERROR):
        found = deps.cloudformation.describe_stack_resource(
            StackName=deps.stack_id, LogicalResourceId=event.logical_id
        )
        resource_status = str((found.get("StackResourceDetail") or {}).get("ResourceStatus") or "")
        if resource_status != UPDATING:
            return f"CloudFormation records it as {resource_status or 'unknown'}, not being updated"
        stack_status = status(deps, event)
        return None if stack_status in ROLLING_BACK else f"the stack is {stack_status or 'unknown'}"
    return "the stack holds no such resource"


def _refusal(deps: Deps, event: Event) -> str | None:
    with ignoring(VALIDATION_ERROR):  # the stack holds no such logical id
        found = deps.cloudformation.describe_stack_resource(
            StackName=deps.stack_id, LogicalResourceId=event.logical_id
        )
        return _judged(deps, event, found.get("StackResourceDetail") or {})
    return "the stack holds no such resource"


def _judged(deps: Deps, event: Event, detail: Mapping[str, Any]) -> str | None:
    recorded = str(detail.get("PhysicalResourceId") or "")
    resource_status = str(detail.get("ResourceStatus") or "")
    if recorded == event.physical_id:
        if resource_status in RESOURCE_DELETING:
            return None
        return f"CloudFormation records it as {resource_status or 'unknown'}, not being deleted"
    stack_status = status(deps, event)
    if stack_status in CLEANUP:
        return None  # a replaced id (module docstring)
    now = stack_status or "unknown"
    return f"the stack records {recorded or 'no id'} for it and is {now}, not cleaning up a replacement"

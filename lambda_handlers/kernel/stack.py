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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from lambda_handlers.errors import DeployError

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

ROLLING_BACK: Final = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})
DELETING: Final = frozenset({"DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED"})


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

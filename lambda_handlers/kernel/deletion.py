"""Deleting a resource we own, releasing one we adopted: shared by solutions and campaigns.

onEvent starts the delete; isComplete polls until Personalize says ResourceNotFound, starting it
again while the resource is busy (ResourceInUse right after a version stopped or an update).
That wait is bounded (`constants.DELETE_IN_USE_SECONDS` from onEvent, a `wait.Budget`): past it,
the delete fails with the real cause (`Blocked`: e.g. a campaign this stack does not manage
serves one of the solution's versions), instead of polling until CloudFormation's timeout.

`retain` (removal_policy retain): the stack's own delete (`kernel.stack.being_deleted`) leaves the
resource; a removal or rename during a deploy's cleanup, and a failed first deploy's rollback,
still delete it (CloudFormation's DeletionPolicy cannot tell those apart for us).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from lambda_handlers import arns
from lambda_handlers.constants import DELETE_IN_USE_SECONDS, RETAIN_ON_STACK_DELETE, Attr, Status
from lambda_handlers.errors import IN_USE, NOT_FOUND, DeployError
from lambda_handlers.events import Event, IsCompleteResponse, OnEventResponse, complete, not_complete, respond
from lambda_handlers.kernel import stack
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.wait import Budget

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


StartDelete = Callable[["Deps", str], None]
StatusOf = Callable[["Deps", str], "str | None"]
Blocked = Callable[["Deps", str, Event], str]  # why a delete is still refused: one line, the way out


RETAINED = "RETAINED"  # Attr.STATUS of a Delete that left the resource (retained stack delete)


def on_delete(event: Event, deps: Deps, *, kind: str, start: StartDelete) -> OnEventResponse:
    """Release an adopted resource (no call); keep ours on a retained stack delete; else start
    deleting it. Retained: the `RetainOnStackDelete` property (solutions and campaigns) is "true"."""
    retain = event.props.get(RETAIN_ON_STACK_DELETE) == "true"
    if arns.is_adopted(event.physical_id):
        deps.log(f"releasing adopted {kind} {arns.strip_adopted(event.physical_id)} (not deleted)")
    elif arns.is_arn(event.physical_id) and retain and stack.being_deleted(deps, event):
        deps.log(f"retaining {kind} {event.physical_id}: removal_policy retain, the stack is being deleted")
        return respond(event.physical_id, {Attr.STATUS: RETAINED})
    elif arns.is_arn(event.physical_id):
        start(deps, event.physical_id)
    return respond(event.physical_id, {Attr.STARTED_AT: str(int(deps.now()))})


def delete_progress(
    event: Event, deps: Deps, *, status_of: StatusOf, start: StartDelete, blocked: Blocked
) -> IsCompleteResponse:
    """Complete once the resource is gone; re-start a delete that Personalize refused as busy,
    until the budget is spent: then fail with `blocked`'s cause."""
    if arns.is_adopted(event.physical_id) or not arns.is_arn(event.physical_id):
        return complete()
    if event.data.get(Attr.STATUS) == RETAINED:
        return complete()
    budget = Budget(float(event.data.get(Attr.STARTED_AT) or deps.now()), DELETE_IN_USE_SECONDS)
    with ignoring(NOT_FOUND):
        if status_of(deps, event.physical_id) not in Status.DELETING:
            if budget.spent(deps.now()):
                raise DeployError(blocked(deps, event.physical_id, event))
            start(deps, event.physical_id)
        return not_complete()
    return complete()


def gone_or_busy() -> AbstractContextManager[None]:
    """Around a delete step: already gone (NotFound) is done, busy (InUse) is retried by isComplete."""
    return ignoring(NOT_FOUND, IN_USE)

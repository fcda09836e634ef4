"""Deleting a resource we own, releasing one we adopted: shared by solutions and campaigns.

onEvent starts the delete; isComplete polls until Personalize says ResourceNotFound, starting it
again while the resource is busy (ResourceInUse right after a version stopped or an update).
That wait is bounded (`constants.DELETE_IN_USE_SECONDS` from onEvent, a `wait.Budget`): past it,
the delete fails with the real cause (`Blocked`: e.g. a campaign this stack does not manage
serves one of the solution's versions), instead of polling until CloudFormation's timeout.

Every delete call of a Delete event waits for CloudFormation's word that it is deleting this
resource (`confirmed`); a Delete it did not send makes no call (`kernel.stack`).

`retain` (removal_policy retain): the stack's own delete (`kernel.stack.being_deleted`) leaves the
resource; a removal or rename during a deploy's cleanup, and a failed first deploy's rollback,
still delete it (CloudFormation's DeletionPolicy cannot tell those apart for us).

What CloudFormation never recorded: when it cancels a Create (another resource failed), the
rollback's Delete carries a physical id it made up, never one we returned. That Delete finds
what this logical id made by name (the Delete's ResourceProperties) and owner tag, and deletes
it (`remove_orphan`); a rollback Update of a rename does the same for the name it leaves.

How long to keep looking (`late_create_budget`): the cancelled onEvent may still be running when
this event arrives (CloudFormation does not wait for it: aws/aws-cdk#26139). CloudFormation only
cancels an operation it has already sent, and Lambda kills a handler
`constants.HANDLER_TIMEOUT_SECONDS` (120 s) after it starts; so a cancelled onEvent that had
started by the time this event's onEvent started makes its last call within 120 s of this one's
start, and a sweep that looks until then sees whatever it made. Not covered: a cancelled event
still waiting in Lambda's asynchronous queue after this one started (Lambda does not promise
order). What it makes carries this stack's owner tag: the next deploy of that logical id takes it
over as its own, and the stack delete's sweeps remove it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from lambda_handlers import arns, constants, contract
from lambda_handlers.constants import DELETE_IN_USE_SECONDS, Attr, Status
from lambda_handlers.errors import IN_USE, NOT_FOUND, DeployError
from lambda_handlers.events import (
    Event,
    IsCompleteResponse,
    OnEventResponse,
    Update,
    complete,
    not_complete,
    respond,
)
from lambda_handlers.kernel import ownership, stack
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.status import canonical
from lambda_handlers.kernel.wait import Budget, started

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


StartDelete = Callable[["Deps", str], None]
StatusOf = Callable[["Deps", str], "str | None"]
# The ARN this resource's declared name has (None: the event does not say), for an id never returned.
NamedArn = Callable[[Event], "str | None"]
Blocked = Callable[["Deps", str, Event], str]  # why a delete is still refused: one line, the way out
RETAINED = "RETAINED"  # Attr.STATUS of a Delete that left the resource (retained stack delete)


def started_data(deps: Deps) -> dict[str, str]:
    """onEvent's Data recording its start: isComplete counts `late_create_budget` from it."""
    return started(deps.now())


def late_create_budget(event: Event) -> Budget:
    """How long a cancelled onEvent of this logical id may still create something (module docstring)."""
    started = float(event.data.get(Attr.STARTED_AT) or 0)  # no start recorded: nothing to wait for
    return Budget(started, constants.HANDLER_TIMEOUT_SECONDS)


def on_delete(event: Event, deps: Deps, *, kind: str, start: StartDelete) -> OnEventResponse:
    """Release an adopted resource (no call); keep ours on a retained stack delete (the
    `RetainOnStackDelete` property is "true"); else start deleting it. An id never returned (a
    cancelled Create) is swept by isComplete (`delete_progress`)."""
    retain = contract.StackDeleteRetention.from_properties(event.props).retain_on_stack_delete
    if arns.is_adopted(event.physical_id):
        deps.log(f"releasing adopted {kind} {arns.strip_adopted(event.physical_id)} (not deleted)")
    elif arns.is_arn(event.physical_id) and retain and stack.being_deleted(deps, event):
        deps.log(f"retaining {kind} {event.physical_id}: removal_policy retain, the stack is being deleted")
        return respond(event.physical_id, {Attr.STATUS: RETAINED})
    elif arns.is_arn(event.physical_id):
        confirmed(event, start)(deps, event.physical_id)
    return respond(event.physical_id, started_data(deps))


def confirmed(event: Event, start: StartDelete) -> StartDelete:
    """`start`, run only once CloudFormation confirms it is deleting this resource
    (`kernel.stack.confirm_deleting`: one DescribeStackResource), or, for an Update, rolling it
    back (`confirm_rolling_back`); else nothing is called."""
    confirm = stack.confirm_rolling_back if isinstance(event, Update) else stack.confirm_deleting

    def after_confirming(deps: Deps, arn: str) -> None:
        confirm(deps, event)
        start(deps, arn)

    return after_confirming


def delete_progress(
    event: Event,
    deps: Deps,
    *,
    kind: str,
    status_of: StatusOf,
    start: StartDelete,
    named: NamedArn,
    blocked: Blocked,
) -> IsCompleteResponse:
    """Complete once the resource is gone; re-start a delete that Personalize refused as busy,
    until the budget is spent: then fail with `blocked`'s cause.

    An id never returned: complete once nothing this logical id owns exists under its declared
    name and the late-create budget is spent."""
    if arns.is_adopted(event.physical_id) or event.data.get(Attr.STATUS) == RETAINED:
        return complete()
    start = confirmed(event, start)
    if not arns.is_arn(event.physical_id):
        arn = named(event)
        if arn is None:
            return complete()
        gone = remove_orphan(deps, event, arn, kind=kind, status_of=status_of, start=start)
        return complete() if gone and late_create_budget(event).spent(deps.now()) else not_complete()
    budget = Budget(float(event.data.get(Attr.STARTED_AT) or deps.now()), DELETE_IN_USE_SECONDS)
    with ignoring(NOT_FOUND):
        if canonical(status_of(deps, event.physical_id)) not in Status.DELETING:
            if budget.spent(deps.now()):
                raise DeployError(blocked(deps, event.physical_id, event))
            start(deps, event.physical_id)
        return not_complete()
    return complete()


def remove_orphan(
    deps: Deps, event: Event, arn: str, *, kind: str, status_of: StatusOf, start: StartDelete
) -> bool:
    """One step of deleting what this logical id made at `arn` and CloudFormation never recorded
    (owner tag = this stack and logical id); True once nothing of ours is there. A resource of
    another owner (or none) is never touched."""
    if not ownership.is_ours(deps, arn, event):
        return True
    with ignoring(NOT_FOUND):
        if canonical(status_of(deps, arn)) not in Status.DELETING:
            deps.log(f"deleting {kind} {arn}: {event.logical_id} made it, CloudFormation never recorded it")
            start(deps, arn)
        return False
    return True


def gone_or_busy() -> AbstractContextManager[None]:
    """Around a delete step: already gone (NotFound) is done, busy (InUse) is retried by isComplete."""
    return ignoring(NOT_FOUND, IN_USE)


def cancelled_rename(event: Event, *, left_arn: str, target_arn: str) -> str | None:
    """On an Update that changes the name (`left_arn` → `target_arn`): `left_arn` when
    CloudFormation never recorded it, i.e. a rollback Update of a cancelled rename (the old
    properties name what the cancelled update made; the physical id is still the target's).
    A forward rename answers None: CloudFormation recorded the name it leaves, and its cleanup
    deletes it by that id."""
    if left_arn == target_arn or arns.strip_adopted(event.physical_id) == left_arn:
        return None
    return left_arn


def orphan_data(deps: Deps, arn: str | None) -> dict[str, str]:
    """onEvent's Data naming `cancelled_rename`'s leftover for isComplete (whose event carries
    onEvent's physical id, no longer the one CloudFormation sent); nothing when there is none."""
    return {} if arn is None else {Attr.ORPHAN_ARN: arn, **started_data(deps)}


def orphan_pending(event: Event, deps: Deps, *, kind: str, status_of: StatusOf, start: StartDelete) -> bool:
    """One isComplete step for the leftover `orphan_data` named: True while it (or the
    late-create budget) is not done."""
    arn = event.data.get(Attr.ORPHAN_ARN)
    if not arn:
        return False
    gone = remove_orphan(deps, event, arn, kind=kind, status_of=status_of, start=confirmed(event, start))
    return not (gone and late_create_budget(event).spent(deps.now()))

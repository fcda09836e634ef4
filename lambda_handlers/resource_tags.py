"""Custom::PersonalizeTags: the config's tags on the dataset group and datasets.

Their CloudFormation `Tags` is create-only, so the stack leaves it out (`stacks/tagging.py`) and
this resource applies the tags instead: Create tags every resource, an Update changes only what
changed (`kernel.tagging`: the config's keys, never a key of ours), a Delete removes the config's
keys, i.e. only what it added (those resources are created without tags); a retained stack
delete (removal_policy retain) leaves them, as it leaves the resources. Every write is computed
from the event's properties, so a rollback (an Update back to the old properties) puts the old
tags back and a repeated event repeats the same writes. Nothing to wait for: isComplete completes.
Physical id = `{stack name}/{logical id}/tags`, constant: an Update never replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambda_handlers import contract
from lambda_handlers.events import (
    Create,
    Delete,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    Update,
    complete,
    respond,
)
from lambda_handlers.kernel import stack, tagging

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    spec = event.spec(contract.ResourceTags)
    match event:
        case Create():
            for arn in spec.arns():
                tagging.change(deps, arn, old={}, new=spec.tags)
            return respond(f"{event.stack_name}/{event.logical_id}/tags")
        case Delete():
            if spec.retain_on_stack_delete and stack.being_deleted(deps, event):
                deps.log("kept the tags: removal_policy retain, the stack is being deleted")
                return respond(event.physical_id)
            for arn in spec.arns():
                tagging.change(deps, arn, old=spec.tags, new={})
            return respond(event.physical_id)
        case Update():
            old = event.old_spec(contract.ResourceTags)
            for arn in spec.arns():
                tagging.change(deps, arn, old=old.tags if arn in old.arns() else {}, new=spec.tags)
            for arn in old.arns():
                if arn not in spec.arns():  # no longer declared (a dataset replaced): its tags go with it
                    tagging.change(deps, arn, old=old.tags, new={})
            return respond(event.physical_id)


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    return complete()

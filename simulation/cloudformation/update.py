"""The update path: a changed template over a live stack.

Properties are resolved against current attributes; only changed resources get an
operation. Custom resources get an Update (a replacement when it answers another physical
id); native Personalize resources are replaced when a create-only property changes (failing
when the Name stays the same, as CloudFormation does for custom-named resources). New
resources take the create path. On success the cleanup deletes replaced ids and removed
resources (`cleanup.py`); on the first failure the rest is cancelled and the update rolls
back (`rollback.py`).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import replace
from typing import Any, Final

from .cleanup import clean_up_update
from .create import create
from .graph import forward_plan
from .intrinsics import Resolver
from .model import Resource, Run
from .native import CREATE_ONLY, NativeResult
from .rollback import rollback_update
from .scheduler import Op, OpFailedError, Process, returning, run_graph
from .stack import Stack

CUSTOM_NAMED_REPLACEMENT: Final = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)
REPLACEMENT_REASON: Final = (
    "Requested update requires the creation of a new physical resource; hence creating one."
)


def update_stack(stack: Stack, template: dict[str, Any], run: Run) -> str:
    """Create, update or replace what changed; then clean up, or roll back on the first failure."""
    assert stack.template is not None
    old_template, old = stack.template, dict(stack.resources)
    stack.stack_event(run, "UPDATE_IN_PROGRESS", "User Initiated")
    stack.live = dict(old)
    resolver = stack.resolver(template)
    order, prereqs = forward_plan(template, lambda lid: resolver.included(template["Resources"][lid]))

    def start(lid: str) -> Op:
        body = template["Resources"][lid]
        if lid not in old:
            op = Op(lid, "create")
            return stack.spawn(op, create(stack, op, body, resolver, run))
        op = Op(lid, "update", old=old[lid])
        return stack.spawn(op, update(stack, op, body, resolver, run))

    ops = run_graph(stack.scheduler, order, prereqs, start, on_failure="cancel")
    stack.note_cancelled(run, ops)
    if any(op.status in ("failed", "cancelled") for op in ops.values()):
        return rollback_update(stack, run, old_template=old_template, new_template=template, old=old, ops=ops)
    clean_up_update(stack, run, old_template=old_template, old=old, kept=order, ops=ops)
    stack.template = template
    stack.resources = {lid: stack.live[lid] for lid in order if lid in stack.live}
    stack.status = "UPDATE_COMPLETE"
    return "UPDATE_COMPLETE"


def update(stack: Stack, op: Op, body: Mapping[str, Any], resolver: Resolver, run: Run) -> Process:
    """One resource's Update (nothing when its resolved properties did not change)."""
    assert op.old is not None
    old, lid, rtype = op.old, op.logical_id, str(body["Type"])
    try:
        props = stack.resolve_props(body, resolver)
    except OpFailedError as exc:
        stack.event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
        raise
    if rtype == old.type and props == old.properties:
        op.kind = "none"
        return old
    stack.event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
    op.shell = replace(old, type=rtype, properties=props, body=body)
    return (yield from stack.finish(op, run, "UPDATE", _update_body(stack, op, op.shell, run)))


def _update_body(stack: Stack, op: Op, shell: Resource, run: Run) -> Generator[float, None, Resource]:
    assert op.old is not None
    old, props, rtype = op.old, shell.properties, shell.type
    if rtype != old.type:
        raise OpFailedError(
            f"Update of resource type is not permitted. The new resource type {rtype} "
            f"differs from {old.type}.",
            touched=False,
        )
    if shell.kind == "provider":
        if props.get("ServiceToken") != old.properties.get("ServiceToken"):
            raise OpFailedError("Modifying service token is not allowed.", touched=False)
        request = stack.request("Update", shell, props, old.physical_id, old.properties)
        return (yield from stack.injected(op, stack.run_provider(op, request, shell, run)))
    if shell.kind != "native":
        return (yield from stack.injected(op, returning(shell)))
    changed = {k for k in set(props) | set(old.properties) if props.get(k) != old.properties.get(k)}
    if changed & CREATE_ONLY[rtype]:
        if props.get("Name") == old.properties.get("Name"):
            raise OpFailedError(CUSTOM_NAMED_REPLACEMENT.format(name=props.get("Name")), touched=False)
        op.kind = "replace"
        stack.event(run, op.logical_id, "UPDATE", "UPDATE_IN_PROGRESS", REPLACEMENT_REASON)
        made = yield from stack.injected(op, stack.native_call(stack.native.create(rtype, props, op.made)))
    else:
        current = NativeResult(old.physical_id, dict(old.attributes))
        made = yield from stack.injected(
            op, stack.native_call(stack.native.update(rtype, old.properties, props, current))
        )
    return replace(shell, physical_id=made.physical_id, attributes=made.attributes)

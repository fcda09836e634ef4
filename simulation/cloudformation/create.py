"""The create path: a new stack's resources, and a resource an update adds.

Independent resources run at the same time: a resource starts as soon as every resource it
depends on (Ref, GetAtt, Sub, DependsOn) is done. Ties start in template dependency order and
step by logical id, so runs repeat exactly. A custom resource's Create is the Provider
framework's onEvent then isComplete every query interval (`provider.py`); a native
Personalize resource keeps its modelled create/wait time (`native.py`); anything else takes
no time. The first failure cancels the rest (`scheduler.run_graph`) and the stack rolls back
(`rollback.py`).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import replace
from typing import Any

from .graph import forward_plan
from .intrinsics import Resolver
from .model import Resource, Run
from .rollback import rollback_create
from .scheduler import Op, Process, run_graph
from .stack import Stack
from .stack_api import ResourceRecords


def create_stack(stack: Stack, template: dict[str, Any], run: Run) -> str:
    """Create every resource the template includes; roll back on the first failure."""
    stack.stack_event(run, "CREATE_IN_PROGRESS", "User Initiated")
    stack.live, stack.records = {}, ResourceRecords()
    resolver = stack.resolver(template)
    order, prereqs = forward_plan(template, lambda lid: resolver.included(template["Resources"][lid]))

    def start(lid: str) -> Op:
        op = Op(lid, "create")
        return stack.spawn(op, create(stack, op, template["Resources"][lid], resolver, run))

    ops = run_graph(stack.scheduler, order, prereqs, start, on_failure="cancel")
    stack.note_cancelled(run, ops)
    if any(op.status in ("failed", "cancelled") for op in ops.values()):
        return rollback_create(stack, template, ops, run)
    stack.template, stack.resources, stack.status = template, dict(stack.live), "CREATE_COMPLETE"
    return "CREATE_COMPLETE"


def create(stack: Stack, op: Op, body: Mapping[str, Any], resolver: Resolver, run: Run) -> Process:
    """One resource's Create, from CREATE_IN_PROGRESS to its last event."""
    lid, rtype = op.logical_id, str(body["Type"])
    stack.event(run, lid, "CREATE", "CREATE_IN_PROGRESS", "", rtype=rtype)

    def work() -> Generator[float, None, Resource]:
        props = stack.resolve_props(body, resolver)
        op.shell = Resource(lid, rtype, props, "", {}, body)
        return (yield from stack.injected(op, _create_body(stack, op, op.shell, run)))

    return (yield from stack.finish(op, run, "CREATE", work()))


def _create_body(stack: Stack, op: Op, shell: Resource, run: Run) -> Generator[float, None, Resource]:
    if shell.kind == "provider":
        request = stack.request("Create", shell, shell.properties)
        return (yield from stack.run_provider(op, request, shell, run))
    if shell.kind == "native":
        made = yield from stack.native_call(stack.native.create(shell.type, shell.properties, op.made))
        return replace(shell, physical_id=made.physical_id, attributes=made.attributes)
    made_id = stack.buckets.create(shell.logical_id, shell.type) if stack.buckets else None
    return replace(shell, physical_id=made_id or f"{shell.logical_id}-phys")

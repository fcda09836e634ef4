"""The delete path: `cdk destroy`, and the deletes a rollback or a cleanup runs.

Resources are deleted in reverse dependency order, independent ones at the same time; a
failure lets the others go on. DeletionPolicy `Retain` keeps a resource in every delete;
`RetainExceptOnCreate` keeps it except when the delete undoes its own creation (a rollback).
A custom resource's Delete goes to the Provider, which answers a failed Create's marker id
itself, the handler never called (`provider.py`).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from .graph import reverse_plan
from .model import DeployFailure, Resource, Run
from .native import NativeResult
from .scheduler import Op, OpFailedError, Process, run_graph
from .stack import Stack


def delete_stack(stack: Stack, run: Run) -> str:
    """Delete every resource of the stack; its status afterwards."""
    assert stack.template is not None
    stack.stack_event(run, "DELETE_IN_PROGRESS", "User Initiated")
    targets = {lid: [res] for lid, res in stack.resources.items()}
    ops = delete_all(stack, run, stack.template, targets, created_now=set())
    for lid, op in ops.items():
        if op.status == "done":
            stack.resources.pop(lid, None)
    for op in ops.values():
        if op.status == "failed":
            assert op.error is not None
            run.failure = run.failure or DeployFailure(op.logical_id, op.error.reason, op.error.message)
    status = "DELETE_FAILED" if stack.resources else "DELETE_COMPLETE"
    if status == "DELETE_COMPLETE":
        stack.template = None
    stack.status = status
    return status


def delete_all(
    stack: Stack,
    run: Run,
    template: Mapping[str, Any],
    targets: Mapping[str, list[Resource]],
    *,
    created_now: set[str],
) -> dict[str, Op]:
    """Delete `targets` (several ids per logical id possible), dependants first, in parallel.

    `created_now`: resources this very operation created (RetainExceptOnCreate deletes them).
    """
    order, prereqs = reverse_plan(template, targets)

    def start(lid: str) -> Op | None:
        policy = targets[lid][0].body.get("DeletionPolicy")
        if policy == "Retain" or (policy == "RetainExceptOnCreate" and lid not in created_now):
            stack.event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=targets[lid][0].physical_id)
            stack.resources.pop(lid, None)
            return None
        op = Op(lid, "delete", old=targets[lid][0])
        return stack.spawn(op, _delete_each(stack, op, targets[lid], run))

    return run_graph(stack.scheduler, order, prereqs, start, on_failure="continue")


def _delete_each(stack: Stack, op: Op, resources: list[Resource], run: Run) -> Process:
    for res in resources:
        yield from _delete(stack, op, res, run)


def _delete(stack: Stack, op: Op, res: Resource, run: Run) -> Generator[float, None, None]:
    lid, pid = res.logical_id, res.physical_id
    stack.event(run, lid, "DELETE", "DELETE_IN_PROGRESS", "", physical_id=pid)
    started = stack.clock.now()
    try:
        if res.kind == "provider":
            request = stack.request("Delete", res, res.properties, res.physical_id)
            yield from stack.injected(op, stack.run_provider(op, request, res, run))
        elif res.kind == "native" and res.physical_id:
            yield from stack.injected(
                op, stack.native_call(_then_none(stack.native.delete(res.type, res.physical_id)))
            )
            stack.record(run, lid, "DELETE", started)
        else:
            yield from stack.injected(op, stack.native_call(_delete_other(stack, res)))
            stack.record(run, lid, "DELETE", started)
    except OpFailedError as exc:
        stack.event(run, lid, "DELETE", "DELETE_FAILED", exc.reason, physical_id=pid)
        raise
    stack.event(run, lid, "DELETE", "DELETE_COMPLETE", "", physical_id=pid)


def _delete_other(stack: Stack, res: Resource) -> Generator[float, None, NativeResult | None]:
    """Resources recorded only; S3 buckets are played (a non-empty bucket refuses deletion)."""
    if stack.buckets is not None:
        stack.buckets.delete(res.type, res.physical_id, res.properties)
    return None
    yield  # pragma: no cover - makes this a generator


def _then_none(process: Generator[float, None, None]) -> Generator[float, None, NativeResult | None]:
    yield from process
    return None

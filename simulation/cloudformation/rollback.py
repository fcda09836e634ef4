"""Rollback: undoing a failed create or update.

Cancellation comes first (`scheduler.run_graph`): when an operation fails, CloudFormation
starts nothing new and cancels every operation still in progress (event `CREATE_FAILED`
"Resource creation cancelled" / `UPDATE_FAILED` "Resource update cancelled"; seen in real
stack events). A cancelled custom resource's late response is ignored, but its waiter (a Step
Functions execution nobody stops) keeps calling isComplete until it ends on its own,
interleaved with the rollback. A cancelled native operation stops.

First deploy failure: ROLLBACK deletes what was created, the failed resource when it has a
physical id, and every cancelled one. A cancelled custom resource Create never gave
CloudFormation a physical id: its Delete carries one CloudFormation made up,
`<stack name>-<logical id>-<12 characters>` (`generated_physical_id`). That this happens is
reported in aws-cloudformation/cloudformation-coverage-roadmap#1814 ("Cloudformation-
generated physical resource ID on stack rollback of in-flight custom resources"),
remind101/empire#918, and documented by aws/aws-cdk#36951; the Delete can arrive while the
cancelled onEvent still runs (aws/aws-cdk#26139). The exact format is undocumented; ours is
assumed after CloudFormation's generated names. A Create whose onEvent failed got the
framework's marker id: its Delete is answered by the framework without calling the handler.
The stack ends ROLLBACK_COMPLETE (ROLLBACK_FAILED if a delete fails); the next deploy starts
afresh, as the CDK CLI does.

Update failure: rollback is an update back to the old template, in its dependency order:
every resource updated, failed or cancelled gets an Update back to its old properties
(custom resources: ResourceProperties = old, OldResourceProperties = new,
PhysicalResourceId = the id CloudFormation last recorded: from the response, even FAILED; a
cancelled Update never answered, so the old id); native in-place updates are restored
without a call. The cleanup then deletes what the update created (`cleanup.py`). A failure
during the rollback ends UPDATE_ROLLBACK_FAILED; such a stack refuses further deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .cleanup import clean_up_rollback
from .delete import delete_all
from .graph import forward_plan
from .model import DeployFailure, Resource, Run, generated_physical_id
from .scheduler import Op, OpFailedError, Process, returning, run_graph
from .stack import Stack


def rollback_create(stack: Stack, template: dict[str, Any], ops: Mapping[str, Op], run: Run) -> str:
    """Delete what a failed stack creation left; ROLLBACK_COMPLETE or ROLLBACK_FAILED."""
    listed = _fail(run, ops)
    stack.stack_event(
        run,
        "ROLLBACK_IN_PROGRESS",
        f"The following resource(s) failed to create: [{listed}]. Rollback requested by user.",
    )
    targets = {lid: [res] for lid, op in ops.items() if (res := _left_behind(stack, op)) is not None}
    stack.template, stack.resources = template, {lid: res[0] for lid, res in targets.items()}
    deleted = delete_all(stack, run, template, targets, created_now=set(targets))
    status = "ROLLBACK_COMPLETE"
    for lid, op in deleted.items():
        if op.status == "done":
            stack.resources.pop(lid, None)
        else:
            status = "ROLLBACK_FAILED"
    stack.status = status
    return status


def rollback_update(
    stack: Stack,
    run: Run,
    *,
    old_template: dict[str, Any],
    new_template: dict[str, Any],
    old: dict[str, Resource],
    ops: dict[str, Op],
) -> str:
    """Update back to `old_template`, then clean up; UPDATE_ROLLBACK_COMPLETE or _FAILED."""
    listed = _fail(run, ops)
    stack.stack_event(
        run, "UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to update: [{listed}]."
    )
    cleanup, back = _rollback_plan(stack, ops)
    restored = dict(old)
    order, prereqs = forward_plan(old_template, lambda lid: lid in back)

    def start(lid: str) -> Op:
        before, last = back[lid]
        op = Op(lid, "rollback", old=before, shell=last)
        return stack.spawn(op, _roll_back(stack, op, run))

    rolled = run_graph(stack.scheduler, order, prereqs, start, on_failure="continue")
    for lid, op in rolled.items():
        before, last = back[lid]
        if op.status != "done" or op.result is None:
            continue
        restored[lid] = op.result
        for pid in dict.fromkeys((last.physical_id, before.physical_id)):
            if pid and pid != op.result.physical_id:
                cleanup.setdefault(lid, []).append(replace(last, physical_id=pid))
    broken = [op for op in rolled.values() if op.status == "failed"]
    if broken:
        assert broken[0].error is not None
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.stack_event(run, "UPDATE_ROLLBACK_FAILED", f"{broken[0].logical_id}: {broken[0].error.reason}")
        stack.template = old_template
        stack.resources = {**restored, **{op.logical_id: back[op.logical_id][1] for op in broken}}
        return "UPDATE_ROLLBACK_FAILED"
    clean_up_rollback(stack, new_template, cleanup, restored, run)
    stack.template, stack.resources, stack.status = old_template, restored, "UPDATE_ROLLBACK_COMPLETE"
    return "UPDATE_ROLLBACK_COMPLETE"


def _fail(run: Run, ops: Mapping[str, Op]) -> str:
    """Record the first failure as the deploy's; the ids the stack event lists as failed."""
    first = next(op for op in ops.values() if op.status == "failed")
    assert first.error is not None
    run.failure = DeployFailure(first.logical_id, first.error.reason, first.error.message)
    return ", ".join(op.logical_id for op in ops.values() if op.status in ("failed", "cancelled"))


def _left_behind(stack: Stack, op: Op) -> Resource | None:
    """What a create or update left that CloudFormation will delete (None: nothing it knows of)."""
    if op.status == "done":
        return op.result
    if op.shell is None:
        return None
    if op.status == "failed":
        assert op.error is not None
        if op.error.physical_id:
            return replace(op.shell, physical_id=op.error.physical_id)
        return None
    if op.status == "cancelled":
        if op.shell.kind == "provider":
            stack.request_seq += 1
            seed = f"{stack.stack_id}/{op.logical_id}/{stack.request_seq}"
            return replace(op.shell, physical_id=generated_physical_id(stack.stack_name, op.logical_id, seed))
        if op.made:
            return replace(op.shell, physical_id=op.made[0])
    return None


def _rollback_plan(
    stack: Stack, ops: Mapping[str, Op]
) -> tuple[dict[str, list[Resource]], dict[str, tuple[Resource, Resource]]]:
    """What the cleanup deletes; per resource to roll back: (old, what CloudFormation last recorded)."""
    cleanup: dict[str, list[Resource]] = {}
    back: dict[str, tuple[Resource, Resource]] = {}
    for lid, op in ops.items():
        if op.kind == "create":
            left = _left_behind(stack, op)
            if left is not None:
                cleanup[lid] = [left]
            continue
        if op.kind == "none" or op.old is None:
            continue
        if op.status == "failed" and op.error is not None and not op.error.touched:
            continue
        if op.kind == "replace":
            left = _left_behind(stack, op)
            if left is not None and left.physical_id != op.old.physical_id:
                cleanup[lid] = [left]
            continue
        last = op.result if op.status == "done" else None
        if last is None:
            physical_id = op.old.physical_id
            if op.status == "failed" and op.error is not None and op.error.physical_id:
                physical_id = op.error.physical_id
            props = op.shell.properties if op.shell is not None else op.old.properties
            last = replace(op.old, properties=props, physical_id=physical_id)
        back[lid] = (op.old, last)
    return cleanup, back


def _roll_back(stack: Stack, op: Op, run: Run) -> Process:
    """One resource's Update back to its old properties (native: restored without a call)."""
    before, last = op.old, op.shell
    assert before is not None and last is not None
    lid = before.logical_id
    stack.event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
    started = stack.clock.now()
    try:
        if before.kind == "provider":
            request = stack.request("Update", before, before.properties, last.physical_id, last.properties)
            back = yield from stack.injected(op, stack.run_provider(op, request, before, run))
        else:
            back = yield from stack.injected(op, returning(before))
            stack.record(run, lid, "UPDATE", started)
    except OpFailedError as exc:
        stack.event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
        raise
    stack.live[lid] = back
    stack.event(run, lid, "UPDATE", "UPDATE_COMPLETE", "", physical_id=back.physical_id)
    return back

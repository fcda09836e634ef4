"""The cleanup after an update or its rollback: delete what the stack no longer holds.

After an update: removed resources and the old ids of replaced ones (DeletionPolicy and
UpdateReplacePolicy `Retain` keep them: DELETE_SKIPPED). After a rollback: what the update
created (new resources, cancelled creates with their generated id, replacement ids not kept).
A cleanup failure does not fail the stack: the deploy's status is already decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .delete import delete_all
from .model import Resource, Run
from .scheduler import Op
from .stack import Stack


def clean_up_update(
    stack: Stack,
    run: Run,
    *,
    old_template: Mapping[str, Any],
    old: Mapping[str, Resource],
    kept: list[str],
    ops: Mapping[str, Op],
) -> None:
    """Delete what a successful update left behind: `old` resources not `kept`, replaced ids."""
    stack.stack_event(run, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
    targets: dict[str, list[Resource]] = {}
    for lid, res in old.items():
        op = ops.get(lid)
        if lid not in kept:
            if res.body.get("DeletionPolicy") not in ("Retain", "RetainExceptOnCreate"):
                targets[lid] = [res]
            else:
                stack.event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=res.physical_id)
        elif op is not None and op.result is not None and op.result.physical_id != res.physical_id:
            if res.body.get("UpdateReplacePolicy") == "Retain":
                stack.event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=res.physical_id)
            else:
                targets[lid] = [res]
    delete_all(stack, run, old_template, targets, created_now=set(targets))


def clean_up_rollback(
    stack: Stack,
    new_template: Mapping[str, Any],
    targets: Mapping[str, list[Resource]],
    restored: Mapping[str, Resource],
    run: Run,
) -> None:
    """Delete what a rolled-back update created, once the old resources are `restored`."""
    stack.stack_event(run, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
    stack.live = {**stack.live, **restored}
    delete_all(stack, run, new_template, targets, created_now=set(targets))

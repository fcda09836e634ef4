"""DeploySimulator: CloudFormation plus the Provider framework over a synthesized template.

The model runs concurrently, in virtual time, on `scheduler.Scheduler`; each part of it is
told where it is played:

- `create.py`: resources start once what they depend on is done, independent ones together;
- `update.py`: only changed resources get an operation, replacements included;
- `rollback.py`: a failure cancels what runs (cancelled waiters poll on), then the stack rolls
  back: deletes after a failed create, an update back to the old template after a failed update;
- `cleanup.py`: after an update or its rollback, deletes what the stack no longer holds;
- `delete.py`: `cdk destroy`, in reverse dependency order, with the deletion policies;
- `stack.py`: events, accounting, requests to the Provider, resolution against live resources.

`deploy()` returns once every waiter ended (`DeployStats.wall_seconds` is the time to the
stack's final status).

Fault injection for tests: `inject_failure` (at once, or `after` seconds into the operation
while others run), `delay_on_event` (the handler body runs later than its invocation), and the
Provider's `LambdaTimedOut` (a handler killed by its Lambda timeout).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Final

from .create import create_stack
from .delete import delete_stack
from .intrinsics import ResolveError
from .model import (
    DeleteResult,
    DeployFailure,
    DeployResult,
    DeployStats,
    OperationRecord,
    Resource,
    Run,
    StackEvent,
    generated_physical_id,
    load_template,
)
from .native import PRIMARY_ATTR
from .stack import Stack, generic_arn
from .update import CUSTOM_NAMED_REPLACEMENT, REPLACEMENT_REASON, update_stack

TERMINAL_REFUSING: Final = ("UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED")


class DeploySimulator(Stack):
    """Plays `cdk deploy` / `cdk destroy` of one stack in virtual time; see the module docstring."""

    # ---- fault injection ----------------------------------------------------------------------
    def inject_failure(self, logical_id: str, reason: str, *, times: int = 1, after: float = 0.0) -> None:
        """Make the next `times` operations (create, update, rollback update, delete) on a resource fail.

        `after=0`: the operation fails before any handler or API call. `after>0`: it runs as
        usual (others run meanwhile) and fails exactly `after` seconds after it started,
        whatever it did by then (a custom resource fails with the physical id onEvent gave).
        `reason` becomes the status reason.
        """
        self.faults.fail(logical_id, reason, times=times, after=after)

    def delay_on_event(self, logical_id: str, seconds: float, *, request_type: str | None = None) -> None:
        """The next onEvent of a resource (of that request type) starts `seconds` after it was sent.

        CloudFormation meanwhile goes on: it may cancel the operation and send the rollback's
        Delete or Update before that onEvent ran; its calls then hit the fake late.
        """
        self.faults.delay(logical_id, seconds, request_type)

    # ---- snapshots: one deployed stack forked into many tests ---------------------------------
    _WIRING: Final = frozenset(
        {
            "clock",
            "personalize",
            "native",
            "buckets",
            "assets",
            "provider",
            "scheduler",
            "stack_api",
            "before_deploy",
        }
    )

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of what CloudFormation knows of the stack, between deploys.

        Everything but the wiring (clients, clock, provider model, scheduler, hooks); the
        scheduler must be idle, since a running handler cannot be copied.
        """
        if not self.scheduler.idle:
            raise RuntimeError("a snapshot is taken between deploys: handlers still run")
        state = copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._WIRING})
        state["assets.published"] = list(self.assets.published) if self.assets else []
        return state

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Become a copy of the stack `snapshot` was taken from (S3 and Personalize: the caller's)."""
        state = copy.deepcopy(snapshot)
        published = state.pop("assets.published")
        if self.assets is not None:
            self.assets.published = published
        vars(self).update(state)

    # ---- public API ---------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """Resolved Outputs of the current stack."""
        if self.template is None:
            return {}
        self.live = dict(self.resources)
        resolver = self.resolver(self.template)
        values: dict[str, Any] = {}
        for name, spec in (self.template.get("Outputs") or {}).items():
            if resolver.included(spec):
                values[name] = resolver.resolve(spec.get("Value"))
        return values

    def resolved(self, value: Any) -> Any:
        """`value` (a template fragment) resolved against the current stack, as a service reading
        a deployed property sees it (e.g. EventBridge Scheduler a schedule's target input)."""
        if self.template is None:
            raise ResolveError("no stack deployed")
        self.live = dict(self.resources)
        return self.resolver(self.template).resolve(value)

    def deploy(self, template: Mapping[str, Any]) -> DeployResult:
        """Create the stack, or update it when it exists (the one place a deploy starts)."""
        fresh: dict[str, Any] = json.loads(json.dumps(template))
        for hook in self.before_deploy:
            hook(fresh)
        run = Run(start=self.clock.now())
        if self.status in TERMINAL_REFUSING:
            reason = f"Stack:{self.stack_id} is in {self.status} state and can not be updated."
            result = DeployResult(self.status, DeployFailure(self.stack_name, reason, reason))
            self.history.append(result)
            return result
        if self.assets is not None:
            self.assets(fresh)  # `cdk deploy` publishes file assets before the stack deploys
        if self.status == "ROLLBACK_COMPLETE":
            self.status, self.template, self.resources = "NOT_CREATED", None, {}
        if self.template is None:
            status = create_stack(self, fresh, run)
        elif fresh == self.template:
            status = "NO_CHANGES"
        else:
            status = update_stack(self, fresh, run)
        return self._finish(run, status)

    def delete(self) -> DeleteResult:
        """Delete the stack (`cdk destroy`)."""
        run = Run(start=self.clock.now())
        if self.template is None:
            self.status = "DELETE_COMPLETE"
            return DeleteResult("DELETE_COMPLETE")
        status = delete_stack(self, run)
        self.stack_event(run, status, "")
        run.stats.wall_seconds = self.clock.now() - run.start
        self.scheduler.drain()
        result = DeleteResult(status, run.failure, run.events, run.stats)
        self.history.append(result)
        return result

    def _finish(self, run: Run, status: str) -> DeployResult:
        if status != "NO_CHANGES":
            self.stack_event(run, status, "")
        if status.startswith("UPDATE_"):  # what the update removed is no longer the stack's
            self.records.keep_only(set(self.resources))
        run.stats.wall_seconds = self.clock.now() - run.start
        self.scheduler.drain()  # cancelled waiters poll on until they end on their own
        outputs = self.outputs if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES") else {}
        result = DeployResult(status, run.failure, run.events, run.stats, outputs, list(run.cancelled))
        self.history.append(result)
        return result


__all__ = [
    "CUSTOM_NAMED_REPLACEMENT",
    "PRIMARY_ATTR",
    "REPLACEMENT_REASON",
    "DeleteResult",
    "DeployFailure",
    "DeployResult",
    "DeploySimulator",
    "DeployStats",
    "OperationRecord",
    "Resource",
    "StackEvent",
    "generated_physical_id",
    "generic_arn",
    "load_template",
]

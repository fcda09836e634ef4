"""Faults a test injects into a deploy: an operation that fails, an onEvent that starts late.

Plain data, so a stack's snapshot copies the faults still pending with it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .model import Resource
from .provider import CREATE_FAILED_MARKER, Clock
from .scheduler import Op, OpFailedError

_T = TypeVar("_T")


@dataclass
class Faults:
    """The failures and onEvent delays still to happen, per logical id."""

    failures: dict[str, tuple[str, int, float]] = field(default_factory=dict)
    delays: dict[str, list[tuple[str | None, float]]] = field(default_factory=dict)

    def fail(self, logical_id: str, reason: str, *, times: int, after: float) -> None:
        self.failures[logical_id] = (reason, times, after)

    def delay(self, logical_id: str, seconds: float, request_type: str | None) -> None:
        self.delays.setdefault(logical_id, []).append((request_type, seconds))

    def on_event_delay(self, request: dict[str, Any]) -> float:
        """Seconds the onEvent of `request` starts late (the first matching delay, used up)."""
        queue = self.delays.get(request["LogicalResourceId"], [])
        for i, (request_type, seconds) in enumerate(queue):
            if request_type in (None, request["RequestType"]):
                del queue[i]
                return seconds
        return 0.0

    def injected(self, op: Op, body: Generator[float, None, _T], clock: Clock) -> Generator[float, None, _T]:
        """Run `body` unless a failure is injected: at once, or `after` seconds into it."""
        injected = self.failures.pop(op.logical_id, None)
        if injected is None:
            return (yield from body)
        reason, times, after = injected
        if times > 1:
            self.failures[op.logical_id] = (reason, times - 1, after)
        if after <= 0:
            body.close()
            raise OpFailedError(reason)
        deadline = clock.now() + after
        result: object = None
        while True:
            try:
                wait = body.send(None)
            except StopIteration as stop:
                result = stop.value
                break
            if clock.now() + wait >= deadline:
                body.close()
                break
            yield wait
        if deadline > clock.now():
            yield deadline - clock.now()
        physical_id = _answered_id(op, result)
        if op.stats is not None:  # the Provider's accounting ends here: its process was cut short
            op.stats.ended_at = clock.now()
            op.stats.duration = op.stats.ended_at - op.stats.started_at
        raise OpFailedError(reason, physical_id=physical_id)


def _answered_id(op: Op, result: object) -> str | None:
    """The physical id CloudFormation holds for an operation failed by injection.

    What it returned, else what onEvent or the create call answered; a custom resource Create
    with none gets the Provider framework's marker, as a failed onEvent does.
    """
    physical_id = result.physical_id if isinstance(result, Resource) else None
    if physical_id is None and op.stats is not None:
        physical_id = op.stats.physical_id
    if physical_id is None and op.made:
        physical_id = op.made[0]
    if physical_id is None and op.kind == "create" and op.shell is not None and op.shell.kind == "provider":
        physical_id = CREATE_FAILED_MARKER
    return physical_id

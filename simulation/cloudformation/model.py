"""What the deploy simulator records and answers: resources, stack events, results, accounting."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from lambda_handlers import constants

from .native import NATIVE_TYPES

if TYPE_CHECKING:
    from .provider import OperationStats

_GENERATED_ID_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class StackEvent(NamedTuple):
    """One stack event: (virtual time, logical id, action, status, reason)."""

    time: float
    logical_id: str
    action: str  # CREATE | UPDATE | DELETE | STACK
    status: str  # CloudFormation resource status, e.g. UPDATE_FAILED
    reason: str


@dataclass(frozen=True)
class DeployFailure:
    logical_id: str
    reason: str  # the CloudFormation status reason
    message: str  # the bare error text (a handler's exception message, a native API error)


@dataclass
class OperationRecord:
    """One resource operation of a deploy (custom resources carry the Provider accounting)."""

    logical_id: str
    action: str
    duration: float
    lambda_invocations: int = 0
    state_transitions: int = 0
    framework_invocations: int = 0
    custom: bool = False


@dataclass
class DeployStats:
    """Accounting of one deploy or delete.

    `max_operation_seconds` is the longest custom resource operation (the one-hour wall
    applies to them); `wall_seconds` is the virtual time the whole deploy took.
    """

    lambda_invocations: int = 0
    state_transitions: int = 0
    framework_invocations: int = 0
    max_operation_seconds: float = 0.0
    wall_seconds: float = 0.0
    operations: list[OperationRecord] = field(default_factory=list)

    def durations(self, logical_id: str) -> list[float]:
        """Durations of the operations on one resource, in order."""
        return [op.duration for op in self.operations if op.logical_id == logical_id]


@dataclass
class DeployResult:
    status: str
    failure: DeployFailure | None = None
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)
    outputs: dict[str, Any] = field(default_factory=dict)
    cancelled: list[OperationStats] = field(default_factory=list)  # custom resource ops cancelled

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES")


@dataclass
class DeleteResult:
    status: str
    failure: DeployFailure | None = None
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)


@dataclass(frozen=True)
class Resource:
    """A deployed resource as CloudFormation records it."""

    logical_id: str
    type: str
    properties: Any  # resolved; custom resources: stringified, with ServiceToken
    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)  # template entry (policies)

    @property
    def kind(self) -> str:
        return kind(self.type)


@dataclass
class Run:
    """What one deploy or delete gathers on its way to a result."""

    start: float
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)
    failure: DeployFailure | None = None
    cancelled: list[OperationStats] = field(default_factory=list)


def kind(rtype: str) -> str:
    """How a resource type is played: `provider` (our custom resources), `native`, `generic`."""
    if rtype in constants.RESOURCE_TYPES:
        return "provider"
    if rtype in NATIVE_TYPES:
        return "native"
    return "generic"


def load_template(stack_name: str, cdk_out: str | Path = "cdk.out") -> dict[str, Any]:
    """A synthesized template: `<cdk_out>/<stack_name>.template.json`."""
    loaded: dict[str, Any] = json.loads((Path(cdk_out) / f"{stack_name}.template.json").read_text())
    return loaded


def generated_physical_id(stack_name: str, logical_id: str, seed: str) -> str:
    """The physical id CloudFormation makes up for a custom resource whose Create it cancelled."""
    digest = hashlib.sha256(seed.encode()).digest()
    suffix = "".join(_GENERATED_ID_CHARS[b % len(_GENERATED_ID_CHARS)] for b in digest[:12])
    return f"{stack_name}-{logical_id}-{suffix}"

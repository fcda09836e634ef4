"""CloudFormation's DescribeStacks and DescribeStackResource as the handlers see them during a
simulated deploy or delete.

The handlers ask their own stack's status to tell a rollback Update from a deploy's, and a stack
delete from a removal (`lambda_handlers/kernel/stack.py`). The answer has the shape of the
API reference's DescribeStacks output (`Stacks[].StackId/StackName/StackStatus`); a stack that
does not exist is a `ValidationError` "Stack with id X does not exist", as the real service
answers (observed; the API reference lists no error code for it). A deleted stack answers only
to its StackId (API reference, DescribeStacks `StackName`: "Deleted stacks: You must specify the
unique stack ID"); by name it does not exist.

DescribeStackResource answers `StackResourceDetail` (API reference; botocore's
cloudformation-2010-05-15 model: `ResourceStatus` from its enum, `PhysicalResourceId` optional)
from `ResourceRecords`, which the simulator keeps as CloudFormation's record of each logical id:
- CREATE_IN_PROGRESS (no physical id yet), then CREATE_COMPLETE with the id; CREATE_FAILED or
  UPDATE_FAILED when failed or cancelled; UPDATE_IN_PROGRESS, then UPDATE_COMPLETE with the id in
  force (a replacement's new id, or the old one a rollback Update answered);
- DELETE_IN_PROGRESS / DELETE_COMPLETE / DELETE_FAILED of the id being deleted when it is the
  one the logical id records, or has none yet (a cancelled Create's made-up id, a Create whose
  isComplete failed); DELETE_SKIPPED for a retained resource;
- a replaced id's delete in a cleanup leaves the record alone: one record per logical id, holding
  the id now in force. The reference does not say what the real service shows then (see
  `lambda_handlers/kernel/stack.py`, which accepts both readings); this is the stricter one.
- after an update or its rollback ends, logical ids the stack no longer holds are dropped (asked
  for, they are a `ValidationError` "Resource X does not exist for stack Y": the wording is
  observed, not documented); after a stack delete or a failed create's rollback every record
  stays, as the reference says of deleted stacks (90 days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError


@dataclass(frozen=True)
class ResourceRecord:
    """What CloudFormation records of one logical id."""

    resource_type: str
    physical_id: str  # "" before it has one
    status: str  # a ResourceStatus
    updated: float  # epoch seconds


@dataclass
class ResourceRecords:
    """Logical id → its record, kept by the simulator from the resource events it emits."""

    records: dict[str, ResourceRecord] = field(default_factory=dict)

    def observe(
        self, logical_id: str, status: str, now: float, *, physical_id: str = "", rtype: str = ""
    ) -> None:
        """A resource event: CREATE_IN_PROGRESS starts a record; a DELETE_* of an id other than the
        recorded one (a replaced id) changes nothing; otherwise status and any given id are kept."""
        old = self.records.get(logical_id)
        if status == "CREATE_IN_PROGRESS" or old is None:
            self.records[logical_id] = ResourceRecord(rtype, physical_id, status, now)
            return
        if (
            status.startswith("DELETE_")
            and old.physical_id
            and physical_id
            and physical_id != old.physical_id
        ):
            return
        self.records[logical_id] = ResourceRecord(
            rtype or old.resource_type, physical_id or old.physical_id, status, now
        )

    def keep_only(self, logical_ids: set[str]) -> None:
        for logical_id in set(self.records) - logical_ids:
            del self.records[logical_id]


@dataclass
class StackApi:
    """Answers DescribeStacks and DescribeStackResource for one stack; `status()` is the
    simulator's current stack status, `resources()` its records."""

    stack_id: str
    stack_name: str
    status: Callable[[], str]
    resources: Callable[[], ResourceRecords] = ResourceRecords
    calls: list[str] = field(default_factory=list)  # StackName of every DescribeStacks, in order
    resource_calls: list[str] = field(default_factory=list)  # LogicalResourceId of each DescribeStackResource

    def _exists(self, name: str, operation: str) -> None:
        current = self.status()
        deleted_by_name = current == "DELETE_COMPLETE" and name != self.stack_id
        if name not in (self.stack_id, self.stack_name) or current in ("", "NOT_CREATED") or deleted_by_name:
            message = f"Stack with id {name} does not exist"
            raise ClientError({"Error": {"Code": "ValidationError", "Message": message}}, operation)

    def describe_stack_resource(self, *, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        self.resource_calls.append(LogicalResourceId)
        self._exists(StackName, "DescribeStackResource")
        record = self.resources().records.get(LogicalResourceId)
        if record is None:
            message = f"Resource {LogicalResourceId} does not exist for stack {StackName}"
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": message}}, "DescribeStackResource"
            )
        detail: dict[str, Any] = {
            "StackName": self.stack_name,
            "StackId": self.stack_id,
            "LogicalResourceId": LogicalResourceId,
            "ResourceType": record.resource_type,
            "LastUpdatedTimestamp": datetime.fromtimestamp(record.updated, UTC),
            "ResourceStatus": record.status,
        }
        if record.physical_id:
            detail["PhysicalResourceId"] = record.physical_id
        return {"StackResourceDetail": detail}

    def describe_stacks(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803 - the API's own name
        self.calls.append(StackName)
        self._exists(StackName, "DescribeStacks")
        return {
            "Stacks": [{"StackId": self.stack_id, "StackName": self.stack_name, "StackStatus": self.status()}]
        }

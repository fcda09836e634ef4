"""CloudFormation's DescribeStacks as the handlers see it during a simulated deploy or delete.

The handlers ask their own stack's status to tell a rollback Update from a deploy's, and a stack
delete from a removal (`lambda_handlers/kernel/stack.py`). The answer has the shape of the
API reference's DescribeStacks output (`Stacks[].StackId/StackName/StackStatus`); a stack that
does not exist is a `ValidationError` "Stack with id X does not exist", as the real service
answers (observed; the API reference lists no error code for it). A deleted stack answers only
to its StackId (API reference, DescribeStacks `StackName`: "Deleted stacks: You must specify the
unique stack ID"); by name it does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class StackApi:
    """Answers DescribeStacks for one stack; `status()` is the simulator's current stack status."""

    stack_id: str
    stack_name: str
    status: Callable[[], str]
    calls: list[str] = field(default_factory=list)  # StackName of every DescribeStacks, in order

    def describe_stacks(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803 - the API's own name
        self.calls.append(StackName)
        current = self.status()
        deleted_by_name = current == "DELETE_COMPLETE" and StackName != self.stack_id
        if (
            StackName not in (self.stack_id, self.stack_name)
            or current in ("", "NOT_CREATED")
            or deleted_by_name
        ):
            message = f"Stack with id {StackName} does not exist"
            raise ClientError({"Error": {"Code": "ValidationError", "Message": message}}, "DescribeStacks")
        return {"Stacks": [{"StackId": self.stack_id, "StackName": self.stack_name, "StackStatus": current}]}

"""`RetainOnStackDelete`: the one property `kernel.deletion` reads of whichever resource it deletes.

The solution, the campaign and the tags resource declare it with `retain_on_stack_delete()`, so
its name and codec are stated here once; `StackDeleteRetention` decodes it from any of their
properties (absent, as on a metric attribution: False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import BOOL

_DELETED_RESOURCE_DOC = (
    "Left in place by the stack's own delete (removal_policy retain); a removal from the config, a "
    "rename and the rollback of a failed first deploy still delete it."
)


def retain_on_stack_delete(doc: str = _DELETED_RESOURCE_DOC) -> Any:
    """The field: "true" (removal_policy retain) = the stack's own delete leaves the resource."""
    return prop("RetainOnStackDelete", BOOL, doc, False)


@dataclass(frozen=True, kw_only=True)
class StackDeleteRetention(Contract):
    """Only `RetainOnStackDelete`, read from the properties of any resource `kernel.deletion` deletes."""

    retain_on_stack_delete: bool = retain_on_stack_delete()

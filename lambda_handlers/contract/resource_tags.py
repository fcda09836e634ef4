"""Custom::PersonalizeTags' properties: the config's tags and the native resources they go on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from lambda_handlers.constants import TAGS_TYPE
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import TAGS, Codec, ContractError, Intrinsic
from lambda_handlers.contract.retention import retain_on_stack_delete

# ARNs joined by spaces (no ARN holds one): a construct joins `Fn::GetAtt` tokens into one string.
ARN_LIST: Codec[tuple[str, ...] | Intrinsic] = Codec(
    lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
    lambda s: tuple(s.split()),
    may_be_intrinsic=True,
)


@dataclass(frozen=True, kw_only=True)
class ResourceTags(Contract):
    """Tags of native resources whose CloudFormation `Tags` is create-only (a tag edit would replace
    them): applied and changed with TagResource / UntagResource instead."""

    RESOURCE_TYPE: ClassVar[str] = TAGS_TYPE

    resource_arns: tuple[str, ...] | Intrinsic = prop(
        "ResourceArns", ARN_LIST, "The resources to tag (the dataset group, datasets)."
    )
    tags: Mapping[str, str] = prop("Tags", TAGS, "The config's tags.", {})
    retain_on_stack_delete: bool = retain_on_stack_delete(
        "The stack's own delete leaves the tags (removal_policy retain: the resources stay too).",
    )

    def arns(self) -> tuple[str, ...]:
        """The ARNs an event carries (an intrinsic only in a template, never in an event)."""
        if isinstance(self.resource_arns, Intrinsic):
            raise ContractError(f"unresolved intrinsic {self.resource_arns}")
        return self.resource_arns

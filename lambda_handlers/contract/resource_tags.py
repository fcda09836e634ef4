"""Custom::PersonalizeTags' properties: the config's tags and the native resources they go on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from lambda_handlers.constants import TAGS_TYPE, TagsProps
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import BOOL, TAGS, Codec, ContractError, Intrinsic

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
        TagsProps.RESOURCE_ARNS, ARN_LIST, "The resources to tag (the dataset group, datasets)."
    )
    tags: Mapping[str, str] = prop(TagsProps.TAGS, TAGS, "The config's tags.", {})
    retain_on_stack_delete: bool = prop(
        TagsProps.RETAIN_ON_STACK_DELETE,
        BOOL,
        "The stack's own delete leaves the tags (removal_policy retain: the resources stay too).",
        False,
    )

    def arns(self) -> tuple[str, ...]:
        """The ARNs an event carries (an intrinsic only in a template, never in an event)."""
        if isinstance(self.resource_arns, Intrinsic):
            raise ContractError(f"unresolved intrinsic {self.resource_arns}")
        return self.resource_arns

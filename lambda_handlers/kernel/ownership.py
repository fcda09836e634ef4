"""Who made a solution or campaign (the owner tag), and what a Create does when its name is taken.

CreateSolution and CreateCampaign carry `OWNER_TAG` = `{StackId}/{LogicalResourceId}`. When a
Create meets ResourceAlreadyExists (its event delivered twice, or a deploy retried after the
resource was created but before CloudFormation recorded its physical id), a resource with this
value is ours: the plain ARN, deleted with the stack. Anything else is adopted (`adopted:` + ARN)
and released, never deleted.

The separator is `/`, not `|`: Personalize tag values allow only letters, digits, spaces and
`_ . : / = + - @`. A logical id never contains `/`, so the value still names one pair. A value
over the 256-character limit (very long stack names) is sent as `sha256:{hex digest of it}`.
Tags are written at create time only: an adopted resource is never tagged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from lambda_handlers import arns
from lambda_handlers.constants import OWNER_TAG
from lambda_handlers.errors import ALREADY_EXISTS, NOT_FOUND, error_code
from lambda_handlers.kernel.client_errors import ignoring

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

MAX_TAG_VALUE: Final = 256
HASH_PREFIX: Final = "sha256:"


def owner_value(event: Event) -> str | None:
    """This resource's owner tag value; None when the event lacks the stack or logical id."""
    if not event.stack_id or not event.logical_id:
        return None
    value = f"{event.stack_id}/{event.logical_id}"
    if len(value) > MAX_TAG_VALUE:
        return HASH_PREFIX + hashlib.sha256(value.encode()).hexdigest()
    return value


def api_tags(declared: Mapping[str, str], event: Event) -> list[TagTypeDef]:
    """The declared tags plus the owner tag (which replaces a declared tag of the same key)."""
    tags: dict[str, str] = dict(declared)
    value = owner_value(event)
    if value is not None:
        tags.pop(OWNER_TAG, None)
        tags[OWNER_TAG] = value
    return [{"tagKey": key, "tagValue": tag_value} for key, tag_value in tags.items()]


def is_ours(deps: Deps, arn: str, event: Event) -> bool:
    """True when the resource at `arn` carries this stack's and this resource's owner tag."""
    value = owner_value(event)
    return value is not None and tags_of(deps, arn).get(OWNER_TAG) == value


def tags_of(deps: Deps, arn: str) -> dict[str, str]:
    """The resource's tags as a map; none when it is gone (ListTagsForResource → NotFound)."""
    tags: dict[str, str] = {}
    with ignoring(NOT_FOUND):
        for tag in deps.personalize.list_tags_for_resource(resourceArn=arn).get("tags", []):
            tags[tag["tagKey"]] = tag["tagValue"]
    return tags


@dataclass(frozen=True)
class Taken:
    """The outcome of `create_or_take_over`: the physical id to answer and whether we created it."""

    physical_id: str
    created: bool

    @property
    def arn(self) -> str:
        return arns.strip_adopted(self.physical_id)


def create_or_take_over(
    deps: Deps, event: Event, *, kind: str, existing_arn: str, create: Callable[[], str]
) -> Taken:
    """`create()` (returns the new ARN); if the name is taken, continue with `existing_arn`:
    ours (owner tag) keeps the plain ARN, anything else is adopted."""
    try:
        arn = create()
    except ClientError as exc:
        if error_code(exc) != ALREADY_EXISTS:
            raise
    else:
        deps.log(f"created {kind} {arn}")
        return Taken(arn, created=True)
    if is_ours(deps, existing_arn, event):
        deps.log(f"{kind} {existing_arn} already made by this resource (owner tag): continuing with it")
        return Taken(existing_arn, created=False)
    deps.log(f"adopting existing {kind} {existing_arn}")
    return Taken(arns.adopted(existing_arn), created=False)

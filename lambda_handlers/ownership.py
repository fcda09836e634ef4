"""Which existing solution or campaign a Create made itself: the owner tag, shared by both.

CreateSolution and CreateCampaign carry `OWNER_TAG` = `{StackId}/{LogicalResourceId}`. When a
Create meets ResourceAlreadyExists (its event delivered twice, or a deploy retried after the
resource was created but before CloudFormation recorded its physical id), a resource with this
value is ours: the plain ARN, deleted with the stack. Anything else is adopted and released.

The separator is `/`, not `|`: Personalize tag values allow only letters, digits, spaces and
`_ . : / = + - @`. A logical id never contains `/`, so the value still names one pair. A value
over the 256-character limit (very long stack names) is sent as `sha256:{hex digest of it}`.
Tags are written at create time only: an adopted resource is never tagged.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

from lambda_handlers.constants import OWNER_TAG
from lambda_handlers.errors import NOT_FOUND, is_code

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


def owner_tag(event: Event) -> TagTypeDef | None:
    value = owner_value(event)
    return None if value is None else {"tagKey": OWNER_TAG, "tagValue": value}


def with_owner_tag(tags: list[TagTypeDef], event: Event) -> list[TagTypeDef]:
    """The declared tags plus the owner tag (which replaces a declared tag of the same key)."""
    tag = owner_tag(event)
    if tag is None:
        return tags
    return [t for t in tags if t["tagKey"] != OWNER_TAG] + [tag]


def is_ours(deps: Deps, arn: str, event: Event) -> bool:
    """True when the resource at `arn` carries this stack's and this resource's owner tag."""
    value = owner_value(event)
    if value is None:
        return False
    try:
        tags = deps.personalize.list_tags_for_resource(resourceArn=arn).get("tags", [])
    except Exception as exc:
        if is_code(exc, NOT_FOUND):
            return False
        raise
    return any(t.get("tagKey") == OWNER_TAG and t.get("tagValue") == value for t in tags)

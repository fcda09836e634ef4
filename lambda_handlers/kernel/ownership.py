"""Who made a solution, version or campaign (the owner tag), and what a Create does when its
name is taken.

Everything the handlers create carries `OWNER_TAG` = `{stack name}/{LogicalResourceId}`: the stack
*name*, not its id, because a stack deleted and created again gets a new StackId and must still
own what it made (a retained delete, a re-created stack sweeping its orphans). A value over the
256-character limit is sent as `sha256:{hex digest}` of the plain value; its owner can only be
recognised by computing the same digest.

When a Create meets ResourceAlreadyExists (its event delivered twice, or a deploy retried after
the resource was created but before CloudFormation recorded its physical id), a resource with
this resource's value is ours: the plain ARN, deleted with the stack. A resource whose owner tag
names anything else (another stack, or this stack under another logical id: a config key renamed
with the same physical_name) is refused: never adopted, updated, stopped or deleted, since the
stack cannot tell whether its owner still needs it. Only a resource with no owner tag (the
notebook's) is adopted (`adopted:` + ARN) and released, never deleted.

The separator is `/`, not `|`: Personalize tag values allow only letters, digits, spaces and
`_ . : / = + - @`. Neither a stack name nor a logical id contains `/`, so the value names one
pair. An adopted resource never gets the owner tag nor the config's tags, only the record of
what the stack changes on it (`kernel.adoption`), removed when it is released.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from lambda_handlers import arns
from lambda_handlers.constants import OWNER_TAG
from lambda_handlers.errors import ALREADY_EXISTS, NOT_FOUND, DeployError, error_code
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.lost_answers import create_once

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

MAX_TAG_VALUE: Final = 256
HASH_PREFIX: Final = "sha256:"


@dataclass(frozen=True)
class Owner:
    """The stack (by name) and the logical id an owner tag names."""

    stack_name: str
    logical_id: str

    @property
    def value(self) -> str:
        """The tag value: `{stack name}/{logical id}`, hashed when over Personalize's limit."""
        return _bounded(f"{self.stack_name}/{self.logical_id}")


def _bounded(value: str) -> str:
    if len(value) > MAX_TAG_VALUE:
        return HASH_PREFIX + hashlib.sha256(value.encode()).hexdigest()
    return value


def owner(event: Event) -> Owner | None:
    """The owner an event's resource writes; None when the event lacks the stack or logical id."""
    if not event.stack_name or not event.logical_id:
        return None
    return Owner(event.stack_name, event.logical_id)


def owner_value(event: Event) -> str | None:
    """This resource's owner tag value (see `Owner.value`)."""
    found = owner(event)
    return None if found is None else found.value


def owner_of(value: str | None) -> Owner | None:
    """The owner a tag value names; None for no tag, a hashed value or any other text."""
    if not value or value.startswith(HASH_PREFIX):
        return None
    parts = value.split("/")
    if len(parts) == 2 and all(parts):
        return Owner(parts[0], parts[1])
    return None


def is_own_value(value: str | None, event: Event) -> bool:
    """Whether a tag value names this event's stack and resource."""
    return value is not None and value == owner_value(event)


def is_this_stacks(value: str | None, event: Event) -> bool:
    """Whether a tag value names this event's stack (any logical id of it)."""
    found = owner_of(value)
    return found is not None and bool(event.stack_name) and found.stack_name == event.stack_name


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
    if owner(event) is None:
        return False
    return is_own_value(tags_of(deps, arn).get(OWNER_TAG), event)


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
    ours (owner tag) keeps the plain ARN, anything else is adopted. An answer lost after the
    service acted is found by its owner tag, not created again (`lost_answers.create_once`)."""
    try:
        arn = create_once(
            deps,
            create=create,
            find=lambda: existing_arn if is_ours(deps, existing_arn, event) else None,
            what=f"Create of {kind} {existing_arn}",
        )
    except ClientError as exc:
        if error_code(exc) != ALREADY_EXISTS:
            raise
    else:
        deps.log(f"created {kind} {arn}")
        return Taken(arn, created=True)
    value = tags_of(deps, existing_arn).get(OWNER_TAG)
    if owner(event) is not None and is_own_value(value, event):
        deps.log(f"{kind} {existing_arn} already made by this resource (owner tag): continuing with it")
        return Taken(existing_arn, created=False)
    if value:
        raise DeployError(refusal(kind, existing_arn, value, event))
    deps.log(f"adopting existing {kind} {existing_arn}")
    return Taken(arns.adopted(existing_arn), created=False)


def refusal(kind: str, arn: str, value: str, event: Event) -> str:
    """Why a resource carrying another owner tag is not taken over, and the way out."""
    name = arns.resource_path(arn)[1]
    found = owner_of(value)
    if found is None:
        return f"{kind} {name} belongs to another stack (owner tag {value}); give this one another name"
    if found.stack_name != event.stack_name:
        return (
            f"{kind} {name} belongs to stack {found.stack_name} (logical id {found.logical_id}); "
            "give this one another name"
        )
    return (
        f"{kind} {name} belongs to this stack as {found.logical_id}, not {event.logical_id} (a config "
        f"entry renamed with the same physical_name?); give this one another physical_name, or deploy "
        f"without {found.logical_id} first (which deletes that {kind}), then add this one"
    )

"""What the stack changes on a resource it adopted, recorded on the resource, and given back.

CloudFormation hands no Data to later events, and a Lambda may be lost between a write and its
answer, so the state an adopted solution or campaign had is recorded on the resource itself,
before the stack changes anything (`record`): `ADOPTED_BY_TAG` = the adopting resource's owner
value, and `STATE_WHEN_ADOPTED_TAG` = base64 of the state's JSON (tag values allow only letters,
digits, spaces and `_ . : / = + - @`: botocore's TagValue pattern), split over `-2`, `-3`...
keys past 256 characters (TagValue max). Written once: a repeated Create, or a later deploy
adopting it again, keeps the state first found.

Its release reads it back (`recorded`), restores it (the handler's job), then removes every tag
of this module (`forget`). A resource recorded by another stack or logical id is not ours to
restore (`recorded` answers None).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers.constants import ADOPTED_BY_TAG, STATE_WHEN_ADOPTED_TAG
from lambda_handlers.errors import NOT_FOUND
from lambda_handlers.kernel import ownership
from lambda_handlers.kernel.client_errors import ignoring

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

MAX_TAG_VALUE: Final = 256  # botocore TagValue max


def _key(index: int) -> str:
    return STATE_WHEN_ADOPTED_TAG if index == 0 else f"{STATE_WHEN_ADOPTED_TAG}-{index + 1}"


def encode(state: Mapping[str, Any]) -> dict[str, str]:
    """The state as tags: base64 of its compact JSON, in chunks of at most one tag value."""
    text = base64.b64encode(json.dumps(state, sort_keys=True, separators=(",", ":")).encode()).decode()
    chunks = [text[i : i + MAX_TAG_VALUE] for i in range(0, len(text), MAX_TAG_VALUE)] or [""]
    return {_key(index): chunk for index, chunk in enumerate(chunks)}


def decode(tags: Mapping[str, str]) -> dict[str, Any] | None:
    """The state `encode` wrote into `tags`; None when there is none."""
    if STATE_WHEN_ADOPTED_TAG not in tags:
        return None
    text, index = "", 0
    while _key(index) in tags:
        text += tags[_key(index)]
        index += 1
    value = json.loads(base64.b64decode(text))
    return dict(value) if isinstance(value, dict) else None


def record(deps: Deps, arn: str, event: Event, state: Mapping[str, Any]) -> None:
    """Record `state` on the adopted resource, with who adopted it; keep a state recorded before."""
    if STATE_WHEN_ADOPTED_TAG in ownership.tags_of(deps, arn):
        return
    tags = {ADOPTED_BY_TAG: ownership.owner_value(event) or "", **encode(state)}
    deps.personalize.tag_resource(
        resourceArn=arn, tags=[{"tagKey": key, "tagValue": value} for key, value in tags.items()]
    )
    deps.log(f"adopted {arn}: recorded {json.dumps(state, sort_keys=True)} to restore on release")


def recorded(tags: Mapping[str, str], event: Event) -> dict[str, Any] | None:
    """The state this resource (stack and logical id) recorded when it adopted the resource."""
    if not ownership.is_own_value(tags.get(ADOPTED_BY_TAG), event):
        return None
    return decode(tags)


def forget(deps: Deps, arn: str, tags: Mapping[str, str]) -> None:
    """Remove the record from the resource, as found before the stack."""
    ours = {ADOPTED_BY_TAG, STATE_WHEN_ADOPTED_TAG}
    keys = sorted(key for key in tags if key in ours or key.startswith(f"{STATE_WHEN_ADOPTED_TAG}-"))
    if not keys:
        return
    with ignoring(NOT_FOUND):
        deps.personalize.untag_resource(resourceArn=arn, tagKeys=keys)
        deps.log(f"removed {', '.join(keys)} from {arn}: released as found")

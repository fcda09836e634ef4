"""A change of the config's tags, applied in place: TagResource / UntagResource, nothing replaced.

Only the config's keys are written or removed, and never a key this app writes for itself
(`OWN_TAG_PREFIX`: the owner tag, an adoption record): those are the handlers' state, not cost
allocation. The change is computed from the event's old and new properties, so a rollback (an
Update back to the old properties) undoes it the same way, and a repeated event writes the same
values again (TagResource overwrites; UntagResource of a missing key succeeds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lambda_handlers.constants import OWN_TAG_PREFIX
from lambda_handlers.errors import NOT_FOUND
from lambda_handlers.kernel.client_errors import ignoring

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


def declared(tags: Mapping[str, str]) -> dict[str, str]:
    """The config's tags without any key of ours."""
    return {key: value for key, value in tags.items() if not key.startswith(OWN_TAG_PREFIX)}


def change(deps: Deps, arn: str, *, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Tag what `new` adds or changes, untag what it drops: at most one call of each. A resource
    gone meanwhile has no tags to change."""
    before, after = declared(old), declared(new)
    added = {key: value for key, value in sorted(after.items()) if before.get(key) != value}
    removed = sorted(set(before) - set(after))
    with ignoring(NOT_FOUND):
        if added:
            deps.personalize.tag_resource(
                resourceArn=arn, tags=[{"tagKey": key, "tagValue": value} for key, value in added.items()]
            )
            deps.log(f"tagged {arn}: {', '.join(added)}")
        if removed:
            deps.personalize.untag_resource(resourceArn=arn, tagKeys=removed)
            deps.log(f"untagged {arn}: {', '.join(removed)}")

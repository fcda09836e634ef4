"""An adopted campaign goes back to the version it served before the stack took it over.

CloudFormation never hands a response's Data to later events, so the version is recorded on the
campaign itself when it is adopted: `SERVED_WHEN_ADOPTED_TAG` = that version's ARN (written once;
a repeated Create does not overwrite it with ours). Its Delete (a stack delete, the rollback of
the adopting deploy, a rename's cleanup) moves the campaign back with one UpdateCampaign, waits
until it serves that version, removes the tag, and releases the campaign (never deletes it).
A campaign this stack created again after it was deleted by hand carries no such tag: nothing
to move back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_handlers.constants import SERVED_WHEN_ADOPTED_TAG
from lambda_handlers.errors import NOT_FOUND, DeployError
from lambda_handlers.kernel import status
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

UPDATE_KEY = "latestCampaignUpdate"
Confirm = Callable[["Deps"], None]


def remember(deps: Deps, arn: str, served: str) -> None:
    """Record the version an adopted campaign serves, unless an earlier adoption already did."""
    if not served or SERVED_WHEN_ADOPTED_TAG in tags_of(deps, arn):
        return
    deps.personalize.tag_resource(
        resourceArn=arn, tags=[{"tagKey": SERVED_WHEN_ADOPTED_TAG, "tagValue": served}]
    )
    deps.log(f"adopted campaign {arn} served {served}: recorded to move it back on release")


def _state(deps: Deps, arn: str) -> tuple[dict[str, Any], str] | None:
    """The campaign and the version to move it back to; None when gone or nothing recorded."""
    original = tags_of(deps, arn).get(SERVED_WHEN_ADOPTED_TAG)
    if not original:
        return None
    with ignoring(NOT_FOUND):
        return dict(deps.personalize.describe_campaign(campaignArn=arn)["campaign"]), original
    return None


def move_back(deps: Deps, arn: str, *, confirm: Confirm) -> bool:
    """One step of going back: True once it serves the recorded version (tag removed) or there is
    nothing to do; else starts the UpdateCampaign when the campaign is idle and returns False.
    `confirm` runs before each write (it raises when the Delete is not CloudFormation's)."""
    found = _state(deps, arn)
    if found is None:
        return True
    campaign, original = found
    if campaign.get("solutionVersionArn") == original and status.is_idle(campaign, UPDATE_KEY):
        confirm(deps)
        with ignoring(NOT_FOUND):
            deps.personalize.untag_resource(resourceArn=arn, tagKeys=[SERVED_WHEN_ADOPTED_TAG])
        deps.log(f"adopted campaign {arn} serves {original} again, as before the stack")
        return True
    update = status.latest_update(campaign, UPDATE_KEY)
    if status.update_failed(update) and update.get("solutionVersionArn") == original:
        raise DeployError(
            f"campaign {campaign.get('name') or arn}: moving it back to the version it served before the "
            f"stack ({original}) failed: {update.get('failureReason') or status.NO_REASON}; move it by hand"
        )
    if not status.is_idle(campaign, UPDATE_KEY):
        return False
    confirm(deps)
    if status.write(lambda: deps.personalize.update_campaign(campaignArn=arn, solutionVersionArn=original)):
        deps.log(f"moving adopted campaign {arn} back to {original}")
    return False

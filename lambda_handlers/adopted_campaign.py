"""An adopted campaign goes back to the state it had before the stack took it over.

CloudFormation never hands a response's Data to later events, so that state (the version it
served, `minProvisionedTPS` and `campaignConfig`) is recorded on the campaign itself when it is
adopted (`kernel.adoption`: written once; a repeated Create keeps the first record). Its release
(a stack delete, the rollback of the adopting deploy, a rename's cleanup, the Delete of a
cancelled Create that had adopted it) moves the campaign back with one UpdateCampaign, waits until
it serves that state, removes every tag the stack added, and releases the campaign (never deletes
it). A campaign this stack created again after it was deleted by hand carries no record: nothing
to move back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_handlers.campaign_state import UPDATE_KEY, normalise, same_version
from lambda_handlers.contract import CAMPAIGN_CONFIG_API_DEFAULTS as API_DEFAULTS
from lambda_handlers.errors import NOT_FOUND, DeployError
from lambda_handlers.kernel import adoption, status
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

Confirm = Callable[["Deps"], None]


@dataclass(frozen=True)
class Original:
    """What the campaign served before the stack: its version, capacity and configuration."""

    version_arn: str
    min_tps: int
    config: dict[str, Any]

    def record(self) -> dict[str, Any]:
        return {
            "solutionVersionArn": self.version_arn,
            "minProvisionedTPS": self.min_tps,
            "campaignConfig": self.config,
        }

    @classmethod
    def of(cls, campaign: Mapping[str, Any]) -> Original:
        return cls(
            str(campaign.get("solutionVersionArn") or ""),
            int(campaign.get("minProvisionedTPS") or 1),
            dict(campaign.get("campaignConfig") or {}),
        )

    def served_by(self, state: Mapping[str, Any]) -> bool:
        """Whether a campaign (or one of its updates) is in this state."""
        if not same_version(state.get("solutionVersionArn"), self.version_arn):
            return False
        if int(state.get("minProvisionedTPS") or 0) != self.min_tps:
            return False
        have = {**API_DEFAULTS, **dict(state.get("campaignConfig") or {})}
        return bool(normalise(have) == normalise({**API_DEFAULTS, **self.config}))


def remember(deps: Deps, arn: str, campaign: Mapping[str, Any], event: Event) -> None:
    """Record what an adopted campaign serves, unless an earlier adoption already did."""
    if campaign.get("solutionVersionArn"):
        adoption.record(deps, arn, event, Original.of(campaign).record())


def _original(tags: Mapping[str, str], event: Event) -> Original | None:
    state = adoption.recorded(tags, event)
    if state is not None:
        return Original(
            str(state["solutionVersionArn"]), int(state["minProvisionedTPS"]), dict(state["campaignConfig"])
        )
    return None


def move_back(deps: Deps, arn: str, event: Event, *, confirm: Confirm) -> bool:
    """One step of going back: True once it serves the recorded state (tags removed) or there is
    nothing to do; else starts the UpdateCampaign when the campaign is idle and returns False.
    `confirm` runs before each write (it raises when the Delete is not CloudFormation's)."""
    tags = tags_of(deps, arn)
    original = _original(tags, event)
    if original is None:
        return True
    campaign: dict[str, Any] | None = None
    with ignoring(NOT_FOUND):
        campaign = dict(deps.personalize.describe_campaign(campaignArn=arn)["campaign"])
    if campaign is None:
        return True
    if original.served_by(campaign) and status.is_idle(campaign, UPDATE_KEY):
        confirm(deps)
        adoption.forget(deps, arn, tags)
        deps.log(f"adopted campaign {arn} serves {original.version_arn} again, as before the stack")
        return True
    update = status.latest_update(campaign, UPDATE_KEY)
    if status.update_failed(update) and original.served_by({**campaign, **update}):
        raise DeployError(
            f"campaign {campaign.get('name') or arn}: moving it back to the state it had before the "
            f"stack ({original.version_arn}) failed: {update.get('failureReason') or status.NO_REASON}; "
            "move it by hand"
        )
    if not status.is_idle(campaign, UPDATE_KEY):
        return False
    confirm(deps)
    if status.write(lambda: _update(deps, arn, original)):
        deps.log(f"moving adopted campaign {arn} back to {original.record()}")
    return False


def _update(deps: Deps, arn: str, original: Original) -> None:
    deps.personalize.update_campaign(
        campaignArn=arn,
        solutionVersionArn=original.version_arn,
        minProvisionedTPS=original.min_tps,
        campaignConfig=original.config,  # type: ignore[arg-type]  # as the API described it
    )

"""Custom::PersonalizeCampaign: reconcile a campaign to (solution version, min TPS, config).

Physical id = campaign ARN, or `adopted:` + ARN for a campaign that existed before (released on
Delete, never deleted). A campaign already carrying this resource's owner tag (`ownership.py`)
was made by an earlier delivery of this Create: it keeps the plain ARN. onEvent makes at most
one write; isComplete polls and re-issues UpdateCampaign until the campaign serves the desired
state or the update for it fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers import arns, deletion, ownership
from lambda_handlers.constants import Attr, CampaignProps, Status
from lambda_handlers.errors import ALREADY_EXISTS, IN_USE, NOT_FOUND, DeployError, is_code
from lambda_handlers.events import (
    CREATE,
    DELETE,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    complete,
    not_complete,
    respond,
)

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

LATEST: Final = "/$LATEST"  # SolutionVersionArn suffix with syncWithLatestSolutionVersion
# What the API means when it leaves a key out of campaignConfig.
API_DEFAULTS: Final[Mapping[str, Any]] = {
    "enableMetadataWithRecommendations": False,
    "syncWithLatestSolutionVersion": False,
}


@dataclass(frozen=True)
class Desired:
    version_arn: str
    min_tps: int
    config: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> Desired:
        config = event.json_prop(CampaignProps.CAMPAIGN_CONFIG, {})
        if not isinstance(config, dict):
            raise DeployError(f"{event.logical_id}: CampaignConfig must be a JSON object")
        try:
            tps = int(event.prop(CampaignProps.MIN_PROVISIONED_TPS) or "1")
        except ValueError as exc:
            raise DeployError(f"{event.logical_id}: MinProvisionedTPS must be an integer: {exc}") from exc
        return cls(event.prop(CampaignProps.SOLUTION_VERSION_ARN), tps, api_config(config))


def api_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """campaignConfig in the types botocore wants (item exploration values are strings)."""
    result = dict(config)
    if isinstance(result.get("itemExplorationConfig"), dict):
        result["itemExplorationConfig"] = {k: str(v) for k, v in result["itemExplorationConfig"].items()}
    if isinstance(result.get("rankingInfluence"), dict):
        result["rankingInfluence"] = {k: float(v) for k, v in result["rankingInfluence"].items()}
    return result


def normalise(value: Any) -> Any:
    """Compare API values and declared ones alike: "0.30" == 0.3, True == "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    text = str(value).strip()
    try:
        return repr(float(text))
    except ValueError:
        return text.lower()


def same_version(actual: object, desired: str) -> bool:
    """Equal ARNs; a desired `{solution ARN}/$LATEST` (syncWithLatestSolutionVersion) matches any
    version of that solution: the campaign reports the concrete version it serves."""
    if desired.endswith(LATEST):
        return str(actual or "").startswith(desired.removesuffix(LATEST) + "/")
    return actual == desired


def differences(desired: Desired, state: Mapping[str, Any]) -> list[str]:
    """Fields of `state` (a campaign or a campaign update) that differ; config: declared keys only."""
    found = []
    if not same_version(state.get("solutionVersionArn"), desired.version_arn):
        found.append("solutionVersionArn")
    if int(state.get("minProvisionedTPS") or 0) != desired.min_tps:
        found.append("minProvisionedTPS")
    actual = state.get("campaignConfig") or {}
    for key, wanted in desired.config.items():
        have = actual.get(key, API_DEFAULTS.get(key))
        if isinstance(wanted, dict):
            have_map = normalise(have) if isinstance(have, dict) else {}
            if any(have_map.get(k) != v for k, v in normalise(wanted).items()):
                found.append(f"campaignConfig.{key}")
        elif normalise(wanted) != normalise(have):
            found.append(f"campaignConfig.{key}")
    return found


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return _delete(event, deps)
    desired = Desired.of(event)
    if event.request_type == CREATE or event.changed(CampaignProps.NAME):
        return _create(event, deps, desired)
    arn = arns.strip_adopted(event.physical_id)
    reconcile_once(deps, arn, desired)
    return respond(event.physical_id, {Attr.CAMPAIGN_ARN: arn})


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    if event.request_type == DELETE:
        return _delete_progress(event, deps)
    arn = arns.strip_adopted(event.physical_id)
    name = event.props.get(CampaignProps.NAME) or arn
    desired = Desired.of(event)
    campaign = _describe(deps, arn, name)
    status = campaign.get("status")
    if status in Status.CREATING:
        return not_complete()
    if status == Status.CREATE_FAILED:
        raise DeployError(f"campaign {name} failed: {campaign.get('failureReason') or 'no reason given'}")
    if status != Status.ACTIVE:
        raise DeployError(f"campaign {name} is {status}, expected ACTIVE")
    update = dict(campaign.get("latestCampaignUpdate") or {})
    if update.get("status") in Status.CREATING:
        return not_complete()
    if differences(desired, campaign):
        if update.get("status") == Status.CREATE_FAILED and not differences(desired, update):
            raise DeployError(
                f"campaign {name}: update failed: {update.get('failureReason') or 'no reason given'}; "
                f"it still serves {campaign.get('solutionVersionArn')}"
            )
        _update(deps, arn, desired)
        return not_complete()
    return complete({Attr.CAMPAIGN_ARN: arn})


def reconcile_once(deps: Deps, arn: str, desired: Desired) -> None:
    """UpdateCampaign when the campaign differs and is idle; a busy one is left to isComplete."""
    campaign = _describe(deps, arn, arn)
    update = campaign.get("latestCampaignUpdate") or {}
    if campaign.get("status") != Status.ACTIVE or update.get("status") in Status.CREATING:
        return
    if differences(desired, campaign):
        _update(deps, arn, desired)


def _create(event: Event, deps: Deps, desired: Desired) -> OnEventResponse:
    name = event.prop(CampaignProps.NAME)
    optional: dict[str, Any] = {}
    if desired.config:
        optional["campaignConfig"] = desired.config
    tags = ownership.with_owner_tag(event.tags(CampaignProps.TAGS), event)
    if tags:
        optional["tags"] = tags
    try:
        arn = deps.personalize.create_campaign(
            name=name, solutionVersionArn=desired.version_arn, minProvisionedTPS=desired.min_tps, **optional
        )["campaignArn"]
    except Exception as exc:
        if not is_code(exc, ALREADY_EXISTS):
            raise
        arn = arns.sibling(desired.version_arn, "campaign", name)
        # Ours: made by an earlier delivery of this Create. Else someone else's: adopt, release.
        if ownership.is_ours(deps, arn, event):
            deps.log(f"campaign {arn} already made by this resource (owner tag): continuing with it")
            physical_id = arn
        else:
            deps.log(f"adopting existing campaign {arn}")
            physical_id = arns.adopted(arn)
        reconcile_once(deps, arn, desired)
        return respond(physical_id, {Attr.CAMPAIGN_ARN: arn})
    deps.log(f"created campaign {arn}")
    return respond(arn, {Attr.CAMPAIGN_ARN: arn})


def _update(deps: Deps, arn: str, desired: Desired) -> None:
    optional: dict[str, Any] = {}
    if desired.config:
        optional["campaignConfig"] = desired.config
    try:
        deps.personalize.update_campaign(
            campaignArn=arn,
            solutionVersionArn=desired.version_arn,
            minProvisionedTPS=desired.min_tps,
            **optional,
        )
    except Exception as exc:
        if not is_code(exc, IN_USE):
            raise
        return
    deps.log(f"updating campaign {arn}: {json.dumps(desired.__dict__, sort_keys=True)}")


def _describe(deps: Deps, arn: str, name: str) -> dict[str, Any]:
    try:
        return dict(deps.personalize.describe_campaign(campaignArn=arn)["campaign"])
    except Exception as exc:
        if is_code(exc, NOT_FOUND):
            raise DeployError(f"campaign {name} not found ({arn})") from exc
        raise


def _delete(event: Event, deps: Deps) -> OnEventResponse:
    return deletion.on_delete(event, deps, kind="campaign", start=_delete_campaign)


def _delete_progress(event: Event, deps: Deps) -> IsCompleteResponse:
    return deletion.delete_progress(event, deps, status_of=_campaign_status, start=_delete_campaign)


def _campaign_status(deps: Deps, arn: str) -> str | None:
    return deps.personalize.describe_campaign(campaignArn=arn)["campaign"].get("status")


def _delete_campaign(deps: Deps, arn: str) -> None:
    """DeleteCampaign; missing is done, in use (still creating/updating) is tried again later."""
    try:
        deps.personalize.delete_campaign(campaignArn=arn)
        deps.log(f"deleting campaign {arn}")
    except Exception as exc:
        if not (is_code(exc, NOT_FOUND) or is_code(exc, IN_USE)):
            raise

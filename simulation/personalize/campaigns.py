"""Campaigns: create, describe, list, update (a change in flight, shown as latestCampaignUpdate), delete."""

from __future__ import annotations

import copy
from typing import Final

from simulation.personalize.errors import in_use, invalid, limit_exceeded
from simulation.personalize.recipes import DEFAULT_EXPLORATION, EXPLORATION_RECIPES, RECIPE_ARN_PREFIX
from simulation.personalize.store import ACTIVE, FAILED, JSON, Change, Operation, Resource, Store, phase


def campaign_versions(campaign: Resource) -> set[str]:
    """The versions a campaign serves, or will once its update is applied."""
    arns = {campaign.data["solutionVersionArn"]}
    if campaign.change is not None and not campaign.change.applied:
        arns.add(campaign.change.fields["solutionVersionArn"])
    return arns


def _full_config(store: Store, version_arn: str, config: JSON) -> JSON:
    """campaignConfig as Describe shows it: the API fills in its defaults."""
    solution_arn = version_arn.rsplit("/", 1)[0]
    recipe_arn = ""
    version = store.find(version_arn)
    solution = store.find(solution_arn)
    if version is not None:
        recipe_arn = version.data["recipeArn"]
    elif solution is not None:
        recipe_arn = solution.data["recipeArn"]
    full: JSON = {
        "enableMetadataWithRecommendations": False,
        "syncWithLatestSolutionVersion": False,
        **copy.deepcopy(config),
    }
    if recipe_arn.removeprefix(RECIPE_ARN_PREFIX) in EXPLORATION_RECIPES:
        full["itemExplorationConfig"] = {**DEFAULT_EXPLORATION, **config.get("itemExplorationConfig", {})}
    return full


def _campaign_view(store: Store, campaign: Resource) -> JSON:
    view = store.view(campaign)
    view["campaignConfig"] = _full_config(
        store, campaign.data["solutionVersionArn"], campaign.data["campaignConfig"]
    )
    change = campaign.change
    if change is not None:
        status = phase(change.started, change.done_at, store.now(), change.failure)
        fields = change.fields
        view["latestCampaignUpdate"] = {
            "solutionVersionArn": fields["solutionVersionArn"],
            "minProvisionedTPS": fields["minProvisionedTPS"],
            "campaignConfig": _full_config(store, fields["solutionVersionArn"], fields["campaignConfig"]),
            "status": status,
            "failureReason": change.failure if status == FAILED else None,
            "creationDateTime": change.started,
            "lastUpdatedDateTime": change.done_at if change.applied else change.started,
        }
    return view


def create_campaign(store: Store, p: JSON) -> JSON:
    version = store.active_version(p["solutionVersionArn"])
    tps = p.get("minProvisionedTPS", 1)
    if tps < 1:
        raise invalid("minProvisionedTPS must be at least 1.")
    arn = store.arn("campaign", p["name"])
    store.ensure_new(arn)
    group = version.data["datasetGroupArn"]
    same_group = [c for c in store.of("campaign") if c.data["datasetGroupArn"] == group]
    if len(same_group) >= store.limits.campaigns_per_dataset_group:
        raise limit_exceeded(
            f"Limit of {store.limits.campaigns_per_dataset_group} "
            f"campaigns per dataset group reached for {group}."
        )
    now = store.now()
    store.add(
        "campaign",
        arn,
        p["name"],
        now,
        now + store.durations.campaign_create,
        {
            "solutionVersionArn": version.arn,
            "minProvisionedTPS": tps,
            "campaignConfig": copy.deepcopy(p.get("campaignConfig", {})),
            "datasetGroupArn": group,
        },
        failure=store.faults.campaign_create_failure(),
        tags=p.get("tags"),
    )
    return {"campaignArn": arn}


def describe_campaign(store: Store, p: JSON) -> JSON:
    return {"campaign": _campaign_view(store, store.get(p["campaignArn"], "campaign"))}


def list_campaigns(store: Store, p: JSON) -> JSON:
    campaigns = store.of("campaign")
    if "solutionArn" in p:
        prefix = p["solutionArn"] + "/"
        campaigns = [c for c in campaigns if c.data["solutionVersionArn"].startswith(prefix)]
    return store.page([store.view(c) for c in campaigns], p, "campaigns")


def update_campaign(store: Store, p: JSON) -> JSON:
    campaign = store.get(p["campaignArn"], "campaign")
    status = store.status(campaign)
    if status != ACTIVE:
        raise in_use(f"The campaign {campaign.arn} is in {status} state; it must be ACTIVE.")
    if campaign.change is not None and not campaign.change.applied:
        raise in_use(f"The campaign {campaign.arn} has an update in progress.")
    fields = {
        "solutionVersionArn": campaign.data["solutionVersionArn"],
        "minProvisionedTPS": campaign.data["minProvisionedTPS"],
        "campaignConfig": copy.deepcopy(campaign.data["campaignConfig"]),
    }
    if "solutionVersionArn" in p:
        fields["solutionVersionArn"] = store.active_version(p["solutionVersionArn"]).arn
    if "minProvisionedTPS" in p:
        if p["minProvisionedTPS"] < 1:
            raise invalid("minProvisionedTPS must be at least 1.")
        fields["minProvisionedTPS"] = p["minProvisionedTPS"]
    if "campaignConfig" in p:
        fields["campaignConfig"] = copy.deepcopy(p["campaignConfig"])
    now = store.now()
    failure = store.faults.campaign_update_failure()
    campaign.change = Change(now, now + store.durations.campaign_update, fields, {}, failure)
    return {"campaignArn": campaign.arn}


def delete_campaign(store: Store, p: JSON) -> JSON:
    campaign = store.get(p["campaignArn"], "campaign")
    if campaign.change is not None and not campaign.change.applied:
        raise in_use(f"The campaign {campaign.arn} has an update in progress.")
    store.start_delete(campaign, "campaign")
    return {}


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateCampaign": create_campaign,
    "DescribeCampaign": describe_campaign,
    "ListCampaigns": list_campaigns,
    "UpdateCampaign": update_campaign,
    "DeleteCampaign": delete_campaign,
}

"""Serving scenarios: campaign create/adopt/update/replace/delete over the real template."""

from __future__ import annotations

import json
from typing import Any

from lambda_handlers import constants
from simulation.personalize_state import ACTIVE, CREATING
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    EXISTING_GROUP_NAME,
    NOTEBOOK_CAMPAIGN,
    NOTEBOOK_SOLUTION,
    RENAMED_CAMPAIGN,
    UP_SOLUTION_NAME,
    World,
    arn,
    templates,
)

CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
UP_SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
TRAINING_TYPES = ("Custom::PersonalizeSolutionVersion", "Custom::PersonalizeTrainingWait")


def summary_version(world: World) -> str:
    return str(json.loads(world.sim.outputs["SolutionUserPersonalization"])["solutionVersionArn"])


def served_version(world: World, campaign_arn: str = CAMPAIGN_ARN) -> str:
    return str(world.campaign(campaign_arn)["solutionVersionArn"])


def test_first_deploy_creates_the_campaign_once_its_version_is_active(
    world: World, default_template: dict[str, Any]
) -> None:
    # GIVEN an empty account
    # WHEN the default config is deployed
    result = world.deploy(default_template)
    # THEN exactly one CreateCampaign, with the declared TPS, config and tags
    assert result.status == "CREATE_COMPLETE", result.failure
    (create,) = world.calls(0, "CreateCampaign")
    assert create.params["name"] == CAMPAIGN_NAME
    assert create.params["minProvisionedTPS"] == 1
    assert create.params["campaignConfig"]["enableMetadataWithRecommendations"] is True
    assert create.params["tags"] == [
        {"tagKey": "team", "tagValue": "recommendations"},
        {"tagKey": constants.OWNER_TAG, "tagValue": f"TestStack/{CAMPAIGN}"},  # stack name/logical id
    ]
    # AND it was created only after its version was ACTIVE and its metrics checked
    version = summary_version(world)
    metrics = [c for c in world.calls(0, "GetSolutionMetrics") if c.params["solutionVersionArn"] == version]
    assert metrics and create.time >= metrics[0].time
    campaign = world.campaign(CAMPAIGN_ARN)
    assert (campaign["status"], campaign["solutionVersionArn"]) == (ACTIVE, version)
    assert world.sim.outputs["CampaignUserPersonalization"] == CAMPAIGN_ARN


def test_adopts_an_existing_campaign_and_updates_it_to_the_declared_config(world: World) -> None:
    # GIVEN the notebook's campaign, made through the API without metadata in recommendations
    group = world.fake.seed_dataset_group(EXISTING_GROUP_NAME)
    solution = world.fake.seed_solution(group, NOTEBOOK_SOLUTION)
    version = world.fake.seed_solution_version(solution)
    campaign_arn = world.admin.create_campaign(
        name=NOTEBOOK_CAMPAIGN, solutionVersionArn=version, minProvisionedTPS=1
    )["campaignArn"]
    world.clock.advance(world.fake.durations.campaign_create + 60)
    mark = world.mark()
    # WHEN a config naming that campaign (physical_name) is deployed
    result = world.deploy(templates.notebook_adoption())
    # THEN the campaign is taken over (no new one) and updated once to the declared config
    assert result.status == "CREATE_COMPLETE", result.failure
    assert world.calls(mark, "CreateCampaign") == []
    (update,) = world.calls(mark, "UpdateCampaign")
    assert update.params["campaignArn"] == campaign_arn
    assert update.params["campaignConfig"]["enableMetadataWithRecommendations"] is True
    campaign = world.campaign(campaign_arn)
    assert campaign["campaignConfig"]["enableMetadataWithRecommendations"] is True
    assert (campaign["status"], campaign["solutionVersionArn"]) == (ACTIVE, version)
    assert world.sim.resources["CampaignUserPersonalization"].physical_id == f"adopted:{campaign_arn}"


def test_tps_change_is_exactly_one_campaign_update(deployed: World) -> None:
    # GIVEN a deployed stack serving at 1 TPS
    version = served_version(deployed)
    mark = deployed.mark()
    # WHEN min_provisioned_tps becomes 2
    result = deployed.deploy(templates.tps_changed())
    # THEN the only write is one UpdateCampaign, on the same version; nothing is trained
    assert result.status == "UPDATE_COMPLETE", result.failure
    (update,) = deployed.mutations(mark)
    assert update.operation == "UpdateCampaign"
    assert (update.params["minProvisionedTPS"], update.params["solutionVersionArn"]) == (2, version)
    assert deployed.campaign(CAMPAIGN_ARN)["minProvisionedTPS"] == 2


def test_a_new_version_reaches_the_campaign_only_once_active_and_gated(deployed: World) -> None:
    # GIVEN a deployed stack, and a probe of what the campaign serves while the new version trains
    old = served_version(deployed)
    seen: list[tuple[str, str]] = []

    def probe(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["ResourceType"] in TRAINING_TYPES:
            version = (event.get("Data") or {}).get("SolutionVersionArn")
            if version and version != old:
                seen.append((deployed.fake.status_of(version), served_version(deployed)))

    deployed.hooks.append(probe)
    mark = deployed.mark()
    # WHEN the trigger changes
    result = deployed.deploy(templates.trigger_changed())
    # THEN while the new version was training the campaign kept serving the old one
    assert result.status == "UPDATE_COMPLETE", result.failure
    new = summary_version(deployed)
    training = [served for status, served in seen if status in CREATING]
    assert training and set(training) == {old}
    # AND the campaign update came after the new version's metrics were read (gates passed)
    (update,) = deployed.calls(mark, "UpdateCampaign")
    gated = [
        c.time for c in deployed.calls(mark, "GetSolutionMetrics") if c.params["solutionVersionArn"] == new
    ]
    assert update.params["solutionVersionArn"] == new and gated and update.time >= gated[0]
    assert served_version(deployed) == new


def test_a_campaign_update_in_progress_is_waited_out(deployed: World) -> None:
    # GIVEN someone started an UpdateCampaign by hand right before the deploy
    deployed.admin.update_campaign(campaignArn=CAMPAIGN_ARN, minProvisionedTPS=1)
    manual = deployed.clock.now()
    mark = deployed.mark()
    # WHEN min_provisioned_tps becomes 2
    result = deployed.deploy(templates.tps_changed())
    # THEN the deploy waits for that update, then makes its own, once
    assert result.status == "UPDATE_COMPLETE", result.failure
    (update,) = deployed.calls(mark, "UpdateCampaign")
    assert update.time >= manual + deployed.fake.durations.campaign_update
    assert deployed.campaign(CAMPAIGN_ARN)["minProvisionedTPS"] == 2


def test_fails_when_the_campaign_update_fails(deployed: World) -> None:
    # GIVEN a deployed stack, and Personalize will fail the next campaign update
    old = served_version(deployed)
    deployed.fake.fail_next_campaign_update("Campaign update failed: insufficient capacity")
    # WHEN the trigger changes (a new version to serve)
    result = deployed.deploy(templates.trigger_changed())
    # THEN the deploy fails on the campaign with Personalize's reason, and rolls back
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == CAMPAIGN
    assert "Campaign update failed: insufficient capacity" in result.failure.reason
    # AND the campaign still serves the old version, as does the stack
    assert served_version(deployed) == old
    assert summary_version(deployed) == old
    assert deployed.campaign(CAMPAIGN_ARN)["status"] == ACTIVE


def test_a_renamed_campaign_is_a_replacement(deployed: World) -> None:
    # GIVEN a deployed stack
    version = served_version(deployed)
    renamed_arn = arn("campaign", RENAMED_CAMPAIGN)
    mark = deployed.mark()
    # WHEN the campaign's physical name changes
    result = deployed.deploy(templates.campaign_renamed())
    # THEN a new campaign is created and ACTIVE before the old one is deleted in cleanup
    assert result.status == "UPDATE_COMPLETE", result.failure
    (create,) = deployed.calls(mark, "CreateCampaign")
    (delete,) = deployed.calls(mark, "DeleteCampaign")
    assert create.params["name"] == RENAMED_CAMPAIGN and delete.params["campaignArn"] == CAMPAIGN_ARN
    assert delete.time >= create.time + deployed.fake.durations.campaign_create
    campaign = deployed.campaign(renamed_arn)
    assert (campaign["status"], campaign["solutionVersionArn"]) == (ACTIVE, version)
    assert not deployed.fake.exists(CAMPAIGN_ARN)
    assert deployed.sim.outputs["CampaignUserPersonalization"] == renamed_arn

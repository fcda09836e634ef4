"""Reconcile against what Personalize has: things deleted by hand, foreign owners, bounded deletes,
adopted campaigns moved back, retained stack deletes."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, Final

from lambda_handlers import constants
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    NOTEBOOK_CAMPAIGN,
    NOTEBOOK_SOLUTION,
    PR_SOLUTION_NAME,
    UP_SOLUTION,
    UP_SOLUTION_NAME,
    World,
    arn,
    seed_notebook,
    templates,
)
from tests.support import synth

CAMPAIGN_ARN: Final = arn("campaign", CAMPAIGN_NAME)
UP_SOLUTION_ARN: Final = arn("solution", UP_SOLUTION_NAME)
PR_SOLUTION_ARN: Final = arn("solution", PR_SOLUTION_NAME)
NOTEBOOK_CAMPAIGN_ARN: Final = arn("campaign", NOTEBOOK_CAMPAIGN)
PR_VERSION: Final = "TrainingPersonalizedRankingVersion"
STACK: Final = "TestStack"  # the simulator's stack name


def _variant(edit: Any) -> dict[str, Any]:
    raw = copy.deepcopy(synth.default_raw_config())
    edit(raw)
    return synth.template(synth.write_config(raw))


@cache
def pr_trigger_changed() -> dict[str, Any]:
    """The personalized-ranking solution retrains (trigger v1 → v2)."""

    def edit(raw: dict[str, Any]) -> None:
        raw["solutions"][1]["training"] = {**raw["solutions"][1].get("training", {}), "trigger": "v2"}

    return _variant(edit)


def owner(world: World, resource_arn: str) -> str | None:
    tags = world.admin.list_tags_for_resource(resourceArn=resource_arn)["tags"]
    return next((t["tagValue"] for t in tags if t["tagKey"] == constants.OWNER_TAG), None)


def test_a_campaign_deleted_by_hand_is_created_again_by_the_next_update(deployed: World) -> None:
    # GIVEN a deployed stack whose campaign someone deleted in the console
    deployed.delete_by_hand(CAMPAIGN_ARN)
    mark = deployed.mark()
    # WHEN the next deploy changes the campaign's min TPS
    result = deployed.deploy(templates.tps_changed())
    # THEN the update succeeds, the campaign is back with the declared TPS, owned by this stack
    assert result.status == "UPDATE_COMPLETE", result.failure
    campaign = deployed.campaign(CAMPAIGN_ARN)
    assert (campaign["status"], campaign["minProvisionedTPS"]) == ("ACTIVE", 2)
    assert owner(deployed, CAMPAIGN_ARN) == f"{STACK}/{CAMPAIGN}"
    # AND it cost one CreateCampaign and nothing else that writes
    assert [c.operation for c in deployed.mutations(mark)] == ["CreateCampaign"]
    # AND the stack's delete deletes it
    assert deployed.sim.delete().status == "DELETE_COMPLETE"
    assert not deployed.fake.exists(CAMPAIGN_ARN)


def test_fails_when_a_solution_was_deleted_by_hand_and_the_rollback_completes(deployed: World) -> None:
    # GIVEN a deployed stack whose personalized-ranking solution someone deleted in the console
    deployed.delete_by_hand(PR_SOLUTION_ARN)
    mark = deployed.mark()
    # WHEN the next deploy changes that solution's trigger
    result = deployed.deploy(pr_trigger_changed())
    # THEN the update fails with one line saying what is gone and how to recover; the rollback
    # finds nothing to go back to and completes without a write
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == PR_VERSION
    assert result.failure.message.startswith(
        f"solution {PR_SOLUTION_NAME} no longer exists ({PR_SOLUTION_ARN}): it was deleted outside "
        "this stack, which cannot rebuild it in place; give the solution another physical_name and "
        "deploy, or delete the stack and deploy it again"
    )
    assert deployed.mutations(mark) == []
    assert any("nothing to go back to" in line for line in deployed.sim.logs)
    # AND the campaign of the other solution still serves
    assert deployed.campaign(CAMPAIGN_ARN)["status"] == "ACTIVE"


def test_fails_when_a_campaign_of_no_one_blocks_the_solution_delete_within_the_bound(deployed: World) -> None:
    # GIVEN a deployed stack, and a campaign someone made by hand on its solution's version
    version = str(deployed.campaign(CAMPAIGN_ARN)["solutionVersionArn"])
    foreign = deployed.admin.create_campaign(
        name="someone-elses-campaign", solutionVersionArn=version, minProvisionedTPS=1
    )["campaignArn"]
    deployed.clock.advance(deployed.fake.durations.campaign_create + 60)
    # WHEN the stack is deleted
    result = deployed.sim.delete()
    # THEN the solution's delete gives up after the bound, naming the campaign that holds it
    assert result.status == "DELETE_FAILED"
    assert result.failure is not None and result.failure.logical_id == UP_SOLUTION
    assert result.failure.message == (
        f"solution {UP_SOLUTION_NAME} cannot be deleted: campaign someone-elses-campaign (not managed "
        f"by this stack) serves its version {version}; delete or move that campaign, then retry"
    )
    (waited,) = result.stats.durations(UP_SOLUTION)
    assert constants.DELETE_IN_USE_SECONDS <= waited < constants.DELETE_IN_USE_SECONDS + 120
    # AND that campaign was never touched: it still serves
    assert deployed.campaign(foreign)["status"] == "ACTIVE"
    assert deployed.calls(0, "DeleteCampaign") and all(
        c.params["campaignArn"] != foreign for c in deployed.calls(0, "DeleteCampaign")
    )


@cache
def notebook_adoption(trigger: str) -> dict[str, Any]:
    """Existing dataset group; the notebook's solution and campaign adopted by name; a trigger."""

    def edit(raw: dict[str, Any]) -> None:
        raw["dataset_group"], raw["datasets"] = {"arn": synth.EXISTING_DATASET_GROUP_ARN}, {}
        up = raw["solutions"][0]
        up["physical_name"] = NOTEBOOK_SOLUTION
        up["training"] = {**up.get("training", {}), "trigger": trigger}
        raw["campaigns"][0]["physical_name"] = NOTEBOOK_CAMPAIGN

    return _variant(edit)


def test_an_adopted_campaign_moved_to_our_version_goes_back_before_release(world: World) -> None:
    # GIVEN the notebook's campaign serving its version, adopted, then moved to a version we trained
    _, notebook_version = seed_notebook(world, campaign=True)
    before = world.campaign(NOTEBOOK_CAMPAIGN_ARN)
    assert world.deploy(notebook_adoption("v1")).status == "CREATE_COMPLETE"
    retrained = world.deploy(notebook_adoption("v2"))
    assert retrained.status == "UPDATE_COMPLETE", retrained.failure
    ours = str(world.campaign(NOTEBOOK_CAMPAIGN_ARN)["solutionVersionArn"])
    assert ours != notebook_version
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN the campaign serves the notebook's version again, and is released (not deleted)
    assert result.status == "DELETE_COMPLETE", result.failure
    campaign = world.campaign(NOTEBOOK_CAMPAIGN_ARN)
    assert (campaign["status"], campaign["solutionVersionArn"]) == ("ACTIVE", notebook_version)
    moves = [c.params for c in world.calls(mark, "UpdateCampaign")]
    assert moves == [
        {
            "campaignArn": NOTEBOOK_CAMPAIGN_ARN,
            "solutionVersionArn": notebook_version,
            "minProvisionedTPS": before["minProvisionedTPS"],
            "campaignConfig": before["campaignConfig"],
        }
    ]
    assert world.calls(mark, "DeleteCampaign") == []
    assert owner(world, NOTEBOOK_CAMPAIGN_ARN) is None
    assert world.admin.list_tags_for_resource(resourceArn=NOTEBOOK_CAMPAIGN_ARN)["tags"] == []


OTHER_STACK: Final = "team-b-personalize"
FOREIGN_CAMPAIGN: Final = "team-b-campaign"


def foreign(world: World, kind: str, resource_arn: str, logical_id: str) -> None:
    """Mark a resource as made by another stack (its owner tag)."""
    value = f"{OTHER_STACK}/{logical_id}"
    world.admin.tag_resource(
        resourceArn=resource_arn, tags=[{"tagKey": constants.OWNER_TAG, "tagValue": value}]
    )
    assert kind in resource_arn


def untouched(world: World, resource_arn: str, since: int) -> bool:
    """No write since `since` names the resource."""
    return not [c for c in world.mutations(since) if resource_arn in c.params.values()]


def test_fails_when_the_solution_name_belongs_to_another_stack(world: World) -> None:
    # GIVEN another stack's solution with the very name this config derives
    group = world.fake.seed_dataset_group("team-b")
    solution = world.fake.seed_solution(group, UP_SOLUTION_NAME)
    foreign(world, "solution", solution, UP_SOLUTION)
    mark = world.mark()
    # WHEN this stack is deployed
    result = world.deploy(templates.default())
    # THEN the deploy fails at once naming the owner; that solution is never updated or deleted
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == UP_SOLUTION
    assert result.failure.message == (
        f"solution {UP_SOLUTION_NAME} belongs to stack {OTHER_STACK} (logical id {UP_SOLUTION}); "
        "give this one another name"
    )
    assert world.solution(solution)["status"] == "ACTIVE"
    assert untouched(world, solution, mark)
    # AND the failed first deploy left nothing of its own
    assert [s["solutionArn"] for s in world.admin.list_solutions()["solutions"]] == [solution]


@cache
def campaign_named(physical_name: str) -> dict[str, Any]:
    def edit(raw: dict[str, Any]) -> None:
        raw["campaigns"][0]["physical_name"] = physical_name

    return _variant(edit)


def test_fails_when_the_campaign_physical_name_belongs_to_another_stack(deployed: World) -> None:
    # GIVEN a deployed stack, and another stack's campaign on a solution of its own
    group = deployed.fake.seed_dataset_group("team-b")
    solution = deployed.fake.seed_solution(group, "team-b-solution")
    version = deployed.fake.seed_solution_version(solution)
    campaign = deployed.admin.create_campaign(
        name=FOREIGN_CAMPAIGN, solutionVersionArn=version, minProvisionedTPS=1
    )["campaignArn"]
    deployed.clock.advance(deployed.fake.durations.campaign_create + 60)
    foreign(deployed, "campaign", campaign, CAMPAIGN)
    mark = deployed.mark()
    # WHEN the config names that campaign through physical_name
    result = deployed.deploy(campaign_named(FOREIGN_CAMPAIGN))
    # THEN refused with the owner; the rollback leaves both campaigns as they were
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == CAMPAIGN
    assert result.failure.message == (
        f"campaign {FOREIGN_CAMPAIGN} belongs to stack {OTHER_STACK} (logical id {CAMPAIGN}); "
        "give this one another name"
    )
    assert deployed.campaign(campaign)["solutionVersionArn"] == version
    assert untouched(deployed, campaign, mark)
    assert deployed.campaign(CAMPAIGN_ARN)["status"] == "ACTIVE"


@cache
def retained(group_arn: str = "") -> dict[str, Any]:
    """removal_policy retain; with `group_arn`: deployed again over what a retained delete left
    (`dataset_group.arn` + each solution's and campaign's `physical_name`)."""

    def edit(raw: dict[str, Any]) -> None:
        raw["removal_policy"] = "retain"
        if group_arn:
            raw["dataset_group"], raw["datasets"] = {"arn": group_arn}, {}
            raw["solutions"][0]["physical_name"] = UP_SOLUTION_NAME
            raw["solutions"][1]["physical_name"] = PR_SOLUTION_NAME
            raw["campaigns"][0]["physical_name"] = CAMPAIGN_NAME
            raw["filters"], raw["event_tracker"] = [], False

    return _variant(edit)


def test_a_retained_stack_delete_keeps_every_personalize_resource_and_a_redeploy_takes_them_back(
    world: World,
) -> None:
    # GIVEN a stack deployed with removal_policy retain
    assert world.deploy(retained()).status == "CREATE_COMPLETE"
    (group,) = [g["datasetGroupArn"] for g in world.admin.list_dataset_groups()["datasetGroups"]]
    served = str(world.campaign(CAMPAIGN_ARN)["solutionVersionArn"])
    kept = [
        *(s["solutionArn"] for s in world.admin.list_solutions(datasetGroupArn=group)["solutions"]),
        *(f["filterArn"] for f in world.admin.list_filters(datasetGroupArn=group)["Filters"]),
        *(d["datasetArn"] for d in world.admin.list_datasets(datasetGroupArn=group)["datasets"]),
        *(s["schemaArn"] for s in world.admin.list_schemas()["schemas"]),
    ]
    assert len(kept) == 2 + 1 + 2 + 2
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN nothing of Personalize is deleted: solutions, versions, campaign, filters, event
    # tracker, datasets, schemas and the dataset group all remain, the campaign still serving
    assert result.status == "DELETE_COMPLETE", result.failure
    deletes = [c.operation for c in world.mutations(mark) if c.operation.startswith(("Delete", "Stop"))]
    assert deletes == []
    assert world.campaign(CAMPAIGN_ARN)["solutionVersionArn"] == served
    assert world.fake.exists(group) and all(world.fake.exists(a) for a in kept)
    assert world.admin.list_event_trackers(datasetGroupArn=group)["eventTrackers"]
    assert world.sim.stack_api.calls  # each retained custom resource asked whether the stack is deleting
    # WHEN the same stack is deployed again over them (the group by ARN, the names as before)
    mark = world.mark()
    again = world.deploy(retained(group))
    # THEN it takes them back as its own (same stack name and logical ids): no training, no new campaign
    assert again.status == "CREATE_COMPLETE", again.failure
    assert world.calls(mark, "CreateSolutionVersion") == []
    assert world.campaign(CAMPAIGN_ARN)["solutionVersionArn"] == served
    assert world.sim.resources[CAMPAIGN].physical_id == CAMPAIGN_ARN  # plain ARN: ours, deleted with it


def test_fails_when_a_retained_first_deploy_fails_and_leaves_nothing(world: World) -> None:
    # GIVEN removal_policy retain and a resource that fails once the rest is done
    world.fail_during(CAMPAIGN, 4 * 3600, "injected failure")
    # WHEN the first deploy fails
    result = world.deploy(retained())
    # THEN its rollback deletes every Personalize resource it made
    assert result.status == "ROLLBACK_COMPLETE"
    world.clock.advance(3600)
    assert world.admin.list_solutions()["solutions"] == []
    assert world.admin.list_dataset_groups()["datasetGroups"] == []

"""Lifecycle scenarios: redeploys, duplicated events, rollbacks of adopted resources, deletes."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from lambda_handlers import constants, entry
from simulation.personalize_state import ACTIVE
from tests.scenarios import measure
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    EVENT_TRACKER,
    NOTEBOOK_CAMPAIGN,
    PR_SOLUTION_NAME,
    UP_SOLUTION,
    UP_SOLUTION_NAME,
    UP_VERSION,
    World,
    arn,
    seed_notebook,
    templates,
)

CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
UP_SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
PR_SOLUTION_ARN = arn("solution", PR_SOLUTION_NAME)
NOTEBOOK_CAMPAIGN_ARN = arn("campaign", NOTEBOOK_CAMPAIGN)


def served_version(world: World, campaign_arn: str = CAMPAIGN_ARN) -> str:
    return str(world.campaign(campaign_arn)["solutionVersionArn"])


def summary_version(world: World) -> str:
    return str(json.loads(world.sim.outputs["SolutionUserPersonalization"])["solutionVersionArn"])


def test_identical_redeploy_makes_no_personalize_writes(
    deployed: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a deployed stack
    mark = deployed.mark()
    # WHEN the same template is deployed again
    result = deployed.deploy(default_template)
    # THEN nothing changes and Personalize sees not a single write
    assert result.status == "NO_CHANGES"
    assert deployed.mutations(mark) == []


def test_a_duplicated_create_event_trains_once(world: World, default_template: dict[str, Any]) -> None:
    # GIVEN the Lambda's async delivery will hand the version's and the campaign's Create in twice
    replayed: dict[str, Any] = {}

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        lid = event["LogicalResourceId"]
        wanted = lid in (UP_VERSION, CAMPAIGN) and lid not in replayed
        if wanted and kind == "isComplete" and event["RequestType"] == "Create":
            (request,) = world.requests(lid, "Create")
            replayed[lid] = entry.handle_on_event(request, world.deps())

    world.hooks.append(duplicate)
    # WHEN the stack is deployed
    result = world.deploy(default_template)
    # THEN the duplicate found the same version and campaign: one training, one campaign
    assert result.status == "CREATE_COMPLETE", result.failure
    assert set(replayed) == {UP_VERSION, CAMPAIGN}
    assert replayed[UP_VERSION]["PhysicalResourceId"] == world.sim.resources[UP_VERSION].physical_id
    assert (
        replayed[CAMPAIGN]["PhysicalResourceId"] == world.sim.resources[CAMPAIGN].physical_id == CAMPAIGN_ARN
    )
    assert len(world.created_versions(0, UP_SOLUTION_ARN)) == 1
    assert len(world.calls(0, "CreateCampaign")) == 1
    assert world.calls(0, "UpdateCampaign") == []


def test_a_duplicated_create_recorded_last_still_deletes_the_campaign_and_solution(deployed: World) -> None:
    # GIVEN a deployed stack: its campaign and solution carry this stack's owner tag
    for lid, resource_arn in ((CAMPAIGN, CAMPAIGN_ARN), (UP_SOLUTION, UP_SOLUTION_ARN)):
        tags = deployed.admin.list_tags_for_resource(resourceArn=resource_arn)["tags"]
        owner = f"{deployed.sim.stack_name}/{lid}"  # stack name / logical id
        assert {"tagKey": constants.OWNER_TAG, "tagValue": owner} in tags
    mark = deployed.mark()
    # WHEN each one's Create is delivered again, and CloudFormation records the duplicate's answer
    replies = {}
    for lid in (CAMPAIGN, UP_SOLUTION):
        (create,) = deployed.requests(lid, "Create")
        replies[lid] = entry.handle_on_event(create, deployed.deps())["PhysicalResourceId"]
        deployed.sim.resources[lid] = replace(deployed.sim.resources[lid], physical_id=replies[lid])
    assert deployed.mutations(mark) == []
    # THEN the stack delete deletes them (not released): no campaign or solution is left
    result = deployed.sim.delete()
    assert result.status == "DELETE_COMPLETE", result.failure
    assert deployed.admin.list_campaigns()["campaigns"] == []
    assert deployed.admin.list_solutions()["solutions"] == []
    # because each duplicate answered the plain ARN, not `adopted:`
    assert replies == {CAMPAIGN: CAMPAIGN_ARN, UP_SOLUTION: UP_SOLUTION_ARN}


def test_fails_when_a_first_deploy_with_adopted_resources_fails_and_releases_them(world: World) -> None:
    # GIVEN the notebook's solution, version and campaign, and a resource that fails at once,
    # cancelling the solutions' Creates in flight (their Deletes carry ids never returned)
    solution, version = seed_notebook(world, campaign=True)
    world.sim.inject_failure(EVENT_TRACKER, "injected failure")
    # WHEN a config adopting them is deployed for the first time
    result = world.deploy(templates.notebook_adoption())
    # THEN the create rolls back, but the adopted solution and campaign are released, not deleted,
    # and the solution the cancelled Create made (found by name and owner tag) is deleted
    assert result.status == "ROLLBACK_COMPLETE"
    assert world.calls(0, "DeleteCampaign") == []
    deleted = [c.params["solutionArn"] for c in world.calls(0, "DeleteSolution")]
    assert deleted == [PR_SOLUTION_ARN]
    (pr_delete,) = world.requests("SolutionPersonalizedRanking", "Delete")
    assert not pr_delete["PhysicalResourceId"].startswith("arn:")
    world.clock.advance(3600)
    assert [s["solutionArn"] for s in world.admin.list_solutions()["solutions"]] == [solution]
    assert world.solution(solution)["status"] == ACTIVE
    campaign = world.campaign(NOTEBOOK_CAMPAIGN_ARN)
    assert (campaign["status"], campaign["solutionVersionArn"]) == (ACTIVE, version)
    assert world.version(str(version))["status"] == ACTIVE


def test_stack_delete_twice_succeeds(deployed: World) -> None:
    # GIVEN a deployed stack, deleted once
    first = deployed.sim.delete()
    assert first.status == "DELETE_COMPLETE", first.failure
    mark = deployed.mark()
    # WHEN it is deleted again, and every custom resource's Delete is delivered a second time
    second = deployed.sim.delete()
    replies = [
        (r["PhysicalResourceId"], entry.handle_on_event(r, deployed.deps())["PhysicalResourceId"])
        for r in deployed.sim.requests
        if r["RequestType"] == "Delete"
    ]
    # THEN both succeed as no-ops, each Delete answering the id it was given, with no writes
    assert second.status == "DELETE_COMPLETE"
    assert all(given == answered for given, answered in replies) and replies
    assert deployed.mutations(mark) == []


def test_a_campaign_delete_delivered_twice_succeeds(deployed: World) -> None:
    # GIVEN a deployed stack, deleted once
    assert deployed.sim.delete().status == "DELETE_COMPLETE"
    (delete,) = deployed.requests(CAMPAIGN, "Delete")
    mark = deployed.mark()
    # WHEN the campaign's Delete is delivered twice more, and the stack is deleted again
    replies = [entry.handle_on_event(delete, deployed.deps()) for _ in range(2)]
    done = entry.handle_is_complete({**delete, **replies[-1]}, deployed.deps())
    second = deployed.sim.delete()
    # THEN each answers the id it was given, complete, without a write
    assert [r["PhysicalResourceId"] for r in replies] == [CAMPAIGN_ARN, CAMPAIGN_ARN]
    assert done == {"IsComplete": True}
    assert second.status == "DELETE_COMPLETE"
    assert deployed.mutations(mark) == []


def test_stack_delete_leaves_nothing_billable(deployed: World) -> None:
    # GIVEN a deployed stack whose solution Personalize is retraining on its own right now
    training = deployed.fake.auto_train(UP_SOLUTION_ARN)
    deployed.clock.advance(600)
    # WHEN the stack is deleted
    result = deployed.sim.delete()
    # THEN the training was stopped, and no Personalize resource is left
    assert result.status == "DELETE_COMPLETE", result.failure
    stops = [c.params["solutionVersionArn"] for c in deployed.calls(0, "StopSolutionVersionCreation")]
    assert stops == [training]
    admin = deployed.admin
    assert admin.list_campaigns()["campaigns"] == []
    assert admin.list_solutions()["solutions"] == []
    assert admin.list_solution_versions()["solutionVersions"] == []
    assert admin.list_filters()["Filters"] == []
    assert admin.list_event_trackers()["eventTrackers"] == []
    assert admin.list_datasets()["datasets"] == []
    assert admin.list_dataset_groups()["datasetGroups"] == []


def test_a_stack_delete_succeeds_when_a_version_finishes_training_between_the_listing_and_the_stop(
    deployed: World,
) -> None:
    # GIVEN a deployed stack whose solution Personalize starts retraining on its own (a short
    # training) just as the stack delete reaches the solution
    deployed.fake.durations.training = 90
    training: list[str] = []
    listed: list[str] = []

    def retrain_on_its_own(kind: str, event: dict[str, Any]) -> None:
        reached = (kind, event["LogicalResourceId"], event["RequestType"]) == (
            "onEvent",
            UP_SOLUTION,
            "Delete",
        )
        if reached and not training:
            training.append(deployed.fake.auto_train(UP_SOLUTION_ARN))

    # AND that training finishes right after the solution's Delete has listed it as training
    def finish_after_listing(parsed: dict[str, Any], **_: Any) -> None:
        if training and not listed:
            listed.extend(
                s["status"] for s in parsed["solutionVersions"] if s["solutionVersionArn"] in training
            )
            while deployed.fake.status_of(training[0]) != ACTIVE:
                deployed.clock.advance(10)

    deployed.hooks.append(retrain_on_its_own)
    deployed.client.meta.events.register("after-call.personalize.ListSolutionVersions", finish_after_listing)
    mark = deployed.mark()
    # WHEN the stack is deleted
    result = deployed.sim.delete()
    # THEN the listing saw it training, the stop met a finished version (InvalidInputException),
    # and the delete went on: no solution and no version is left
    assert listed == ["CREATE PENDING"]
    (stop,) = deployed.calls(mark, "StopSolutionVersionCreation", only_ok=False)
    assert (stop.params["solutionVersionArn"], stop.outcome) == (training[0], "InvalidInputException")
    assert result.status == "DELETE_COMPLETE", result.failure
    assert deployed.admin.list_solutions()["solutions"] == []
    assert deployed.admin.list_solution_versions()["solutionVersions"] == []


def test_a_filter_expression_change_replaces_the_filter(deployed: World) -> None:
    # GIVEN a deployed stack with its filter
    old = deployed.sim.outputs["FilterExcludeClicked"]
    mark = deployed.mark()
    # WHEN the filter's expression changes
    result = deployed.deploy(templates.filter_changed())
    # THEN a new filter (named by its expression) is created and the old one deleted in cleanup
    assert result.status == "UPDATE_COMPLETE", result.failure
    new = deployed.sim.outputs["FilterExcludeClicked"]
    assert new != old
    assert [c.operation for c in deployed.mutations(mark)] == ["CreateFilter", "DeleteFilter"]
    assert deployed.calls(mark, "DeleteFilter")[0].params["filterArn"] == old
    assert deployed.fake.exists(new) and not deployed.fake.exists(old)


def test_measure_reports_writes_per_scenario() -> None:
    # GIVEN the default config and its TPS and trigger variants
    # WHEN the benchmark's measure counts Personalize writes per deploy
    counts = measure.mutating_calls(templates.default(), templates.tps_changed(), templates.trigger_changed())
    # THEN a redeploy writes nothing, a TPS change one update, a trigger change one training + one update
    assert counts["identical_redeploy"] == 0
    assert (counts["tps_change"], counts["trigger_change"]) == (1, 2)
    assert counts["first_deploy"] >= 10

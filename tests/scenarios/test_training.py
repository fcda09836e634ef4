"""Training scenarios: the real template, the real handlers, the fake over HTTP, virtual time."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from lambda_handlers import constants, version_names
from simulation.personalize_state import ACTIVE, DEFAULT_METRICS, STOPPED, STOPPING
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    NOTEBOOK_CAMPAIGN,
    NOTEBOOK_SOLUTION,
    PR_SOLUTION_NAME,
    UP_LAST_LINK,
    UP_SOLUTION,
    UP_SOLUTION_NAME,
    UP_VERSION,
    World,
    arn,
    seed_notebook,
    templates,
)

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
UP_SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
PR_SOLUTION_ARN = arn("solution", PR_SOLUTION_NAME)
CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
NOTEBOOK_SOLUTION_ARN = arn("solution", NOTEBOOK_SOLUTION)
NOTEBOOK_CAMPAIGN_ARN = arn("campaign", NOTEBOOK_CAMPAIGN)


def summary(world: World, output: str = "SolutionUserPersonalization") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(world.sim.outputs[output])
    return value


def served_version(world: World, campaign_arn: str = CAMPAIGN_ARN) -> str:
    return str(world.campaign(campaign_arn)["solutionVersionArn"])


# ---- first deploy, redeploys ------------------------------------------------------------------
def test_first_deploy_trains_each_solution_once_and_serves_the_gated_version(
    world: World, default_template: dict[str, Any]
) -> None:
    # GIVEN an empty account
    # WHEN the default config is deployed
    result = world.deploy(default_template)
    # THEN the stack is created, each solution trained exactly once, auto-training off
    assert result.status == "CREATE_COMPLETE", result.failure
    trained = [c.params["solutionArn"] for c in world.created_versions()]
    assert sorted(trained) == sorted([UP_SOLUTION_ARN, PR_SOLUTION_ARN])
    assert all(c.params["performAutoTraining"] is False for c in world.calls(0, "CreateSolution"))
    # AND the campaign is ACTIVE on the version the chain handed over after its gates
    up = summary(world)
    assert set(up) == set(constants.SUMMARY_KEYS)
    assert (up["trigger"], up["trainingMode"]) == ("v1", "FULL")
    assert up["metrics"][NDCG10] == DEFAULT_METRICS[NDCG10]
    datetime.fromisoformat(up["trainedAt"])
    assert world.version(up["solutionVersionArn"])["status"] == ACTIVE
    campaign = world.campaign(CAMPAIGN_ARN)
    assert (campaign["status"], campaign["solutionVersionArn"]) == (ACTIVE, up["solutionVersionArn"])
    assert set(summary(world, "SolutionPersonalizedRanking")) == set(constants.SUMMARY_KEYS)


def test_trigger_change_trains_exactly_one_version(deployed: World) -> None:
    # GIVEN a deployed stack serving the v1 version
    old = summary(deployed)["solutionVersionArn"]
    mark = deployed.mark()
    # WHEN the trigger of user-personalization changes to v2
    result = deployed.deploy(templates.trigger_changed())
    # THEN exactly one version is trained, for that solution, named after the trigger
    assert result.status == "UPDATE_COMPLETE", result.failure
    (created,) = deployed.created_versions(mark)
    assert created.params["solutionArn"] == UP_SOLUTION_ARN
    assert created.params["name"] == version_names.version_name("v2", "FULL")
    # AND the campaign moved to it once; the old version stays ACTIVE, nothing was stopped
    new = summary(deployed)["solutionVersionArn"]
    assert new != old and summary(deployed)["trigger"] == "v2"
    assert served_version(deployed) == new
    assert len(deployed.calls(mark, "UpdateCampaign")) == 1
    assert deployed.version(old)["status"] == ACTIVE
    assert deployed.calls(mark, "StopSolutionVersionCreation") == []


def test_rollback_of_a_trigger_change_trains_nothing(deployed: World) -> None:
    # GIVEN a deployed stack, and a campaign operation that will fail
    old = summary(deployed)["solutionVersionArn"]
    deployed.sim.inject_failure(CAMPAIGN, "Resource handler returned message: injected")
    mark = deployed.mark()
    # WHEN the trigger changes
    result = deployed.deploy(templates.trigger_changed())
    # THEN the update rolls back, having trained only the forward version (no retraining of v1)
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == CAMPAIGN
    assert len(deployed.created_versions(mark)) == 1
    rollback = [
        r for r in deployed.requests(UP_VERSION, "Update") if r["ResourceProperties"]["Trigger"] == "v1"
    ]
    assert len(rollback) == 1
    # AND the stack and the campaign are back on the old version; the new one finished, so no stop
    assert deployed.sim.resources[UP_VERSION].physical_id == old
    assert summary(deployed)["solutionVersionArn"] == old
    assert served_version(deployed) == old
    new = deployed.version_named(UP_SOLUTION_ARN, "v2")
    assert deployed.version(new)["status"] == ACTIVE
    assert deployed.calls(mark, "StopSolutionVersionCreation") == []


def test_rollback_while_training_stops_the_version(deployed: World) -> None:
    # GIVEN a deployed stack, 3 h training, and a wait link that will fail while v2 trains
    old = summary(deployed)["solutionVersionArn"]
    deployed.fake.durations.training = 3 * 3600
    deployed.sim.inject_failure("TrainingUserPersonalizationWait2", "injected failure")
    mark = deployed.mark()
    # WHEN the trigger changes
    result = deployed.deploy(templates.trigger_changed())
    # THEN the update rolls back and the version still training is stopped (billing stops)
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    new = deployed.version_named(UP_SOLUTION_ARN, "v2")
    stops = deployed.calls(mark, "StopSolutionVersionCreation")
    assert [c.params["solutionVersionArn"] for c in stops] == [new]
    assert deployed.fake.status_of(new) in (STOPPING, STOPPED)
    # AND nothing else was trained, the campaign never left the old version
    assert len(deployed.created_versions(mark)) == 1
    assert deployed.calls(mark, "UpdateCampaign") == []
    assert served_version(deployed) == old


# ---- failures -----------------------------------------------------------------------------------
def test_fails_when_training_fails(world: World, default_template: dict[str, Any]) -> None:
    # GIVEN Personalize will fail the next training of the user-personalization solution
    # (both solutions train at the same time: the failure names the one it hits)
    world.fake.fail_next_training(
        "Training failed: not enough interactions for user-personalization", solution_arn=UP_SOLUTION_ARN
    )
    # WHEN the stack is deployed
    result = world.deploy(default_template)
    # THEN the create fails on the version with Personalize's failureReason, and rolls back
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == UP_VERSION
    assert (
        "failed: Training failed: not enough interactions for user-personalization" in result.failure.reason
    )
    assert world.calls(0, "CreateCampaign") == []


def test_three_hour_training_succeeds_within_the_one_hour_wall(
    world: World, default_template: dict[str, Any]
) -> None:
    # GIVEN training takes 3 hours (max_wait_minutes 240)
    world.fake.durations.training = 3 * 3600
    # WHEN the stack is deployed
    result = world.deploy(default_template)
    # THEN it succeeds, no custom resource operation exceeds an hour, each solution trained once
    assert result.status == "CREATE_COMPLETE", result.failure
    assert result.stats.max_operation_seconds <= 3600
    assert len(world.created_versions()) == 2
    assert served_version(world) == summary(world)["solutionVersionArn"]


def test_fails_when_training_outlasts_max_wait_then_a_redeploy_adopts_the_version(deployed: World) -> None:
    # GIVEN a deployed stack and training that takes 6 hours (max_wait_minutes 240)
    deployed.fake.durations.training = 6 * 3600
    mark = deployed.mark()
    # WHEN the trigger changes
    result = deployed.deploy(templates.trigger_changed())
    # THEN the last wait link fails naming the elapsed minutes, the limit and the status
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == UP_LAST_LINK
    found = re.search(r"not finished after (\d+) min \(max_wait_minutes 240\)", result.failure.reason)
    assert found is not None, result.failure.reason
    assert 220 <= int(found.group(1)) <= 250
    assert "is CREATE IN_PROGRESS" in result.failure.reason
    new = deployed.version_named(UP_SOLUTION_ARN, "v2")
    # AND the training goes on (the deploy gave up waiting, not the training)
    assert deployed.calls(mark, "StopSolutionVersionCreation") == []
    # WHEN the same trigger is deployed again later
    deployed.clock.advance(2 * 3600)
    again = deployed.mark()
    result = deployed.deploy(templates.trigger_changed())
    # THEN the same version is picked up without training, and served
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert deployed.created_versions(again) == []
    assert summary(deployed)["solutionVersionArn"] == new
    assert served_version(deployed) == new


def test_fails_when_a_gate_fails(deployed: World) -> None:
    # GIVEN a deployed stack and a next version whose NDCG@10 is below the 0.05 gate
    old = summary(deployed)["solutionVersionArn"]
    deployed.fake.metrics_for_next_versions = {**DEFAULT_METRICS, NDCG10: 0.0312}
    mark = deployed.mark()
    # WHEN the trigger changes
    result = deployed.deploy(templates.trigger_changed())
    # THEN the deploy fails naming the metric, its value and the threshold
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None
    assert f"{NDCG10} = 0.0312 < 0.05" in result.failure.reason
    # AND the campaign was never switched
    assert deployed.calls(mark, "UpdateCampaign") == []
    assert served_version(deployed) == old


def test_gates_only_change_rechecks_without_training(deployed: World) -> None:
    # GIVEN a deployed stack
    version = summary(deployed)["solutionVersionArn"]
    mark = deployed.mark()
    # WHEN only the gates change (a higher NDCG@10 minimum the version still meets)
    result = deployed.deploy(templates.gates_changed())
    # THEN the metrics are checked again, and nothing is written
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert [c.params["solutionVersionArn"] for c in deployed.calls(mark, "GetSolutionMetrics")][:1] == [
        version
    ]
    assert deployed.mutations(mark) == []
    assert served_version(deployed) == version


# ---- resilience ---------------------------------------------------------------------------------
def test_thirty_percent_throttled_calls_still_succeed(world: World, default_template: dict[str, Any]) -> None:
    # GIVEN Personalize throttles 30 % of all requests
    world.fake.throttle(0.3, seed=7)
    # WHEN the stack is deployed
    result = world.deploy(default_template)
    # THEN it succeeds, and still trained each solution exactly once
    assert result.status == "CREATE_COMPLETE", result.failure
    throttled = [c for c in world.fake.calls if c.outcome == "ThrottlingException"]
    assert len(throttled) > 20
    assert len(world.created_versions()) == 2
    world.fake.throttle(0)
    assert served_version(world) == summary(world)["solutionVersionArn"]


# ---- adoption of the notebook's resources -------------------------------------------------------
def test_adopts_the_notebook_solution_and_version_by_physical_name(world: World) -> None:
    # GIVEN the notebook's solution (auto-training on) and its manual ACTIVE version
    solution, version = seed_notebook(world)
    # WHEN a config naming that solution (physical_name) is deployed
    result = world.deploy(templates.notebook_adoption())
    # THEN the solution is taken over, auto-training turned off, and nothing is trained
    assert result.status == "CREATE_COMPLETE", result.failure
    assert [c.params["name"] for c in world.calls(0, "CreateSolution")] == [PR_SOLUTION_NAME]
    (update,) = world.calls(0, "UpdateSolution")
    assert (update.params["solutionArn"], update.params["performAutoTraining"]) == (solution, False)
    assert world.solution(solution)["performAutoTraining"] is False
    assert world.created_versions(0, solution) == []
    # AND the notebook's version is what the campaign serves
    assert summary(world)["solutionVersionArn"] == version
    assert served_version(world, NOTEBOOK_CAMPAIGN_ARN) == version
    assert world.sim.resources[UP_SOLUTION].physical_id == f"adopted:{solution}"


def test_never_adopts_an_auto_trained_version(world: World) -> None:
    # GIVEN the notebook's solution holds only a version Personalize trained on its schedule
    solution, _ = seed_notebook(world, version=False)
    automatic = world.fake.auto_train(solution)
    world.clock.advance(world.fake.durations.training + 60)
    # WHEN a config adopting the solution is deployed
    result = world.deploy(templates.notebook_adoption())
    # THEN a version of our own is trained and served, not the automatic one
    assert result.status == "CREATE_COMPLETE", result.failure
    (created,) = world.created_versions(0, solution)
    assert created.params["name"] == version_names.version_name("v1", "FULL")
    assert summary(world)["solutionVersionArn"] != automatic
    assert served_version(world, NOTEBOOK_CAMPAIGN_ARN) == summary(world)["solutionVersionArn"]

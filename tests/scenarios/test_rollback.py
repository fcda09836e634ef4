"""Rollbacks and orphans: what a cancelled or killed operation started is undone.

Each scenario runs the synthesized template on the concurrent simulator and the fake
Personalize, and ends asserting the fake's final state and call log: nothing training or serving
that the config does not declare.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lambda_handlers import constants
from simulation.personalize_state import ACTIVE, CREATING, STOPPED, STOPPING
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    PR_SOLUTION_NAME,
    UP_SOLUTION_NAME,
    UP_VERSION,
    World,
    _edit,
    _synth,
    arn,
)

CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
UP_SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
PR_SOLUTION_ARN = arn("solution", PR_SOLUTION_NAME)
FILTER = "FilterExcludeClicked"
RANKING_CAMPAIGN = "CampaignRanking"
RENAMED_LID = "CampaignNewsRenamed"
RENAMED_CAMPAIGN_ARN = arn("campaign", "immersion-day-news-news-renamed")
RENAMED_SOLUTION = "news-up-renamed"
RENAMED_SOLUTION_ARN = arn("solution", RENAMED_SOLUTION)
NEW_FILTER = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'


# ---- the templates (each synthesized once per process) ------------------------------------------
@cache
def retrain_and_ranking_campaign() -> dict[str, Any]:
    """Trigger v1 → v2, and a new campaign on the other solution (both run at once)."""
    raw = _edit(training={"trigger": "v2"})
    raw["campaigns"].append({"name": "ranking", "solution": "personalized-ranking"})
    return _synth(raw)


@cache
def campaign_renamed_and_filter_changed() -> dict[str, Any]:
    """The campaign's config name changes (a new logical id), and the filter is replaced meanwhile."""
    raw = _edit(filters=[{"name": "exclude-clicked", "expression": NEW_FILTER}])
    raw["campaigns"][0]["name"] = "news-renamed"
    return _synth(raw)


@cache
def solution_renamed_and_filter_changed() -> dict[str, Any]:
    """The solution's physical_name changes (an Update of the same logical id), the filter too."""
    return _synth(
        _edit(
            solution={"physical_name": RENAMED_SOLUTION},
            filters=[{"name": "exclude-clicked", "expression": NEW_FILTER}],
        )
    )


@cache
def tps_changed() -> dict[str, Any]:
    return _synth(_edit(campaign={"min_provisioned_tps": 2}))


# ---- helpers ------------------------------------------------------------------------------------


def training(world: World) -> list[str]:
    """Every version of any solution still training."""
    return [
        str(v["solutionVersionArn"])
        for v in world.admin.list_solution_versions()["solutionVersions"]
        if v["status"] in CREATING
    ]


def campaign_arns(world: World) -> list[str]:
    return sorted(str(c["campaignArn"]) for c in world.admin.list_campaigns()["campaigns"])


def solution_arns(world: World) -> list[str]:
    return sorted(str(s["solutionArn"]) for s in world.admin.list_solutions()["solutions"])


def settle(world: World) -> None:
    """Let everything started finish (deletes, stops): what is left afterwards stays."""
    world.clock.advance(3 * 3600)


# ---- a retrain cancelled by another resource's failure --------------------
def test_fails_when_a_campaign_on_another_solution_fails_and_the_cancelled_retrain_is_stopped(
    deployed: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a deployed stack serving the v1 version, and a new ranking campaign that will fail
    v1 = deployed.version_named(UP_SOLUTION_ARN, "v1")
    deployed.fake.fail_next_campaign_create("Campaign creation failed: injected")
    mark = deployed.mark()
    # WHEN trigger v2 and the ranking campaign are deployed (they run at the same time)
    result = deployed.deploy(retrain_and_ranking_campaign())
    # THEN the campaign fails, the retrain is cancelled, and the stack rolls back
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == RANKING_CAMPAIGN
    (v1_back,) = [r for r in deployed.requests(UP_VERSION, "Update") if r["PhysicalResourceId"] == v1][-1:]
    assert v1_back["ResourceProperties"]["Trigger"] == "v1"
    # AND the version v2 that the cancelled update started was stopped by the rollback Update
    v2 = deployed.version_named(UP_SOLUTION_ARN, "v2")
    stops = [c.params["solutionVersionArn"] for c in deployed.calls(mark, "StopSolutionVersionCreation")]
    assert stops == [v2]
    assert deployed.version(v2)["status"] in (STOPPING, STOPPED)
    assert deployed.sim.resources[UP_VERSION].physical_id == v1
    # AND nothing trains, only the declared campaign serves, on v1
    settle(deployed)
    assert training(deployed) == []
    assert campaign_arns(deployed) == [CAMPAIGN_ARN]
    assert deployed.campaign(CAMPAIGN_ARN)["solutionVersionArn"] == v1
    # AND the next deploy of the config in force changes nothing
    again = deployed.mark()
    assert deployed.deploy(default_template).status == "NO_CHANGES"
    assert deployed.mutations(again) == []


# ---- cancelled renames ------------------------------------------------------
def test_fails_when_a_campaign_rename_is_cancelled_and_the_new_campaign_is_deleted(deployed: World) -> None:
    # GIVEN a deployed stack; the renamed campaign's onEvent will start 60 s late (Lambda's queue)
    # and the filter replaced in the same deploy fails 30 s in, before that onEvent ran
    deployed.delay_on_event(RENAMED_LID, 60, "Create")
    deployed.fail_during(FILTER, 30)
    mark = deployed.mark()
    # WHEN the campaign's config name changes (a new logical id)
    result = deployed.deploy(campaign_renamed_and_filter_changed())
    # THEN the stack rolls back; the cancelled Create's Delete carried an id never returned
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    (delete,) = deployed.requests(RENAMED_LID, "Delete")
    assert not delete["PhysicalResourceId"].startswith("arn:")
    # AND the campaign that late onEvent created was found by name and owner tag and deleted
    (create,) = deployed.calls(mark, "CreateCampaign")
    assert create.params["name"] == "immersion-day-news-news-renamed"
    deletes = [c.params["campaignArn"] for c in deployed.calls(mark, "DeleteCampaign")]
    assert deletes == [RENAMED_CAMPAIGN_ARN]
    assert deployed.calls(mark, "DeleteCampaign")[0].time > create.time
    # AND only the original campaign exists, serving as before
    settle(deployed)
    assert campaign_arns(deployed) == [CAMPAIGN_ARN]
    assert deployed.campaign(CAMPAIGN_ARN)["status"] == ACTIVE


def test_fails_when_a_solution_rename_is_cancelled_and_the_rollback_update_deletes_the_new_one(
    deployed: World,
) -> None:
    # GIVEN a deployed stack; the filter replaced in the same deploy fails 15 s in, while the
    # solution of the new name is still being created
    deployed.fail_during(FILTER, 15)
    mark = deployed.mark()
    # WHEN the solution's physical_name changes
    result = deployed.deploy(solution_renamed_and_filter_changed())
    # THEN the stack rolls back: an Update back to the old name, with the old solution's id
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    back = deployed.requests("SolutionUserPersonalization", "Update")[-1]
    assert back["PhysicalResourceId"] == UP_SOLUTION_ARN
    assert back["OldResourceProperties"]["Name"] == RENAMED_SOLUTION
    # AND that rollback Update deleted the solution the cancelled update created, and waited for it
    (create,) = deployed.calls(mark, "CreateSolution")
    assert create.params["name"] == RENAMED_SOLUTION
    assert [c.params["solutionArn"] for c in deployed.calls(mark, "DeleteSolution")] == [RENAMED_SOLUTION_ARN]
    assert not deployed.fake.exists(RENAMED_SOLUTION_ARN)
    # AND only the original solutions exist; nothing trains
    assert solution_arns(deployed) == sorted([PR_SOLUTION_ARN, UP_SOLUTION_ARN])
    assert training(deployed) == []
    assert deployed.campaign(CAMPAIGN_ARN)["status"] == ACTIVE


# ---- item 5: a killed onEvent, lost answers ---------------------------------------------------------
def test_fails_when_on_event_is_killed_after_create_campaign_and_the_stack_delete_removes_it(
    deployed: World,
) -> None:
    # GIVEN a deployed stack; the renamed campaign's onEvent is killed by its Lambda timeout
    # right after CreateCampaign succeeded (the framework then answers its Delete itself)
    deployed.kill_on_event_after("CreateCampaign")
    result = deployed.deploy(campaign_renamed_and_filter_changed())
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "Task timed out" in (result.failure.reason if result.failure else "")
    assert deployed.fake.exists(RENAMED_CAMPAIGN_ARN)  # CloudFormation never recorded it
    deployed.clock.advance(deployed.fake.durations.campaign_create)
    mark = deployed.mark()
    # WHEN the stack is deleted
    deleted = deployed.sim.delete()
    # THEN the solution's delete removed the campaign carrying this stack's owner tag first
    assert deleted.status == "DELETE_COMPLETE", deleted.failure
    removed = sorted(c.params["campaignArn"] for c in deployed.calls(mark, "DeleteCampaign"))
    assert removed == sorted([CAMPAIGN_ARN, RENAMED_CAMPAIGN_ARN])
    assert campaign_arns(deployed) == []
    assert solution_arns(deployed) == []


def test_lost_answers_after_the_service_acted_create_nothing_twice(world: World) -> None:
    # GIVEN the first CreateSolution, CreateSolutionVersion and CreateCampaign act, then answer 500
    for operation in ("CreateSolution", "CreateSolutionVersion", "CreateCampaign"):
        world.lose_answer(operation)
    # WHEN the stack is deployed
    result = world.deploy(_synth(_edit()))
    # THEN it is created with one of each: the handler looked them up before sending them again
    assert result.status == "CREATE_COMPLETE", result.failure
    assert sorted(c.params["name"] for c in world.calls(0, "CreateSolution")) == sorted(
        [UP_SOLUTION_NAME, PR_SOLUTION_NAME]
    )
    trained = sorted(c.params["solutionArn"] for c in world.calls(0, "CreateSolutionVersion"))
    assert trained == sorted([UP_SOLUTION_ARN, PR_SOLUTION_ARN])  # one training per solution
    assert len(world.calls(0, "CreateCampaign")) == 1
    assert [c.answer_lost for c in world.calls(0, "CreateCampaign", only_ok=False)] == [True]
    assert campaign_arns(world) == [CAMPAIGN_ARN]
    assert world.sim.resources[CAMPAIGN].physical_id == CAMPAIGN_ARN  # ours, not adopted
    # AND an UpdateCampaign whose answer is lost is not applied twice either
    world.lose_answer("UpdateCampaign")
    mark = world.mark()
    assert world.deploy(tps_changed()).status == "UPDATE_COMPLETE"
    assert len(world.calls(mark, "UpdateCampaign")) == 1
    assert world.campaign(CAMPAIGN_ARN)["minProvisionedTPS"] == 2
    # AND the next deploy makes no write
    again = world.mark()
    assert world.deploy(tps_changed()).status == "NO_CHANGES"
    assert world.mutations(again) == []


def test_versions_this_stack_creates_carry_its_owner_tag(deployed: World) -> None:
    # GIVEN a deployed stack WHEN its trained version's tags are read
    v1 = deployed.version_named(UP_SOLUTION_ARN, "v1")
    tags = {t["tagKey"]: t["tagValue"] for t in deployed.admin.list_tags_for_resource(resourceArn=v1)["tags"]}
    # THEN it names this stack and the version resource
    assert tags[constants.OWNER_TAG] == f"{deployed.sim.stack_name}/{UP_VERSION}"

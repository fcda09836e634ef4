"""Hand edits during and between deploys, Delete events delivered twice, a gated retrain cancelled.

1. A solution version stopped by hand (StopSolutionVersionCreation) while a deploy waits on its
   training: the deploy fails within one poll naming the version's status; the next deploy of
   the same template fails at once without a write (the trigger's version exists, stopped; that
   Personalize refuses a second version of the same name is the fake's assumption).
2. A campaign moved to another ACTIVE version by hand (UpdateCampaign): the next deploy that
   changes the campaign (min TPS) puts the declared version back in the same UpdateCampaign.
   An identical redeploy sends nothing (CloudFormation does not call a custom resource whose
   template did not change), so the campaign stays where the hand put it; `make drift` reports
   it (tests/scenarios/test_drift.py::test_finds_version_switched_by_hand).
3. A Delete delivered twice (the Provider's onEvent Lambda is invoked asynchronously, at least
   once; `World.deliver_again` plays the second delivery: another onEvent and its own waiter):
   (a) every custom resource's Delete of a `removal_policy: retain` stack delete, once while the
   stack is being deleted and once after it is gone: everything is kept, no write;
   (b) the Delete that sweeps a campaign Create cancelled on a first deploy, once during the
   rollback and once after someone made a campaign of the same name by hand: one DeleteCampaign
   in all, and the hand-made campaign is never touched.
4. A champion-gated retrain (`max_drop`) cancelled mid-training by another resource's failure:
   the rollback stops the new version; the campaign keeps serving the old one.

Each ends asserting the fake's final state (what trains, serves, exists) and its call log.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from lambda_handlers import constants, version_names
from simulation.cloudformation.provider import ProviderOutcome
from simulation.cloudformation.scheduler import Task
from simulation.personalize_state import ACTIVE, CREATING, STOPPED, STOPPING
from tests.scenarios.test_champion import NDCG10, champion_tag
from tests.scenarios.test_reconcile import owner, retained
from tests.scenarios.world import (
    CAMPAIGN,
    CAMPAIGN_NAME,
    FILTER,
    PR_SOLUTION_NAME,
    UP_SOLUTION_NAME,
    UP_VERSION,
    World,
    _edit,
    _synth,
    arn,
    templates,
)

UP_SOLUTION_ARN: Final = arn("solution", UP_SOLUTION_NAME)
PR_SOLUTION_ARN: Final = arn("solution", PR_SOLUTION_NAME)
CAMPAIGN_ARN: Final = arn("campaign", CAMPAIGN_NAME)
SUMMARY_PARAMETER: Final = "SolutionUserPersonalizationParameter"  # starts with the campaign
NEW_FILTER: Final = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'


@cache
def gated_retrain_and_filter_changed() -> dict[str, Any]:
    """Trigger v1 → v2 under a `max_drop` gate, and the filter replaced in the same deploy."""
    return _synth(
        _edit(
            training={"trigger": "v2", "gates": {NDCG10: {"min": 0.05, "max_drop": 0.01}}},
            filters=[{"name": "exclude-clicked", "expression": NEW_FILTER}],
        )
    )


# ---- helpers ------------------------------------------------------------------------------------


def writes(world: World, since: int) -> list[str]:
    """The mutating calls since `since`, by operation, in order."""
    return [c.operation for c in world.mutations(since)]


def training(world: World) -> list[str]:
    """Every version of any solution still training."""
    return [
        str(v["solutionVersionArn"])
        for v in world.admin.list_solution_versions()["solutionVersions"]
        if v["status"] in CREATING
    ]


def served(world: World) -> str:
    return str(world.campaign(CAMPAIGN_ARN)["solutionVersionArn"])


def answered(task: Task) -> ProviderOutcome:
    """What a delivery's waiter ended with (it must have ended)."""
    assert task.done and task.error is None, task.error
    assert isinstance(task.result, ProviderOutcome)
    return task.result


def settle(world: World) -> None:
    """Let everything started finish (deletes, stops, updates)."""
    world.clock.advance(3 * 3600)


# ---- 1. a version stopped by hand while a deploy waits on it ----------------------------------------
def test_fails_when_the_version_a_deploy_waits_for_is_stopped_by_hand(deployed: World) -> None:
    # GIVEN a deployed stack serving v1, and someone who stops the v2 training by hand 10 min in
    v1 = deployed.version_named(UP_SOLUTION_ARN, "v1")
    start = deployed.clock.now()
    stopped: list[tuple[str, float]] = []

    def stop_by_hand(kind: str, event: dict[str, Any]) -> None:
        waiting = kind == "isComplete" and event["LogicalResourceId"] == UP_VERSION
        if waiting and not stopped and deployed.clock.now() - start >= 600:
            deployed.admin.stop_solution_version_creation(solutionVersionArn=event["PhysicalResourceId"])
            stopped.append((event["PhysicalResourceId"], deployed.clock.now()))

    deployed.hooks.append(stop_by_hand)
    mark = deployed.mark()
    # WHEN the trigger changes to v2 and the deploy waits on the training
    result = deployed.deploy(templates.trigger_changed())
    deployed.hooks.remove(stop_by_hand)
    # THEN the deploy fails on the version resource, naming the version and its status
    v2 = deployed.version_named(UP_SOLUTION_ARN, "v2")
    assert [arn for arn, _ in stopped] == [v2]
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == UP_VERSION
    assert result.failure.message == (
        f"solution version {v2} was stopped ({STOPPING}) before it finished training; "
        "change the trigger to train a new one"
    )
    # AND within one poll of the stop: it neither hung nor waited for the wait links
    (failed,) = [e for e in result.events if e.status == "UPDATE_FAILED"]
    assert failed.logical_id == UP_VERSION
    assert failed.time - stopped[0][1] <= constants.QUERY_INTERVAL_SECONDS
    # AND the deploy wrote one training, the hand one stop; the rollback found v1 and wrote nothing
    assert writes(deployed, mark) == ["CreateSolutionVersion", "StopSolutionVersionCreation"]
    assert deployed.sim.resources[UP_VERSION].physical_id == v1
    assert deployed.calls(mark, "UpdateCampaign") == []
    # AND nothing trains; the campaign serves v1
    settle(deployed)
    assert deployed.version(v2)["status"] == STOPPED
    assert training(deployed) == []
    assert served(deployed) == v1
    # WHEN the same template is deployed again
    again, again_at = deployed.mark(), deployed.clock.now()
    retried = deployed.deploy(templates.trigger_changed())
    # THEN it fails at once, saying to change the trigger: the trigger's version exists, stopped,
    # and a second CreateSolutionVersion of that name is refused (the fake's assumed rule, see
    # FakePersonalize._op_create_solution_version); no write, and v1 still serves
    assert retried.status == "UPDATE_ROLLBACK_COMPLETE"
    (refused,) = [e for e in retried.events if e.status == "UPDATE_FAILED"]
    assert (refused.logical_id, refused.time) == (UP_VERSION, again_at)
    assert retried.failure is not None
    assert retried.failure.message == (
        f"solution version {version_names.version_name('v2', 'FULL')} of {UP_SOLUTION_ARN} already exists but "
        "failed or was stopped; change the trigger to train a new version"
    )
    assert [c.outcome for c in deployed.calls(again, "CreateSolutionVersion", only_ok=False)] == [
        "ResourceAlreadyExistsException"
    ]
    assert writes(deployed, again) == []
    assert training(deployed) == []
    assert served(deployed) == v1


# ---- 2. a campaign moved to another version by hand -----------------------------------------------
def switch_by_hand(world: World) -> str:
    """Someone trains a version in the notebook and moves the campaign to it; returns that version."""
    other = world.fake.seed_solution_version(UP_SOLUTION_ARN)
    world.admin.update_campaign(campaignArn=CAMPAIGN_ARN, solutionVersionArn=other)
    world.clock.advance(world.fake.durations.campaign_update + 60)
    assert served(world) == other
    return other


def test_a_campaign_switched_by_hand_is_put_back_on_the_declared_version_by_the_next_update(
    deployed: World,
) -> None:
    # GIVEN a deployed stack whose campaign someone moved by hand to another ACTIVE version
    declared = served(deployed)
    other = switch_by_hand(deployed)
    mark = deployed.mark()
    # WHEN the next deploy changes the campaign's min TPS
    result = deployed.deploy(templates.tps_changed())
    # THEN the one UpdateCampaign carries the declared version too: the campaign serves it again
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert writes(deployed, mark) == ["UpdateCampaign"]
    (update,) = deployed.calls(mark, "UpdateCampaign")
    assert (update.params["solutionVersionArn"], update.params["minProvisionedTPS"]) == (declared, 2)
    campaign = deployed.campaign(CAMPAIGN_ARN)
    assert (campaign["status"], campaign["solutionVersionArn"], campaign["minProvisionedTPS"]) == (
        ACTIVE,
        declared,
        2,
    )
    # AND the hand-made version is left as it was (not ours: never stopped or deleted)
    assert deployed.version(other)["status"] == ACTIVE
    assert training(deployed) == []


def test_an_identical_redeploy_leaves_a_campaign_switched_by_hand_where_it_is(
    deployed: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a deployed stack whose campaign someone moved by hand to another ACTIVE version
    other = switch_by_hand(deployed)
    mark = deployed.mark()
    # WHEN the same template is deployed again
    result = deployed.deploy(default_template)
    # THEN CloudFormation sends no request at all: no handler runs, nothing is written, and the
    # campaign keeps serving the hand's version (`make drift` reports it: see the module docstring)
    assert result.status == "NO_CHANGES"
    assert result.events == []
    assert deployed.mutations(mark) == []
    assert deployed.fake.calls[mark:] == []
    assert served(deployed) == other


# ---- 3. Delete events delivered twice ---------------------------------------------------------------
def test_a_retained_stack_delete_delivered_twice_keeps_everything(world: World) -> None:
    # GIVEN a stack deployed with removal_policy retain
    assert world.deploy(retained()).status == "CREATE_COMPLETE"
    (group,) = [g["datasetGroupArn"] for g in world.admin.list_dataset_groups()["datasetGroups"]]
    trained = world.admin.list_solution_versions()["solutionVersions"]
    versions = [str(v["solutionVersionArn"]) for v in trained]
    serving = served(world)
    # AND every custom resource's Delete will reach the Provider a second time, while the first
    # delivery's waiter polls
    during: dict[str, Task] = {}

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        lid = event["LogicalResourceId"]
        if kind == "isComplete" and event["RequestType"] == "Delete" and lid not in during:
            (request,) = world.requests(lid, "Delete")
            during[lid] = world.deliver_again(request)

    world.hooks.append(duplicate)
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    world.hooks.remove(duplicate)
    # AND every Delete is delivered once more after the stack is gone
    assert world.sim.live_status == "DELETE_COMPLETE"
    deletes = [r for r in world.sim.requests if r["RequestType"] == "Delete"]
    late = {r["LogicalResourceId"]: world.deliver_again(r) for r in deletes}
    world.sim.scheduler.drain()
    # THEN the stack delete and all 2 × 24 duplicates (8 are imports and their links, 1 the tags)
    # succeed, each answering the id it was given
    assert result.status == "DELETE_COMPLETE", result.failure
    assert set(during) == set(late) and len(late) == 24
    for lid, task in [*during.items(), *late.items()]:
        (request,) = world.requests(lid, "Delete")
        assert answered(task).success, (lid, answered(task).message)
        assert answered(task).physical_id == request["PhysicalResourceId"]
    # AND not one write: every solution, version, the campaign and the dataset group remain,
    # the campaign still serving and carrying this stack's owner tag (a redeploy takes it back)
    assert writes(world, mark) == []
    settle(world)
    assert sorted(s["solutionArn"] for s in world.admin.list_solutions()["solutions"]) == sorted(
        [PR_SOLUTION_ARN, UP_SOLUTION_ARN]
    )
    assert all(world.fake.exists(v) for v in [*versions, group])
    assert (world.campaign(CAMPAIGN_ARN)["status"], served(world)) == (ACTIVE, serving)
    assert owner(world, CAMPAIGN_ARN) == f"{world.sim.stack_name}/{CAMPAIGN}"


def test_fails_when_a_retained_stack_delete_fails_on_another_resource_and_a_late_duplicate_keeps_all(
    world: World,
) -> None:
    # GIVEN a stack deployed with removal_policy retain, whose summary parameter's delete will
    # fail a minute in, while the custom resources' Deletes run
    assert world.deploy(retained()).status == "CREATE_COMPLETE"
    versions = [
        str(v["solutionVersionArn"]) for v in world.admin.list_solution_versions()["solutionVersions"]
    ]
    serving = served(world)
    world.fail_during(SUMMARY_PARAMETER, after=60, reason="injected: parameter delete failed")
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN it ends DELETE_FAILED naming that parameter
    assert result.status == "DELETE_FAILED"
    assert result.failure is not None and result.failure.logical_id == SUMMARY_PARAMETER
    # WHEN the campaign's Delete reaches the Provider once more, the stack now DELETE_FAILED
    (request,) = world.requests(CAMPAIGN, "Delete")
    late = world.deliver_again(request)
    world.sim.scheduler.drain()
    # THEN it succeeds without a write, as the first delivery did; the retry of the stack delete
    # completes, and still nothing of Personalize was written: everything is kept and serving
    assert answered(late).success, answered(late).message
    assert world.sim.delete().status == "DELETE_COMPLETE"
    assert writes(world, mark) == []
    settle(world)
    assert all(world.fake.exists(arn_) for arn_ in [*versions, UP_SOLUTION_ARN, PR_SOLUTION_ARN])
    assert (world.campaign(CAMPAIGN_ARN)["status"], served(world)) == (ACTIVE, serving)


def test_a_retained_stack_delete_after_the_campaign_was_deleted_by_hand_completes(world: World) -> None:
    # GIVEN a stack deployed with removal_policy retain, whose campaign someone deleted by hand
    assert world.deploy(retained()).status == "CREATE_COMPLETE"
    world.delete_by_hand(CAMPAIGN_ARN)
    mark = world.mark()
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN it completes without a write: the solutions and their versions stay, no campaign
    assert result.status == "DELETE_COMPLETE", result.failure
    assert writes(world, mark) == []
    settle(world)
    assert sorted(s["solutionArn"] for s in world.admin.list_solutions()["solutions"]) == sorted(
        [PR_SOLUTION_ARN, UP_SOLUTION_ARN]
    )
    assert world.admin.list_campaigns()["campaigns"] == []


def test_fails_when_a_first_deploy_cancels_the_campaign_create_and_its_sweep_is_delivered_twice(
    world: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a first deploy whose summary parameter (started with the campaign) fails 2 min in,
    # while the campaign is being created; the rollback's Delete of the campaign (an id
    # CloudFormation made up) will reach the Provider a second time while the first one sweeps
    world.fail_during(SUMMARY_PARAMETER, 120)
    during: list[Task] = []

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        delete = (event["LogicalResourceId"], event["RequestType"]) == (CAMPAIGN, "Delete")
        if kind == "isComplete" and delete and not during:
            (request,) = world.requests(CAMPAIGN, "Delete")
            during.append(world.deliver_again(request))

    world.hooks.append(duplicate)
    # WHEN the stack is deployed
    result = world.deploy(default_template)
    world.hooks.remove(duplicate)
    # THEN the create rolls back; the campaign's Delete and its duplicate both succeed
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == SUMMARY_PARAMETER
    (delete,) = world.requests(CAMPAIGN, "Delete")
    assert not delete["PhysicalResourceId"].startswith("arn:")
    (again,) = during
    assert answered(again).success and answered(again).physical_id == delete["PhysicalResourceId"]
    # AND the campaign the cancelled Create made was deleted once, after it became deletable
    (create,) = world.calls(0, "CreateCampaign")
    assert create.params["name"] == CAMPAIGN_NAME
    (deleted,) = world.calls(0, "DeleteCampaign")
    assert deleted.params["campaignArn"] == CAMPAIGN_ARN
    assert deleted.time >= create.time + world.fake.durations.campaign_create
    # AND nothing the stack made is left, nothing trains
    settle(world)
    admin = world.admin
    assert admin.list_campaigns()["campaigns"] == []
    assert admin.list_solutions()["solutions"] == []
    assert admin.list_dataset_groups()["datasetGroups"] == []
    assert training(world) == []
    # WHEN someone then makes a campaign of that very name by hand (another team's solution),
    # and the campaign's Delete is delivered once more
    group = world.fake.seed_dataset_group("team-b")
    version = world.fake.seed_solution_version(world.fake.seed_solution(group, "team-b-solution"))
    theirs = admin.create_campaign(name=CAMPAIGN_NAME, solutionVersionArn=version, minProvisionedTPS=1)
    assert theirs["campaignArn"] == CAMPAIGN_ARN
    world.clock.advance(world.fake.durations.campaign_create + 60)
    mark = world.mark()
    late = world.deliver_again(delete)
    world.sim.scheduler.drain()
    # THEN it succeeds without a write: that campaign carries no owner tag of this stack
    assert answered(late).success
    assert writes(world, mark) == []
    assert (world.campaign(CAMPAIGN_ARN)["status"], served(world)) == (ACTIVE, version)


# ---- 4. a champion-gated retrain cancelled ------------------------------------------------------------
def test_fails_when_a_champion_gated_retrain_is_cancelled_and_the_rollback_stops_it(
    deployed: World, default_template: dict[str, Any]
) -> None:
    # GIVEN a deployed stack serving v1, and a filter replacement that fails 10 min in
    v1 = served(deployed)
    deployed.fail_during(FILTER, 600)
    mark = deployed.mark()
    # WHEN a retrain gated with max_drop (trigger v2) and the filter change are deployed together
    result = deployed.deploy(gated_retrain_and_filter_changed())
    # THEN the filter fails, the retrain is cancelled mid-training, and the stack rolls back
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == FILTER
    cancelled = [e for e in result.events if e.reason == "Resource update cancelled"]
    assert [e.logical_id for e in cancelled] == [UP_VERSION]
    # AND v2 had recorded v1 as its champion; the rollback stopped it while it trained
    v2 = deployed.version_named(UP_SOLUTION_ARN, "v2")
    assert champion_tag(deployed, v2) == v1
    (stop,) = deployed.calls(mark, "StopSolutionVersionCreation")
    assert stop.params["solutionVersionArn"] == v2
    (create,) = deployed.calls(mark, "CreateSolutionVersion")
    assert stop.time < create.time + deployed.fake.durations.training  # while it trained
    assert writes(deployed, mark) == [
        "CreateSolutionVersion",
        "CreateFilter",
        "StopSolutionVersionCreation",
        "DeleteFilter",
    ]
    # AND the campaign was never asked to move: it serves v1; nothing trains; v2 was never gated
    assert deployed.calls(mark, "UpdateCampaign") == []
    assert v2 not in [c.params["solutionVersionArn"] for c in deployed.calls(mark, "GetSolutionMetrics")]
    settle(deployed)
    assert deployed.version(v2)["status"] == STOPPED
    assert training(deployed) == []
    assert (deployed.campaign(CAMPAIGN_ARN)["status"], served(deployed)) == (ACTIVE, v1)
    assert deployed.sim.resources[UP_VERSION].physical_id == v1
    # AND the next deploy of the config in force changes nothing
    again = deployed.mark()
    assert deployed.deploy(default_template).status == "NO_CHANGES"
    assert deployed.mutations(again) == []

"""Gated promotion of auto-trained versions: config/examples/auto-training.yaml deployed on the
simulator, Personalize's automatic training on the fake's virtual clock (a version every 7 days),
and the checker run as its EventBridge Scheduler schedule runs it (`simulation.schedules`).

The example gates NDCG@10 with `{min: 0.05, max_drop: 0.01}`; the fake gives each new version,
automatic ones included, the metrics set just before it starts.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import yaml

from lambda_handlers import constants
from lambda_handlers.deps import MAX_ATTEMPTS
from simulation.clients import env_client
from simulation.personalize import DEFAULT_METRICS
from simulation.schedules import Run, run_schedules
from tests.scenarios.iam_check import function_role, record_botocore, role_denials
from tests.scenarios.world import CAMPAIGN, CAMPAIGN_NAME, UP_SOLUTION_NAME, World, arn
from tests.support import synth
from tests.support.iam_reference import ApiCall

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
EXAMPLE = synth.REPO / "config" / "examples" / "auto-training.yaml"
DAY = 86400.0
CHECKER_READS = [
    "DescribeCampaign",
    "ListTagsForResource",
    "ListSolutionVersions",
    "DescribeSolutionVersion",  # the served version: an automatic version older than it is stale
    "GetSolutionMetrics",  # the automatic version
]


@cache
def example() -> dict[str, Any]:
    return synth.template(EXAMPLE)


@cache
def example_with(*, tps: int = 1, trigger: str = "v1") -> dict[str, Any]:
    """The example with the campaign's min TPS or the training trigger changed."""
    raw = copy.deepcopy(synth.default_raw_config())
    example_raw = yaml.safe_load(EXAMPLE.read_text())
    up = raw["solutions"][0]
    up["auto_training"] = example_raw["solutions"][0]["auto_training"]
    up["training"]["gates"] = example_raw["solutions"][0]["training"]["gates"]
    up["training"]["trigger"] = trigger
    raw["campaigns"][0]["min_provisioned_tps"] = tps
    return synth.template(synth.write_config(raw))


def score_next(world: World, ndcg10: float) -> None:
    world.fake.metrics_for_next_versions = {**DEFAULT_METRICS, NDCG10: ndcg10}


def deployed_serving(world: World, ndcg10: float) -> str:
    """The example deployed, its first version scoring `ndcg10`, served by the campaign."""
    score_next(world, ndcg10)
    result = world.deploy(example())
    assert result.ok, result.failure
    return served(world)


def served(world: World) -> str:
    return str(world.campaign(CAMPAIGN_ARN)["solutionVersionArn"])


def auto_trained(world: World, ndcg10: float) -> str:
    """One auto-training period passes; its automatic version scores `ndcg10` and is ACTIVE."""
    before = {v["solutionVersionArn"] for v in world.versions(SOLUTION_ARN)}
    score_next(world, ndcg10)
    world.clock.advance(7 * DAY + world.fake.durations.training)
    (new,) = [v for v in world.versions(SOLUTION_ARN) if v["solutionVersionArn"] not in before]
    assert (new["trainingType"], new["status"]) == ("AUTOMATIC", "ACTIVE")
    return str(new["solutionVersionArn"])


class Checker:
    """The checker's own client on the fake, every request recorded for the IAM check."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.calls: list[ApiCall] = []
        self.client = env_client(world.clock, MAX_ATTEMPTS)
        record_botocore(self.client, self.calls.append)

    def run(self) -> Run:
        (run,) = run_schedules(self.world, client=self.client)
        return run

    def denials(self) -> list[str]:
        template = self.world.sim.template
        assert template is not None
        role = function_role(template, constants.CHECKER_HANDLER)
        return role_denials(template, role, self.calls, self.world.sim)


def tags(world: World) -> dict[str, str]:
    found = world.admin.list_tags_for_resource(resourceArn=CAMPAIGN_ARN)["tags"]
    return {t["tagKey"]: t["tagValue"] for t in found}


def decisions(world: World, since: int) -> list[dict[str, Any]]:
    return [json.loads(line) for line in world.sim.logs[since:] if line.startswith('{"campaign"')]


def emf(world: World, since: int) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in world.sim.logs[since:] if line.startswith('{"_aws"')]
    return [
        d for d in lines if d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == constants.PROMOTION_NAMESPACE
    ]


def operations(world: World, since: int) -> list[str]:
    return [c.operation for c in world.calls(since)]


def test_an_automatic_version_above_the_gates_is_promoted_once(world: World) -> None:
    # GIVEN the example deployed, its campaign serving a version scoring 0.20
    champion = deployed_serving(world, 0.20)
    checker = Checker(world)
    # AND one auto-training period later an automatic version scoring 0.205
    automatic = auto_trained(world, 0.205)
    mark, logs = world.mark(), len(world.sim.logs)
    # WHEN the schedule fires
    run = checker.run()
    # THEN the checker promotes it: reads, both versions' metrics, one UpdateCampaign, one TagResource
    assert run.result == {"decision": "promoted", "candidate": automatic, "consecutiveHolds": 0}
    assert operations(world, mark) == [*CHECKER_READS, "GetSolutionMetrics", "UpdateCampaign", "TagResource"]
    (update,) = world.calls(mark, "UpdateCampaign")
    assert update.params["solutionVersionArn"] == automatic
    assert update.params["minProvisionedTPS"] == 1
    # AND the promotion is recorded on the campaign, logged and counted
    assert tags(world)[constants.PROMOTED_TAG] == automatic
    assert tags(world)[constants.DECISION_TAG] == f"promoted {automatic}"
    (line,) = decisions(world, logs)
    assert (line["decision"], line["candidate"], line["champion"]) == ("promoted", automatic, champion)
    (metric,) = emf(world, logs)
    assert (metric["Promoted"], metric["Held"], metric["ConsecutiveHolds"]) == (1, 0, 0)
    # AND once the update is done the campaign serves it
    world.clock.advance(world.fake.durations.campaign_update + 60)
    assert served(world) == automatic
    # WHEN the schedule fires again THEN nothing is written: the campaign already serves it
    mark = world.mark()
    assert checker.run().result["decision"] == "current"
    assert world.mutations(mark) == []
    # AND every call the checker made is granted to its own role
    assert checker.denials() == []


def test_an_automatic_version_below_the_gates_is_held(world: World) -> None:
    # GIVEN the example deployed and an automatic version under the min gate (0.04 < 0.05)
    champion = deployed_serving(world, 0.20)
    checker = Checker(world)
    automatic = auto_trained(world, 0.04)
    mark, logs = world.mark(), len(world.sim.logs)
    # WHEN the schedule fires
    run = checker.run()
    # THEN it is held: no UpdateCampaign, the hold recorded on the campaign (one TagResource)
    assert run.result == {"decision": "held", "candidate": automatic, "consecutiveHolds": 1}
    assert operations(world, mark) == [*CHECKER_READS, "TagResource"]
    assert served(world) == champion
    assert tags(world)[constants.HOLDS_TAG] == "1"
    assert constants.PROMOTED_TAG not in tags(world)
    # AND the log line says why, and the metric counts the hold
    (line,) = decisions(world, logs)
    assert line["decision"] == "held"
    assert (
        line["reason"]
        == f"gate failed for solution user-personalization: {NDCG10} = 0.04 < 0.05 ({automatic})"
    )
    (metric,) = emf(world, logs)
    assert (metric["Promoted"], metric["Held"], metric["ConsecutiveHolds"]) == (0, 1, 1)
    # WHEN the schedule fires again on the same version THEN it is not counted twice, nothing written
    mark = world.mark()
    assert checker.run().result == {"decision": "held", "candidate": automatic, "consecutiveHolds": 1}
    assert world.mutations(mark) == []
    # WHEN the next period's version is held too THEN the count reaches 2
    second = auto_trained(world, 0.03)
    assert checker.run().result == {"decision": "held", "candidate": second, "consecutiveHolds": 2}
    assert tags(world)[constants.HOLDS_TAG] == "2"
    assert checker.denials() == []


def test_an_automatic_version_too_far_below_the_champion_is_held(world: World) -> None:
    # GIVEN a campaign serving 0.20 and an automatic version 0.02 below it (max_drop 0.01), above min
    champion = deployed_serving(world, 0.20)
    checker = Checker(world)
    automatic = auto_trained(world, 0.18)
    mark, logs = world.mark(), len(world.sim.logs)
    # WHEN the schedule fires
    run = checker.run()
    # THEN it is held, naming both versions and both values; the champion serves on
    assert run.result["decision"] == "held"
    assert operations(world, mark) == [*CHECKER_READS, "GetSolutionMetrics", "TagResource"]
    (line,) = decisions(world, logs)
    assert line["reason"] == (
        f"gate failed for solution user-personalization: {NDCG10} = 0.1800 is 0.0200 below the serving "
        f"version's 0.2000 (max_drop 0.01): challenger {automatic} champion {champion}"
    )
    assert served(world) == champion
    assert checker.denials() == []


def promoted(world: World) -> str:
    """The example deployed (0.20), then an automatic version (0.21) promoted and serving."""
    deployed_serving(world, 0.20)
    automatic = auto_trained(world, 0.21)
    assert Checker(world).run().result["decision"] == "promoted"
    world.clock.advance(world.fake.durations.campaign_update + 60)
    assert served(world) == automatic
    return automatic


def test_a_deploy_after_a_promotion_keeps_the_promoted_version(world: World) -> None:
    # GIVEN a promoted automatic version serving
    automatic = promoted(world)
    mark = world.mark()
    # WHEN a deploy changes the campaign (min TPS 2) while declaring the stack's own older version
    result = world.deploy(example_with(tps=2))
    # THEN the campaign takes the new TPS and stays on the promoted version: one UpdateCampaign
    assert result.ok, result.failure
    (update,) = world.calls(mark, "UpdateCampaign")
    assert (update.params["solutionVersionArn"], update.params["minProvisionedTPS"]) == (automatic, 2)
    assert served(world) == automatic


def test_a_rollback_after_a_promotion_keeps_the_promoted_version(world: World) -> None:
    # GIVEN a promoted automatic version serving
    automatic = promoted(world)
    mark = world.mark()
    # WHEN a deploy that updates the campaign fails in it and rolls back
    world.fail_during(CAMPAIGN, after=60)
    result = world.deploy(example_with(tps=2))
    # THEN the rollback moved it back to TPS 1, and no update ever named another version
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    world.clock.advance(world.fake.durations.campaign_update + 60)
    updates = world.calls(mark, "UpdateCampaign")
    assert [u.params["solutionVersionArn"] for u in updates] == [automatic] * len(updates)
    assert [u.params["minProvisionedTPS"] for u in updates][-1] == 1
    assert served(world) == automatic


def test_a_deploy_that_trains_a_newer_version_moves_past_the_promoted_one(world: World) -> None:
    # GIVEN a promoted automatic version (0.21) serving
    automatic = promoted(world)
    mark = world.mark()
    # WHEN a deploy retrains (trigger v2) and its version passes the gates against it (0.215)
    score_next(world, 0.215)
    result = world.deploy(example_with(trigger="v2"))
    # THEN the campaign serves the stack's newer version: one UpdateCampaign, to it
    assert result.ok, result.failure
    retrained = world.version_named(SOLUTION_ARN, "v2")
    (update,) = world.calls(mark, "UpdateCampaign")
    assert update.params["solutionVersionArn"] == retrained != automatic
    assert served(world) == retrained

"""Champion/challenger gates: the real template, handlers and fake, virtual time.

The config gates NDCG@10 with `{min: 0.05, max_drop: 0.01}`; the fake Personalize gives each new
version the metrics set just before its training starts.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from lambda_handlers import constants
from simulation.personalize_state import DEFAULT_METRICS
from tests.scenarios.world import CAMPAIGN_NAME, UP_SOLUTION_NAME, World, arn
from tests.support import synth

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
SOLUTION_ARN = arn("solution", UP_SOLUTION_NAME)
CAMPAIGN_ARN = arn("campaign", CAMPAIGN_NAME)
SUMMARY_PARAMETER = "SolutionUserPersonalizationParameter"  # updated after the campaign moves


@cache
def relative_gates(trigger: str) -> dict[str, Any]:
    """The default config, its User-Personalization solution gated relative to the champion."""
    raw = copy.deepcopy(synth.default_raw_config())
    training = raw["solutions"][0].setdefault("training", {})
    training["trigger"] = trigger
    training["gates"] = {NDCG10: {"min": 0.05, "max_drop": 0.01}}
    return synth.template(synth.write_config(raw))


def next_versions_score(world: World, ndcg10: float) -> None:
    world.fake.metrics_for_next_versions = {**DEFAULT_METRICS, NDCG10: ndcg10}


def served(world: World) -> str:
    return str(world.campaign(CAMPAIGN_ARN)["solutionVersionArn"])


def champion_tag(world: World, version_arn: str) -> str | None:
    tags = world.admin.list_tags_for_resource(resourceArn=version_arn)["tags"]
    return next((t["tagValue"] for t in tags if t["tagKey"] == constants.CHAMPION_TAG), None)


def serving(world: World, trigger: str, ndcg10: float) -> str:
    """Deploy the relative gates with `trigger`, its new version scoring `ndcg10`; it must serve."""
    next_versions_score(world, ndcg10)
    result = world.deploy(relative_gates(trigger))
    assert result.ok, result.failure
    version = world.version_named(SOLUTION_ARN, trigger)
    assert served(world) == version
    return version


def test_the_first_training_has_no_champion_and_checks_min_only(world: World) -> None:
    # GIVEN an empty account
    # WHEN the stack is deployed with a max_drop gate
    champion = serving(world, "v1", 0.20)
    # THEN the version records no champion (no campaign served a version when it started)
    assert champion_tag(world, champion) is None


def test_fails_when_a_retrain_drops_more_than_max_drop_below_the_serving_version(world: World) -> None:
    # GIVEN a campaign serving a version with NDCG@10 0.20
    champion = serving(world, "v1", 0.20)
    mark = world.mark()
    # WHEN a retrain comes out 0.02 below it (max_drop 0.01), still above min 0.05
    next_versions_score(world, 0.18)
    result = world.deploy(relative_gates("v2"))
    # THEN the deploy fails naming both versions and both values
    challenger = world.version_named(SOLUTION_ARN, "v2")
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None
    assert (
        f"gate failed for solution user-personalization: {NDCG10} = 0.1800 is 0.0200 below the "
        f"serving version's 0.2000 (max_drop 0.01): challenger {challenger} champion {champion}"
    ) in result.failure.reason
    # AND the campaign kept serving the champion: it was never asked to switch
    assert world.calls(mark, "UpdateCampaign") == []
    assert served(world) == champion


def test_a_retrain_0_005_below_the_serving_version_passes(world: World) -> None:
    # GIVEN a campaign serving a version with NDCG@10 0.20
    champion = serving(world, "v1", 0.20)
    # WHEN a retrain comes out 0.005 below it (max_drop 0.01)
    challenger = serving(world, "v2", 0.195)
    # THEN it serves, and it recorded the version served when its training started
    assert champion_tag(world, challenger) == champion


def test_fails_when_the_drop_is_checked_by_a_later_wait_link(world: World) -> None:
    # GIVEN a campaign serving a version, and a retrain that takes 3 hours (wait link 3 sees ACTIVE)
    champion = serving(world, "v1", 0.20)
    world.fake.durations.training = 3 * 3600
    # WHEN the retrain comes out 0.02 below it
    next_versions_score(world, 0.18)
    result = world.deploy(relative_gates("v2"))
    # THEN the link that saw it ACTIVE read the champion recorded hours before, and failed
    assert result.failure is not None
    assert result.failure.logical_id == "TrainingUserPersonalizationWait3"
    assert f"champion {champion}" in result.failure.reason
    assert served(world) == champion


def test_a_rollback_to_an_old_version_is_not_checked_against_a_newer_champion(world: World) -> None:
    # GIVEN v2 (NDCG@10 0.195, 0.005 below v1) serving
    serving(world, "v1", 0.20)
    old = serving(world, "v2", 0.195)
    # WHEN v3 (0.25) trains, passes and is served, then a later resource fails: the stack rolls back
    next_versions_score(world, 0.25)
    world.sim.inject_failure(SUMMARY_PARAMETER, "injected after the campaign moved", after=3 * 3600)
    mark = world.mark()
    result = world.deploy(relative_gates("v3"))
    newer = world.version_named(SOLUTION_ARN, "v3")
    moves = [c.params["solutionVersionArn"] for c in world.calls(mark, "UpdateCampaign")]
    assert moves == [newer, old]
    # THEN the rollback completes back on v2, though v2 is 0.055 below v3: v2 is never compared
    # with v3, only (if at all) with the champion its own training recorded, v1
    assert result.status == "UPDATE_ROLLBACK_COMPLETE", result.failure
    assert served(world) == old
    assert champion_tag(world, newer) == old


def test_returning_to_an_old_version_by_config_does_not_retrain_nor_meet_the_newer_champion(
    world: World,
) -> None:
    # GIVEN v2 (0.195) recorded v1 (0.20) as its champion, and v3 (0.25) serves now
    serving(world, "v1", 0.20)
    old = serving(world, "v2", 0.195)
    newer = serving(world, "v3", 0.25)
    mark = world.mark()
    # WHEN the config goes back to trigger v2
    result = world.deploy(relative_gates("v2"))
    # THEN no training starts and v2 serves again: 0.055 below v3 does not count against it
    assert result.ok, result.failure
    assert world.created_versions(mark) == []
    assert served(world) == old
    assert champion_tag(world, old) not in (None, newer)

import json
import re
from dataclasses import replace
from typing import Any
from unittest.mock import ANY

import pytest

from lambda_handlers import campaign_state, constants
from lambda_handlers.errors import DeployError
from tests.unit import CAMPAIGN_ARN, OWNER, PREFIX, SOLUTION_ARN, STACK_ID, World, event

GROUP_ARN = f"{PREFIX}:dataset-group/shop"
CONFIG = {
    "enableMetadataWithRecommendations": True,
    "syncWithLatestSolutionVersion": False,
    "itemExplorationConfig": {"explorationItemAgeCutOff": "30", "explorationWeight": "0.3"},
}
ADOPTED_ID = f"adopted:{CAMPAIGN_ARN}"
DATA = {"CampaignArn": CAMPAIGN_ARN}
STARTED = {**DATA, "StartedAt": ANY}  # onEvent records when the wait began


def props(version_arn: str, **changes: str) -> dict[str, str]:
    return {
        "Name": "shop-up",
        "SolutionVersionArn": version_arn,
        "MinProvisionedTPS": "1",
        "CampaignConfig": json.dumps(CONFIG, sort_keys=True),
        "Tags": "[]",
        **changes,
    }


def campaign_event(request_type: str, props: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    return event(request_type, constants.CAMPAIGN_TYPE, props, **kwargs)


def trained(w: World) -> tuple[str, str]:
    """A solution with two ACTIVE versions: (old, new)."""
    w.fake.seed_solution(GROUP_ARN, "shop-up")
    old = w.fake.seed_solution_version(SOLUTION_ARN)
    return old, w.fake.seed_solution_version(SOLUTION_ARN)


def served(w: World) -> dict[str, Any]:
    return w.describe("DescribeCampaign", campaignArn=CAMPAIGN_ARN)["campaign"]


def test_create_makes_the_campaign_with_tps_config_and_owner_tag(w):
    _, new = trained(w)
    # WHEN created and polled until ACTIVE
    result = w.run(campaign_event("Create", props(new, Tags='[{"tagKey": "team", "tagValue": "recs"}]')))
    # THEN one campaign serving the version with the declared TPS and config, tagged with its owner
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": STARTED}
    live = served(w)
    assert (live["status"], live["solutionVersionArn"], live["minProvisionedTPS"]) == ("ACTIVE", new, 1)
    assert live["campaignConfig"]["enableMetadataWithRecommendations"] is True
    assert live["campaignConfig"]["itemExplorationConfig"] == {
        "explorationWeight": "0.3",
        "explorationItemAgeCutOff": "30",
    }
    assert w.tags(CAMPAIGN_ARN) == {"team": "recs", "personalize-cdk:owner": OWNER}
    assert w.counts() == {"CreateCampaign": 1}


def test_a_duplicated_create_continues_with_its_own_creating_campaign(w):
    # GIVEN the campaign an earlier delivery of this Create made, still being created
    _, new = trained(w)
    w.on_event(campaign_event("Create", props(new)))
    # WHEN the Create comes again THEN the plain ARN, no second campaign, no update
    result = w.run(campaign_event("Create", props(new)))
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": STARTED}
    assert w.counts() == {"CreateCampaign": 1}
    # AND the stack's delete deletes it
    w.run(campaign_event("Delete", {}, physical_id=CAMPAIGN_ARN))
    assert not w.fake.exists(CAMPAIGN_ARN)


def test_a_retried_create_moves_its_own_campaign_to_the_desired_version(w):
    # GIVEN our own campaign (a deploy that failed before recording it) serving the older version
    old, new = trained(w)
    w.run(campaign_event("Create", props(old)))
    # WHEN created again for the new version THEN updated to it and kept as ours (plain ARN)
    result = w.run(campaign_event("Create", props(new)))
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": STARTED}
    assert served(w)["solutionVersionArn"] == new
    assert w.counts() == {"CreateCampaign": 1, "UpdateCampaign": 1}


@pytest.mark.parametrize(
    ("stack_id", "logical_id", "expected"),
    [
        (
            STACK_ID.replace("/app/", "/other-app/"),
            "Resource",
            "campaign shop-up belongs to stack other-app (logical id Resource); give this one another name",
        ),
        (STACK_ID, "OtherCampaign", "campaign shop-up belongs to this stack as OtherCampaign, not Resource"),
    ],
    ids=["another-stack", "another-logical-id"],
)
def test_fails_when_the_campaign_is_owned_by_another_resource(w, stack_id, logical_id, expected):
    # GIVEN a same-named campaign made by another stack, or by another resource of this stack
    _, new = trained(w)
    with w.serving(stack_id):
        w.run(campaign_event("Create", props(new), stack_id=stack_id, logical_id=logical_id))
    mark = len(w.fake.calls)
    # WHEN created THEN refused at once, naming the owner; that campaign is never updated
    with pytest.raises(DeployError, match=re.escape(expected)):
        w.run(campaign_event("Create", props(new, MinProvisionedTPS="3")))
    assert [c.operation for c in w.fake.calls[mark:] if c.operation not in ("DescribeCampaign",)] == [
        "CreateCampaign",
        "ListTagsForResource",
    ]


def test_fails_when_the_quota_of_campaigns_is_full(w):
    # GIVEN a dataset group at Personalize's campaigns quota
    _, new = trained(w)
    w.fake.limits = replace(w.fake.limits, campaigns_per_dataset_group=0)
    # WHEN the campaign is created THEN one line naming the quota and the config field
    with pytest.raises(DeployError) as failure:
        w.run(campaign_event("Create", props(new)))
    assert failure.value.message.startswith(
        "campaign shop-up: Personalize refused to create it (LimitExceededException: Limit of 0 campaigns"
    )
    assert "set quotas.campaigns in the config" in failure.value.message


def test_create_adopts_the_notebooks_campaign_and_moves_it_to_the_desired_version(w):
    # GIVEN the notebook's campaign serving the older version
    old, new = trained(w)
    w.fake.call("CreateCampaign", {"name": "shop-up", "solutionVersionArn": old, "minProvisionedTPS": 1})
    w.clock.advance(600)
    # WHEN created THEN adopted (released on delete) and serving the desired version
    result = w.run(campaign_event("Create", props(new)))
    assert result == {"PhysicalResourceId": ADOPTED_ID, "Data": STARTED}
    assert served(w)["solutionVersionArn"] == new
    assert w.count("UpdateCampaign") == 1


def test_create_adopts_a_campaign_being_updated_and_updates_it_once_idle(w):
    # GIVEN the notebook's campaign in the middle of an update
    old, new = trained(w)
    w.fake.call("CreateCampaign", {"name": "shop-up", "solutionVersionArn": old, "minProvisionedTPS": 1})
    w.clock.advance(600)
    w.fake.call("UpdateCampaign", {"campaignArn": CAMPAIGN_ARN, "minProvisionedTPS": 2})
    # WHEN created THEN onEvent writes nothing; isComplete updates it once idle
    raw = campaign_event("Create", props(new))
    result = w.on_event(raw)
    assert result["PhysicalResourceId"] == ADOPTED_ID
    assert w.count("UpdateCampaign") == 1
    w.run(raw)
    assert (served(w)["solutionVersionArn"], served(w)["minProvisionedTPS"]) == (new, 1)
    assert w.count("UpdateCampaign") == 2


def test_fails_when_the_campaign_is_create_failed_with_its_reason(w):
    _, new = trained(w)
    w.fake.fail_next_campaign_create("version not ACTIVE")
    with pytest.raises(DeployError) as failure:
        w.run(campaign_event("Create", props(new)))
    assert failure.value.message == "campaign shop-up failed: version not ACTIVE"


def test_an_update_waits_out_another_update_then_serves_the_new_version(w):
    # GIVEN our campaign on the old version, busy with another update (ResourceInUse)
    old, new = trained(w)
    w.run(campaign_event("Create", props(old)))
    w.fake.call("UpdateCampaign", {"campaignArn": CAMPAIGN_ARN, "minProvisionedTPS": 3})
    # WHEN updated to the new version and polled
    raw = campaign_event("Update", props(new), physical_id=CAMPAIGN_ARN, old_props=props(old))
    result = w.run(raw)
    # THEN it serves the new version with the declared TPS
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": STARTED}
    assert (served(w)["solutionVersionArn"], served(w)["minProvisionedTPS"]) == (new, 1)
    assert w.counts() == {"CreateCampaign": 1, "UpdateCampaign": 2}


def test_fails_when_the_update_to_the_desired_state_failed_with_its_reason(w):
    # GIVEN our campaign on the old version, and an update to the new one that Personalize fails
    old, new = trained(w)
    w.run(campaign_event("Create", props(old)))
    w.fake.fail_next_campaign_update("solution version is not ACTIVE")
    # WHEN updated and polled THEN fail with the reason, saying what it still serves
    with pytest.raises(DeployError) as failure:
        w.run(campaign_event("Update", props(new), physical_id=CAMPAIGN_ARN, old_props=props(old)))
    assert failure.value.message == (
        f"campaign shop-up: update failed: solution version is not ACTIVE; it still serves {old}"
    )
    assert served(w)["solutionVersionArn"] == old


def test_update_with_a_new_name_creates_the_new_campaign(w):
    _, new = trained(w)
    w.run(campaign_event("Create", props(new)))
    raw = campaign_event(
        "Update", props(new, Name="shop-up-2"), physical_id=CAMPAIGN_ARN, old_props=props(new)
    )
    assert w.run(raw)["PhysicalResourceId"] == f"{CAMPAIGN_ARN}-2"
    assert w.counts() == {"CreateCampaign": 2}


def test_delete_deletes_and_waits_until_gone(w):
    _, new = trained(w)
    w.run(campaign_event("Create", props(new)))
    w.run(campaign_event("Delete", {}, physical_id=CAMPAIGN_ARN))
    assert not w.fake.exists(CAMPAIGN_ARN)
    assert w.count("DeleteCampaign") == 1


def test_delete_of_a_campaign_being_updated_is_retried_until_gone(w):
    # GIVEN our campaign in the middle of an update (DeleteCampaign answers ResourceInUse)
    _, new = trained(w)
    w.run(campaign_event("Create", props(new)))
    w.fake.call("UpdateCampaign", {"campaignArn": CAMPAIGN_ARN, "minProvisionedTPS": 2})
    # WHEN deleted and polled THEN gone
    w.run(campaign_event("Delete", {}, physical_id=CAMPAIGN_ARN))
    assert not w.fake.exists(CAMPAIGN_ARN)
    assert len(w.fake.calls_named("DeleteCampaign")) > w.count("DeleteCampaign") == 1


def test_delete_of_a_missing_campaign_succeeds(w):
    assert w.run(campaign_event("Delete", {}, physical_id=CAMPAIGN_ARN))["PhysicalResourceId"] == CAMPAIGN_ARN
    assert w.counts() == {}


def test_differences_normalise_values_and_use_api_defaults():
    # GIVEN declared values in other spellings than the API's WHEN compared THEN equal
    version = f"{SOLUTION_ARN}/v1"
    desired = campaign_state.Desired(
        version,
        2,
        {
            "syncWithLatestSolutionVersion": False,
            "itemExplorationConfig": {"explorationWeight": "0.3"},
            "rankingInfluence": {"FRESHNESS": 1.0},
        },
    )
    state = {
        "solutionVersionArn": version,
        "minProvisionedTPS": 2,
        "campaignConfig": {
            "itemExplorationConfig": {"explorationWeight": "0.30", "explorationItemAgeCutOff": "30"},
            "rankingInfluence": {"FRESHNESS": 1, "POPULARITY": 0.0},
        },
    }
    assert campaign_state.differences(desired, state) == []
    # WHEN the TPS and a declared key differ THEN both are named
    changed = {**state, "minProvisionedTPS": 1, "campaignConfig": {"syncWithLatestSolutionVersion": True}}
    assert campaign_state.differences(desired, changed) == [
        "minProvisionedTPS",
        "campaignConfig.syncWithLatestSolutionVersion",
        "campaignConfig.itemExplorationConfig",
        "campaignConfig.rankingInfluence",
    ]


def test_sync_with_latest_matches_any_version_of_the_same_solution_only():
    # GIVEN syncWithLatestSolutionVersion: the desired SolutionVersionArn is {solution}/$LATEST
    desired = campaign_state.Desired(f"{SOLUTION_ARN}/$LATEST", 1, {})
    # THEN any version of that solution matches, a version of another solution does not
    assert (
        campaign_state.differences(
            desired, {"solutionVersionArn": f"{SOLUTION_ARN}/v9", "minProvisionedTPS": 1}
        )
        == []
    )
    other = {"solutionVersionArn": f"{SOLUTION_ARN}-2/v1", "minProvisionedTPS": 1}
    assert campaign_state.differences(desired, other) == ["solutionVersionArn"]

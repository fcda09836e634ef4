import json
from typing import Any

import pytest

from lambda_handlers import campaign, constants
from lambda_handlers.errors import DeployError
from lambda_handlers.events import Event
from tests.unit import (
    CAMPAIGN_ARN,
    OLD_VERSION_ARN,
    OWNER_TAG,
    SOLUTION_ARN,
    STACK_ID,
    VERSION_ARN,
    Harness,
    then_complete,
)
from tests.unit import event as make_event

CONFIG = {
    "enableMetadataWithRecommendations": True,
    "syncWithLatestSolutionVersion": False,
    "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
}
PROPS = {
    "Name": "shop-up",
    "SolutionVersionArn": VERSION_ARN,
    "MinProvisionedTPS": "1",
    "CampaignConfig": json.dumps(CONFIG, sort_keys=True),
    "Tags": "[]",
}
ADOPTED_ID = f"adopted:{CAMPAIGN_ARN}"
DATA = {"CampaignArn": CAMPAIGN_ARN}
UPDATE_PARAMS = {
    "campaignArn": CAMPAIGN_ARN,
    "solutionVersionArn": VERSION_ARN,
    "minProvisionedTPS": 1,
    "campaignConfig": CONFIG,
}


def event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, constants.CAMPAIGN_TYPE, props or PROPS, **kwargs)


def described(
    status: str = "ACTIVE",
    version: str = VERSION_ARN,
    tps: int = 1,
    config: dict[str, Any] | None = None,
    update: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "shop-up",
        "campaignArn": CAMPAIGN_ARN,
        "solutionVersionArn": version,
        "minProvisionedTPS": tps,
        # the API fills defaults and returns exploration values as strings
        "campaignConfig": config
        or {
            "enableMetadataWithRecommendations": True,
            "syncWithLatestSolutionVersion": False,
            "itemExplorationConfig": {"explorationWeight": "0.30", "explorationItemAgeCutOff": "30"},
            "rankingInfluence": {"POPULARITY": 0.0},
        },
        "status": status,
        **extra,
    }
    if update:
        body["latestCampaignUpdate"] = update
    return {"campaign": body}


CREATE_PARAMS = {
    "name": "shop-up",
    "solutionVersionArn": VERSION_ARN,
    "minProvisionedTPS": 1,
    "campaignConfig": CONFIG,
    "tags": [OWNER_TAG],
}


def expect_describe(h: Harness, response: dict[str, Any]) -> None:
    h.expect("describe_campaign", {"campaignArn": CAMPAIGN_ARN}, response)


def expect_tags(h: Harness, *tags: dict[str, str]) -> None:
    """ListTagsForResource of the campaign: an unrelated tag plus `tags`."""
    found = [{"tagKey": "team", "tagValue": "data-science"}, *tags]
    h.expect("list_tags_for_resource", {"resourceArn": CAMPAIGN_ARN}, {"tags": found})


def test_create_makes_the_campaign_with_tps_config_and_owner_tag(h):
    h.expect("create_campaign", CREATE_PARAMS, {"campaignArn": CAMPAIGN_ARN})
    assert h.on_event(event("Create")) == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}


def test_create_sends_the_declared_tags_and_the_owner_tag(h):
    props = {**PROPS, "Tags": '[{"tagKey": "team", "tagValue": "recs"}]'}
    params = {**CREATE_PARAMS, "tags": [{"tagKey": "team", "tagValue": "recs"}, OWNER_TAG]}
    h.expect("create_campaign", params, {"campaignArn": CAMPAIGN_ARN})
    assert h.on_event(event("Create", props))["PhysicalResourceId"] == CAMPAIGN_ARN


def test_a_duplicated_create_continues_with_its_own_creating_campaign(h):
    # GIVEN the campaign an earlier delivery of this Create made, still being created
    h.fail("create_campaign", "ResourceAlreadyExistsException", CREATE_PARAMS)
    expect_tags(h, OWNER_TAG)
    expect_describe(h, described("CREATE IN_PROGRESS"))
    # WHEN the Create comes again THEN the plain ARN, no write: the stack deletes it later
    result = h.on_event(event("Create"))
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}
    h.expect("delete_campaign", {"campaignArn": CAMPAIGN_ARN})
    h.on_event(event("Delete", physical_id=result["PhysicalResourceId"]))


def test_a_retried_create_reconciles_its_own_campaign_like_an_update(h):
    # GIVEN our own campaign (a deploy that failed before recording it) serving an older version
    h.fail("create_campaign", "ResourceAlreadyExistsException")
    expect_tags(h, OWNER_TAG)
    expect_describe(h, described(version=OLD_VERSION_ARN))
    h.expect("update_campaign", UPDATE_PARAMS, {"campaignArn": CAMPAIGN_ARN})
    # WHEN created again THEN updated to the desired state and kept as ours (plain ARN)
    assert h.on_event(event("Create")) == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}


@pytest.mark.parametrize(
    ("stack_id", "logical_id"),
    [(STACK_ID.replace("/app/", "/other-app/"), "Resource"), (STACK_ID, "OtherCampaign")],
    ids=["another-stack", "another-logical-id"],
)
def test_a_campaign_owned_by_another_resource_is_adopted_and_released(h, stack_id, logical_id):
    # GIVEN a same-named campaign made by another stack, or another resource of this stack
    h.fail("create_campaign", "ResourceAlreadyExistsException")
    expect_tags(h, {"tagKey": constants.OWNER_TAG, "tagValue": f"{stack_id}/{logical_id}"})
    expect_describe(h, described())
    # WHEN created THEN adopted: the stack's delete releases it without a call
    result = h.on_event(event("Create"))
    assert result == {"PhysicalResourceId": ADOPTED_ID, "Data": DATA}
    h.on_event(event("Delete", physical_id=result["PhysicalResourceId"]))
    assert any("releasing adopted campaign" in line for line in h.logs)


def test_fails_when_a_campaign_is_gone_between_create_and_tag_lookup(h):
    # GIVEN ResourceAlreadyExists, then ResourceNotFound from ListTagsForResource (deleted meanwhile)
    h.fail("create_campaign", "ResourceAlreadyExistsException")
    h.fail("list_tags_for_resource", "ResourceNotFoundException", {"resourceArn": CAMPAIGN_ARN})
    h.fail("describe_campaign", "ResourceNotFoundException", {"campaignArn": CAMPAIGN_ARN})
    # WHEN created THEN a clear failure (the next deploy creates it afresh), never a silent adoption
    with pytest.raises(DeployError, match="not found"):
        h.on_event(event("Create"))


def test_create_adopts_an_existing_campaign_and_updates_it_to_the_desired_version(h):
    # GIVEN the notebook's campaign serving an older version
    h.fail("create_campaign", "ResourceAlreadyExistsException")
    expect_tags(h)
    expect_describe(h, described(version=OLD_VERSION_ARN))
    h.expect("update_campaign", UPDATE_PARAMS, {"campaignArn": CAMPAIGN_ARN})
    # WHEN created THEN adopted (released on delete) and updated to the desired version
    assert h.on_event(event("Create")) == {"PhysicalResourceId": ADOPTED_ID, "Data": DATA}


def test_create_adopts_a_busy_campaign_without_updating_it(h):
    h.fail("create_campaign", "ResourceAlreadyExistsException")
    expect_tags(h)
    expect_describe(h, described(version=OLD_VERSION_ARN, update={"status": "CREATE IN_PROGRESS"}))
    assert h.on_event(event("Create"))["PhysicalResourceId"] == ADOPTED_ID


def test_is_complete_waits_for_creation_then_compares_declared_keys_only(h):
    raw = then_complete({"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}, event("Create"))
    expect_describe(h, described("CREATE IN_PROGRESS"))
    expect_describe(h, described())
    assert h.is_complete(raw) == {"IsComplete": False}
    assert h.is_complete(raw) == {"IsComplete": True, "Data": DATA}


def test_fails_when_the_campaign_is_create_failed_with_its_reason(h):
    raw = then_complete({"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}, event("Create"))
    expect_describe(h, described("CREATE FAILED", failureReason="version not ACTIVE"))
    with pytest.raises(DeployError, match=r"^campaign shop-up failed: version not ACTIVE$"):
        h.is_complete(raw)


def test_update_in_use_is_waited_out_by_is_complete(h):
    # GIVEN a new version while another update runs (ResourceInUse)
    old = {**PROPS, "SolutionVersionArn": OLD_VERSION_ARN}
    raw = event("Update", physical_id=CAMPAIGN_ARN, old_props=old)
    expect_describe(h, described(version=OLD_VERSION_ARN))
    h.fail("update_campaign", "ResourceInUseException", UPDATE_PARAMS)
    result = h.on_event(raw)
    assert result == {"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}
    # WHEN polled THEN the update is issued again until accepted, then awaited
    poll = then_complete(result, raw)
    expect_describe(h, described(version=OLD_VERSION_ARN))
    h.fail("update_campaign", "ResourceInUseException", UPDATE_PARAMS)
    assert h.is_complete(poll) == {"IsComplete": False}
    expect_describe(h, described(version=OLD_VERSION_ARN))
    h.expect("update_campaign", UPDATE_PARAMS, {"campaignArn": CAMPAIGN_ARN})
    assert h.is_complete(poll) == {"IsComplete": False}
    expect_describe(h, described(version=OLD_VERSION_ARN, update={"status": "CREATE IN_PROGRESS"}))
    assert h.is_complete(poll) == {"IsComplete": False}
    # THEN complete once the campaign serves the new version
    expect_describe(h, described(update={"status": "ACTIVE", "solutionVersionArn": VERSION_ARN}))
    assert h.is_complete(poll) == {"IsComplete": True, "Data": DATA}


def test_fails_when_the_update_to_the_desired_state_failed_with_its_reason(h):
    # GIVEN the latest update, for exactly the desired state, FAILED
    failed = {
        "status": "CREATE FAILED",
        "failureReason": "solution version is not ACTIVE",
        "solutionVersionArn": VERSION_ARN,
        "minProvisionedTPS": 1,
        "campaignConfig": CONFIG,
    }
    raw = then_complete(
        {"PhysicalResourceId": ADOPTED_ID, "Data": DATA},
        event("Update", physical_id=ADOPTED_ID, old_props=PROPS),
    )
    expect_describe(h, described(version=OLD_VERSION_ARN, update=failed))
    # WHEN polled THEN fail with the reason, saying what it still serves
    with pytest.raises(DeployError) as failure:
        h.is_complete(raw)
    assert failure.value.message == (
        f"campaign shop-up: update failed: solution version is not ACTIVE; it still serves {OLD_VERSION_ARN}"
    )


def test_update_with_a_new_name_creates_the_new_campaign(h):
    new = {**PROPS, "Name": "shop-up-2"}
    h.expect(
        "create_campaign",
        {
            "name": "shop-up-2",
            "solutionVersionArn": VERSION_ARN,
            "minProvisionedTPS": 1,
            "campaignConfig": CONFIG,
            "tags": [OWNER_TAG],
        },
        {"campaignArn": CAMPAIGN_ARN + "-2"},
    )
    result = h.on_event(event("Update", new, physical_id=CAMPAIGN_ARN, old_props=PROPS))
    assert result["PhysicalResourceId"] == CAMPAIGN_ARN + "-2"


def test_delete_deletes_and_waits_until_gone(h):
    raw = event("Delete", physical_id=CAMPAIGN_ARN)
    h.expect("delete_campaign", {"campaignArn": CAMPAIGN_ARN})
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == CAMPAIGN_ARN
    expect_describe(h, described("DELETE IN_PROGRESS"))
    h.fail("describe_campaign", "ResourceNotFoundException", {"campaignArn": CAMPAIGN_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": False}
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_delete_in_use_is_tried_again(h):
    raw = event("Delete", physical_id=CAMPAIGN_ARN)
    h.fail("delete_campaign", "ResourceInUseException", {"campaignArn": CAMPAIGN_ARN})
    result = h.on_event(raw)
    expect_describe(h, described("ACTIVE", update={"status": "CREATE IN_PROGRESS"}))
    h.expect("delete_campaign", {"campaignArn": CAMPAIGN_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": False}


def test_delete_of_a_missing_campaign_succeeds(h):
    raw = event("Delete", physical_id=CAMPAIGN_ARN)
    h.fail("delete_campaign", "ResourceNotFoundException", {"campaignArn": CAMPAIGN_ARN})
    result = h.on_event(raw)
    h.fail("describe_campaign", "ResourceNotFoundException", {"campaignArn": CAMPAIGN_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_delete_of_an_adopted_campaign_releases_it_without_a_call(h):
    raw = event("Delete", physical_id=ADOPTED_ID)
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == ADOPTED_ID
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_differences_normalise_values_and_use_api_defaults():
    # GIVEN declared values in other spellings than the API's WHEN compared THEN equal
    desired = campaign.Desired(
        VERSION_ARN,
        2,
        campaign.api_config(
            {
                "syncWithLatestSolutionVersion": False,
                "itemExplorationConfig": {"explorationWeight": 0.3},
                "rankingInfluence": {"FRESHNESS": 1},
            }
        ),
    )
    state = {
        "solutionVersionArn": VERSION_ARN,
        "minProvisionedTPS": 2,
        "campaignConfig": {
            "itemExplorationConfig": {"explorationWeight": "0.30", "explorationItemAgeCutOff": "30"},
            "rankingInfluence": {"FRESHNESS": 1.0, "POPULARITY": 0.0},
        },
    }
    assert campaign.differences(desired, state) == []
    # WHEN the TPS and a declared key differ THEN both are named
    changed = {**state, "minProvisionedTPS": 1, "campaignConfig": {"syncWithLatestSolutionVersion": True}}
    assert campaign.differences(desired, changed) == [
        "minProvisionedTPS",
        "campaignConfig.syncWithLatestSolutionVersion",
        "campaignConfig.itemExplorationConfig",
        "campaignConfig.rankingInfluence",
    ]


def test_sync_with_latest_matches_any_version_of_the_same_solution(h):
    # GIVEN syncWithLatestSolutionVersion: the desired SolutionVersionArn is {solution}/$LATEST
    latest_config = {**CONFIG, "syncWithLatestSolutionVersion": True}
    props = {
        **PROPS,
        "SolutionVersionArn": f"{SOLUTION_ARN}/$LATEST",
        "CampaignConfig": json.dumps(latest_config, sort_keys=True),
    }
    raw = then_complete({"PhysicalResourceId": CAMPAIGN_ARN, "Data": DATA}, event("Update", props))
    served = {
        **latest_config,
        "itemExplorationConfig": {"explorationWeight": "0.30", "explorationItemAgeCutOff": "30"},
    }
    # WHEN the campaign reports the concrete version it serves THEN complete, no UpdateCampaign
    expect_describe(h, described(version=OLD_VERSION_ARN, config=served))
    assert h.is_complete(raw) == {"IsComplete": True, "Data": DATA}
    # and a version of another solution (even one whose name extends this one's) still differs
    desired = campaign.Desired.of(Event.from_raw(raw))
    other = {"solutionVersionArn": f"{SOLUTION_ARN}-2/v1", "minProvisionedTPS": 1, "campaignConfig": served}
    assert campaign.differences(desired, other) == ["solutionVersionArn"]
    assert campaign.differences(desired, {**other, "solutionVersionArn": VERSION_ARN}) == []

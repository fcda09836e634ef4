"""Custom::PersonalizeTags, the config's tag changes (`kernel.tagging`), and the adoption record's
encoding (`kernel.adoption`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_handlers import constants
from lambda_handlers.kernel import adoption
from tests.unit import World, event

TEAM = {"tagKey": "team", "tagValue": "recs"}


def tags_event(
    request_type: str, arns: list[str], tags: list[dict[str, str]], **kwargs: Any
) -> dict[str, Any]:
    props = {"ResourceArns": " ".join(arns), "Tags": json.dumps(tags), "RetainOnStackDelete": "false"}
    return event(request_type, constants.TAGS_TYPE, props, **kwargs)


def tags_of(w: World, arn: str) -> dict[str, str]:
    return {t["tagKey"]: t["tagValue"] for t in w.describe("ListTagsForResource", resourceArn=arn)["tags"]}


def test_create_tags_every_resource_once_and_delete_removes_only_the_config_keys(w: World) -> None:
    # GIVEN a dataset group that already carries a tag of someone else's
    group = w.dataset_group
    w.describe("TagResource", resourceArn=group, tags=[{"tagKey": "owner", "tagValue": "ops"}])
    # WHEN the resource is created, then deleted
    created = w.run(tags_event("Create", [group], [TEAM]))
    assert tags_of(w, group) == {"owner": "ops", "team": "recs"}
    w.run(tags_event("Delete", [group], [TEAM], physical_id=created["PhysicalResourceId"]))
    # THEN one TagResource, one UntagResource of the config's key; the other tag stays
    assert tags_of(w, group) == {"owner": "ops"}
    assert w.counts() == {"TagResource": 2, "UntagResource": 1}  # the seed's own TagResource, ours


def test_an_update_tags_changed_keys_untags_dropped_ones_and_never_touches_ours(w: World) -> None:
    group = w.dataset_group
    old = [TEAM, {"tagKey": "cost", "tagValue": "a"}, {"tagKey": constants.OWNER_TAG, "tagValue": "x/y"}]
    new = [TEAM, {"tagKey": "cost", "tagValue": "b"}, {"tagKey": "env", "tagValue": "dev"}]
    w.run(tags_event("Create", [group], old))
    before = w.counts()
    # WHEN cost changes, env is added, the owner-tag-named key is dropped from the config
    w.run(
        tags_event(
            "Update",
            [group],
            new,
            physical_id="app/Resource/tags",
            old_props=tags_event("Update", [group], old)["ResourceProperties"],
        )
    )
    # THEN one TagResource of the changed and the new key; no UntagResource (the owner key is ours)
    calls = w.fake.calls_named("TagResource", only_ok=True)[-1].params["tags"]
    assert calls == [{"tagKey": "cost", "tagValue": "b"}, {"tagKey": "env", "tagValue": "dev"}]
    assert w.counts() == {**before, "TagResource": before["TagResource"] + 1}
    assert tags_of(w, group) == {"team": "recs", "cost": "b", "env": "dev"}


def test_a_delete_of_a_resource_already_gone_succeeds(w: World) -> None:
    gone = w.dataset_group.replace("dataset-group/shop", "dataset-group/gone")
    result = w.run(tags_event("Delete", [gone], [TEAM], physical_id="app/Resource/tags"))
    assert result["PhysicalResourceId"] == "app/Resource/tags"
    assert w.counts() == {}


@pytest.mark.parametrize("size", [0, 10, 400])
def test_a_recorded_state_of_any_length_fits_tag_values_and_reads_back(size: int) -> None:
    state = {"campaignConfig": {"rankingInfluence": {"x" * size: 0.5}}, "minProvisionedTPS": 3}
    tags = adoption.encode(state)
    assert all(len(value) <= adoption.MAX_TAG_VALUE for value in tags.values())
    assert len(tags) == (1 if size < 100 else 3)
    assert adoption.decode(tags) == state


def test_an_update_delivered_twice_ends_the_same_and_a_rollback_update_puts_the_old_tags_back(
    w: World,
) -> None:
    # GIVEN the group tagged team=recs
    group = w.dataset_group
    old = tags_event("Create", [group], [TEAM])["ResourceProperties"]
    w.run(tags_event("Create", [group], [TEAM]))
    new = [{"tagKey": "team", "tagValue": "search"}, {"tagKey": "env", "tagValue": "dev"}]
    forward = tags_event("Update", [group], new, physical_id="app/Resource/tags", old_props=old)
    # WHEN the Update is delivered twice
    answers = [w.run(forward)["PhysicalResourceId"] for _ in range(2)]
    # THEN the same id, the same tags
    assert answers == ["app/Resource/tags"] * 2
    assert tags_of(w, group) == {"team": "search", "env": "dev"}
    # AND WHEN CloudFormation rolls it back (an Update back to the old properties)
    back = tags_event(
        "Update", [group], [TEAM], physical_id="app/Resource/tags", old_props=forward["ResourceProperties"]
    )
    w.run(back)
    # THEN the old tags only
    assert tags_of(w, group) == {"team": "recs"}

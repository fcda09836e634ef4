"""A tag edit in the config: one quiet Update, nothing replaced, every Personalize resource tagged.

The dataset group and datasets are tagged by `Custom::PersonalizeTags` (their CloudFormation
`Tags` is create-only), solutions and campaigns by their own handlers; filters and the event
tracker by CloudFormation (their `Tags` is updatable). Schemas are not tagged (IAM has no schema
resource type for TagResource; stacks/tagging.py UNTAGGED).
"""

from __future__ import annotations

import collections
import copy
from functools import cache
from typing import Any, Final

from lambda_handlers import constants
from simulation.cloudformation import DeployResult
from tests.scenarios.world import EVENT_TRACKER, World
from tests.support import synth

TEAM: Final = {"team": "recommendations"}  # the default config's tags
WITH_COST_CENTER: Final = {**TEAM, "cost-center": "ml-42"}
ADDED: Final = [{"tagKey": "cost-center", "tagValue": "ml-42"}]


@cache
def tagged(**tags: str) -> dict[str, Any]:
    """The default config with `tags` instead of its own."""
    raw = copy.deepcopy(synth.default_raw_config())
    raw["tags"] = dict(tags)
    return synth.template(synth.write_config(raw))


def tagged_by_the_stack(world: World) -> list[str]:
    """Every dataset group, dataset, solution and campaign in the account."""
    admin = world.admin
    groups = [g["datasetGroupArn"] for g in admin.list_dataset_groups()["datasetGroups"]]
    return sorted(
        [
            *groups,
            *(d["datasetArn"] for g in groups for d in admin.list_datasets(datasetGroupArn=g)["datasets"]),
            *(s["solutionArn"] for s in admin.list_solutions()["solutions"]),
            *(c["campaignArn"] for c in admin.list_campaigns()["campaigns"]),
        ]
    )


def declared_tags(world: World, arn: str) -> dict[str, str]:
    """The resource's tags that are not ours (`personalize-cdk:*`)."""
    tags = world.admin.list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["tagKey"]: t["tagValue"] for t in tags if not t["tagKey"].startswith(constants.OWN_TAG_PREFIX)}


def owner_tags(world: World) -> dict[str, str | None]:
    found = {}
    for arn in tagged_by_the_stack(world):
        tags = world.admin.list_tags_for_resource(resourceArn=arn)["tags"]
        found[arn] = next((t["tagValue"] for t in tags if t["tagKey"] == constants.OWNER_TAG), None)
    return found


def quiet(result: DeployResult, world: World, since_request: int) -> None:
    """Nothing created, replaced or deleted: every resource event is an update, every request an Update."""
    assert {e.action for e in result.events if e.logical_id != world.sim.stack_name} == {"UPDATE"}
    assert {r["RequestType"] for r in world.sim.requests[since_request:]} == {"Update"}


def test_a_tag_added_in_the_config_is_one_quiet_update_that_tags_every_resource(deployed: World) -> None:
    # GIVEN the default config deployed (tags: team)
    targets = tagged_by_the_stack(deployed)
    owners = owner_tags(deployed)
    mark, requests = deployed.mark(), len(deployed.sim.requests)
    # WHEN a tag is added to the config
    result = deployed.deploy(tagged(**WITH_COST_CENTER))
    # THEN one Update, nothing replaced, and the only writes: one TagResource of the new key on
    # each of the 6 resources (group, 2 datasets, 2 solutions, campaign); no retrain, no campaign
    # update, no schema tagged
    assert result.status == "UPDATE_COMPLETE", result.failure
    quiet(result, deployed, requests)
    writes = deployed.mutations(mark)
    assert collections.Counter(c.operation for c in writes) == {"TagResource": 6}
    assert sorted(c.params["resourceArn"] for c in writes) == targets and len(targets) == 6
    assert all(c.params["tags"] == ADDED for c in writes)
    # AND each carries both tags, its owner tag untouched; the schemas carry none
    assert all(declared_tags(deployed, arn) == WITH_COST_CENTER for arn in targets)
    schemas = [s["schemaArn"] for s in deployed.admin.list_schemas()["schemas"]]
    assert len(schemas) == 2 and all(declared_tags(deployed, arn) == {} for arn in schemas)
    assert owner_tags(deployed) == owners


def test_a_tag_removed_from_the_config_is_untagged_and_nothing_else(deployed: World) -> None:
    # GIVEN the config deployed with two tags
    assert deployed.deploy(tagged(**WITH_COST_CENTER)).status == "UPDATE_COMPLETE"
    targets = tagged_by_the_stack(deployed)
    owners = owner_tags(deployed)
    mark, requests = deployed.mark(), len(deployed.sim.requests)
    # WHEN one of them is removed
    result = deployed.deploy(tagged(**TEAM))
    # THEN one quiet Update whose only writes are an UntagResource of that key per resource
    assert result.status == "UPDATE_COMPLETE", result.failure
    quiet(result, deployed, requests)
    writes = deployed.mutations(mark)
    assert collections.Counter(c.operation for c in writes) == {"UntagResource": 6}
    assert sorted(c.params["resourceArn"] for c in writes) == targets
    assert all(c.params["tagKeys"] == ["cost-center"] for c in writes)
    assert all(declared_tags(deployed, arn) == TEAM for arn in targets)
    assert owner_tags(deployed) == owners


def test_fails_when_another_resource_fails_and_a_tag_edit_rolls_back_to_the_old_tags(deployed: World) -> None:
    # GIVEN the default config deployed (tags: team), and an event tracker whose update will fail
    # once the tag edit has reached the other resources
    targets = tagged_by_the_stack(deployed)
    deployed.fail_during(EVENT_TRACKER, after=120)
    mark = deployed.mark()
    # WHEN a tag is added and changed in the config
    result = deployed.deploy(tagged(team="search", **{"cost-center": "ml-42"}))
    # THEN the update rolls back, and every resource carries the old tags only: what the edit
    # tagged is tagged back (team) and untagged (cost-center), nothing else written
    assert result.status == "UPDATE_ROLLBACK_COMPLETE", result.failure
    assert all(declared_tags(deployed, arn) == TEAM for arn in targets)
    writes = deployed.mutations(mark)
    assert collections.Counter(c.operation for c in writes) == {"TagResource": 12, "UntagResource": 6}
    forward = [
        c
        for c in writes
        if c.operation == "TagResource" and c.params["tags"][0]["tagValue"] != "recommendations"
    ]
    assert sorted(c.params["resourceArn"] for c in forward) == targets
    assert all(c.params["tagKeys"] == ["cost-center"] for c in writes if c.operation == "UntagResource")

"""Upgrading a stack whose dataset group, schemas and datasets carry `Tags` (the config's tags, as
`Tags.of` wrote them before `Custom::PersonalizeTags`): that property is create-only, so its
removal would be a replacement CloudFormation refuses for custom-named resources. The config's
`dataset_group_tags_at_creation` keeps it unchanged (docs/lifecycle.md, Tags).
"""

from __future__ import annotations

import collections
import copy
import json
from functools import cache
from typing import Any, Final

import pytest

from ops.impact.model import REPLACE
from ops.impact.report import personalize_changes
from simulation.world import Snapshot
from stacks.tagging import CREATE_ONLY_TAGS, TAGS_ID
from tests.scenarios.iam_check import Recorder
from tests.scenarios.world import World, open_world, templates
from tests.support import synth

TEAM: Final = {"team": "recommendations"}  # the default config's tags
PROJECT: Final = "immersion-day-news"


def _create_only_tagged(resources: dict[str, Any]) -> list[str]:
    return sorted(lid for lid, r in resources.items() if r["Type"] in CREATE_ONLY_TAGS)


@cache
def created_with_tags() -> dict[str, Any]:
    """The default template in the shape stacks had before Custom::PersonalizeTags: the config's
    tags as `Tags` on the dataset group, schemas and datasets, and no tags resource."""
    template = copy.deepcopy(templates.default())
    resources = template["Resources"]
    dropped = [lid for lid in resources if lid == TAGS_ID or lid.startswith(f"{TAGS_ID}Policy")]
    assert len(dropped) == 2, dropped
    for lid in dropped:
        del resources[lid]
    assert not any(lid in json.dumps(template) for lid in dropped), "a reference to a dropped resource"
    for lid in _create_only_tagged(resources):
        resources[lid]["Properties"]["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(TEAM.items())]
    return template


@cache
def upgraded() -> dict[str, Any]:
    """The default config with `dataset_group_tags_at_creation` set to the tags it was created with."""
    raw = copy.deepcopy(synth.default_raw_config())
    raw["dataset_group_tags_at_creation"] = dict(TEAM)
    return synth.template(synth.write_config(raw))


@pytest.fixture(scope="module")
def deployed_with_tags() -> Snapshot:
    """A stack first deployed in the earlier shape (IAM-checked like any scenario)."""
    with open_world() as made:
        recorder = Recorder(made)
        with pytest.MonkeyPatch.context() as monkeypatch:
            recorder.wrap(monkeypatch)
            assert made.sim.assets is not None
            # the edited template is no assembly's: publish the default's file assets, the same files
            assert made.sim.assets(templates.default())
            result = made.deploy(created_with_tags())
        assert result.status == "CREATE_COMPLETE", result.failure
        assert recorder.denials() == []
        return made.snapshot()


def _arns(world: World) -> dict[str, str]:
    """Dataset group, schemas and datasets in the account → their ARN (by name)."""
    admin = world.admin
    groups = admin.list_dataset_groups()["datasetGroups"]
    found = {g["name"]: g["datasetGroupArn"] for g in groups}
    for g in groups:
        found.update(
            {
                d["name"]: d["datasetArn"]
                for d in admin.list_datasets(datasetGroupArn=g["datasetGroupArn"])["datasets"]
            }
        )
    found.update({s["name"]: s["schemaArn"] for s in admin.list_schemas()["schemas"]})
    return found


def _tags(world: World, arn: str) -> dict[str, str]:
    tags = world.admin.list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["tagKey"]: t["tagValue"] for t in tags}


def _account_tags(world: World, arns: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: _tags(world, arn) for name, arn in arns.items()}


def _expected(arns: dict[str, str]) -> dict[str, dict[str, str]]:
    """The group and datasets carry the tags; schemas none (CreateSchema takes no tags)."""
    return {name: {} if ":schema/" in arn else TEAM for name, arn in arns.items()}


def test_the_field_set_keeps_the_native_tags_and_the_upgrade_replaces_nothing(
    world: World, deployed_with_tags: Snapshot
) -> None:
    # GIVEN a stack whose dataset group, 2 schemas and 2 datasets were created with Tags team
    # (CloudFormation passes them to CreateDatasetGroup and CreateDataset; CreateSchema takes none)
    world.restore(deployed_with_tags)
    before = _arns(world)
    assert len(before) == 5 and _account_tags(world, before) == _expected(before)
    # AND the new code's template with dataset_group_tags_at_creation: {team: recommendations}
    template = upgraded()
    resources = template["Resources"]
    assert all(
        resources[lid]["Properties"]["Tags"] == created_with_tags()["Resources"][lid]["Properties"]["Tags"]
        for lid in _create_only_tagged(resources)
    )
    mark, requests = world.mark(), len(world.sim.requests)
    # WHEN it is deployed
    result = world.deploy(template)
    # THEN UPDATE_COMPLETE, nothing replaced or deleted: the only request is the tags resource's
    # Create, whose only writes are one TagResource (team) per dataset group and dataset
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert [(r["LogicalResourceId"], r["RequestType"]) for r in world.sim.requests[requests:]] == [
        (TAGS_ID, "Create")
    ]
    writes = world.mutations(mark)
    assert collections.Counter(c.operation for c in writes) == {"TagResource": 3}
    schemas = {arn for name, arn in before.items() if ":schema/" in arn}
    assert {c.params["resourceArn"] for c in writes} == set(before.values()) - schemas
    # AND every resource is the one it was, with its tags
    assert _arns(world) == before
    assert _account_tags(world, before) == _expected(before)
    # AND the impact report replaces nothing
    changes = personalize_changes(created_with_tags()["Resources"], resources, PROJECT)
    assert not [c for c in changes if c.kind == REPLACE]


def test_fails_when_the_field_is_omitted_the_replacement_is_refused_and_impact_names_it(
    world: World, deployed_with_tags: Snapshot
) -> None:
    # GIVEN the same stack, and the new code's template without the field (no Tags on them)
    world.restore(deployed_with_tags)
    before = _arns(world)
    template = templates.default()
    assert all(
        "Tags" not in template["Resources"][lid]["Properties"]
        for lid in _create_only_tagged(template["Resources"])
    )
    mark = world.mark()
    # WHEN it is deployed
    result = world.deploy(template)
    # THEN CloudFormation refuses to replace the custom-named resource and rolls back
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and "custom-named resource requires replacing" in result.failure.reason
    assert result.failure.logical_id in _create_only_tagged(template["Resources"])
    # AND not one Personalize write (the tags resource, which needs the group's and datasets'
    # ARNs, never ran): every resource is the one it was, with its tags
    writes = collections.Counter(c.operation for c in world.mutations(mark))
    assert writes == {}, writes
    assert _arns(world) == before
    assert _account_tags(world, before) == _expected(before)
    # AND the impact report names each of the 5 as replaced because its Tags changed, with the
    # fix, and what would follow them (the filter and event tracker of the replaced group)
    changes = personalize_changes(created_with_tags()["Resources"], template["Resources"], PROJECT)
    replaced = [c.text for c in changes if c.kind == REPLACE]
    by_tags = [text for text in replaced if "Tags changed" in text]
    assert len(by_tags) == 5 and all("set dataset_group_tags_at_creation" in text for text in by_tags)
    assert any(text.startswith("dataset group news replaced: Tags changed") for text in by_tags)
    assert all("dataset group replaced" in text for text in replaced if text not in by_tags)

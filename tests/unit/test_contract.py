"""The contract: what the constructs write is what the handlers and `ops/impact` read."""

import pytest

from lambda_handlers import contract
from lambda_handlers.contract import ContractError, Intrinsic


def test_a_campaign_travels_as_the_templates_strings_and_back():
    # GIVEN a campaign with every campaignConfig key set
    spec = contract.Campaign(
        name="shop-up",
        solution_version_arn="arn:aws:personalize:us-east-1:111111111111:solution/s/v1",
        min_provisioned_tps=2,
        campaign_config=contract.CampaignConfig(
            enable_metadata_with_recommendations=True,
            item_exploration=contract.ItemExploration(0.5, 7),
            ranking_influence={"POPULARITY": 1.0, "FRESHNESS": 0.5},
            sync_with_latest_solution_version=False,
        ),
        tags={"team": "recs"},
    )
    # WHEN written as properties THEN strings in the deployed stacks' names and encodings
    properties = spec.to_properties()
    assert properties == {
        "Name": "shop-up",
        "SolutionVersionArn": "arn:aws:personalize:us-east-1:111111111111:solution/s/v1",
        "MinProvisionedTPS": "2",
        "CampaignConfig": '{"enableMetadataWithRecommendations": true, "itemExplorationConfig": '
        '{"explorationItemAgeCutOff": "7", "explorationWeight": "0.5"}, "rankingInfluence": '
        '{"FRESHNESS": 0.5, "POPULARITY": 1.0}, "syncWithLatestSolutionVersion": false}',
        "Tags": '[{"tagKey": "team", "tagValue": "recs"}]',
        "RetainOnStackDelete": "false",
    }
    # AND read back THEN the same campaign
    assert contract.Campaign.from_properties(properties) == spec


def test_the_training_properties_keep_their_template_order_and_encoding():
    link = contract.TrainingWait(
        solution_version_arn="arn:v",
        link_index=4,
        is_last=True,
        link_seconds=1200,
        gates={"coverage": contract.Gate(minimum=0.1)},
    )
    assert list(link.to_properties().items()) == [
        ("SolutionVersionArn", "arn:v"),
        ("Trigger", "initial"),
        ("TrainingMode", "FULL"),
        ("Gates", '{"coverage": 0.1}'),
        ("LinkSeconds", "1200"),
        ("LinkIndex", "4"),
        ("IsLast", "true"),
        ("MaxWaitMinutes", "240"),
        ("SolutionName", ""),
    ]


def test_a_template_value_that_is_still_an_intrinsic_is_read_as_one():
    # GIVEN properties as a synthesized template holds them (ops/impact reads these)
    properties = {"SolutionArn": {"Fn::GetAtt": ["SolutionShop", "SolutionArn"]}, "Trigger": "v2"}
    # WHEN read THEN the ARN is an Intrinsic, the rest decoded, missing ones at their defaults
    spec = contract.SolutionVersion.from_properties(properties)
    assert spec.solution_arn == Intrinsic({"Fn::GetAtt": ["SolutionShop", "SolutionArn"]})
    assert (spec.trigger, spec.training_mode, dict(spec.gates), spec.link_seconds) == ("v2", "FULL", {}, 3300)
    # AND a handler cannot use it as a string
    with pytest.raises(ContractError, match="unresolved intrinsic"):
        contract.resolved(spec.solution_arn)


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"SolutionArn": "a", "Gates": "[1]"},
            "property Gates must be a JSON object of metric name to minimum number",
        ),
        ({"SolutionArn": "a", "LinkSeconds": "soon"}, "property LinkSeconds must be an integer, not 'soon'"),
        ({"SolutionArn": "a", "Tags": "{}"}, "property Tags must be a JSON list of tagKey/tagValue"),
        ({"SolutionArn": "a", "Trigger": {"Ref": "X"}}, "property Trigger cannot be an intrinsic"),
        ({}, "property SolutionArn is missing"),
    ],
)
def test_fails_when_a_property_cannot_be_decoded_naming_it(properties, message):
    with pytest.raises(ContractError, match=message):
        contract.SolutionVersion.from_properties(properties)


def test_the_defaults_the_config_model_shows_are_the_contracts():
    # GIVEN the defaults stated on the contract's fields THEN they are the documented ones
    assert contract.default_of(contract.ItemExploration, "exploration_weight") == 0.3
    assert contract.default_of(contract.ItemExploration, "exploration_item_age_cut_off") == 30
    assert contract.default_of(contract.SolutionVersion, "training_mode") == "FULL"
    assert contract.default_of(contract.TrainingWait, "max_wait_minutes") == 240
    assert contract.default_of(contract.Campaign, "min_provisioned_tps") == 1
    assert contract.doc_of(contract.Campaign, "min_provisioned_tps") == (
        "Billing floor: requests per second you pay for even when idle (integer ≥ 1)."
    )


def test_from_settings_copies_the_fields_of_the_same_name_and_takes_the_rest_as_given():
    # GIVEN a config entry with a same-named field and one the contract does not have
    class Entry:
        min_provisioned_tps = 3
        solution = "up"

    # WHEN the contract is built from it THEN the same-named field is copied, the rest given
    spec = contract.Campaign.from_settings(Entry(), name="shop-up", solution_version_arn="arn:v")
    assert spec == contract.Campaign(name="shop-up", solution_version_arn="arn:v", min_provisioned_tps=3)

"""What the default config synthesizes to, read with aws_cdk.assertions and plain dict access.

Every template comes from `tests.support.synth` (one synth per config per process); variants
are the default config with one change, written with `write_config(variant(...))`.
"""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from lambda_handlers import constants, contract
from stacks.dataset_import import IMPORT_LISTING
from stacks.derived_names import content_hash
from stacks.metric_attribution import LISTING_ACTIONS as ATTRIBUTION_LISTING
from stacks.training import RESOURCELESS_ACTIONS
from tests.support.cfn import as_list, as_text, iam_statements, resources_of_type
from tests.support.synth import manifest, template, variant, write_config

PROJECT = "immersion-day-news"
DATASET_TYPES = ("Interactions", "Items")
FILTER_EXPRESSION = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return template()


@pytest.fixture(scope="module")
def assertions(default) -> Template:
    return Template.from_json(default)


def only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, sorted(resources)
    ((logical_id, resource),) = resources.items()
    return logical_id, resource


def of_type(tpl: dict[str, Any], type_name: str, **props: str) -> dict[str, dict[str, Any]]:
    """Resources of a type whose (string) properties equal `props`."""
    return {
        lid: r
        for lid, r in resources_of_type(tpl, type_name).items()
        if all(r["Properties"].get(k) == v for k, v in props.items())
    }


def solution_resource(tpl: dict[str, Any], physical_name: str) -> tuple[str, dict[str, Any]]:
    return only(of_type(tpl, constants.SOLUTION_TYPE, Name=physical_name))


def chain_of(tpl: dict[str, Any], solution_logical_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The version resource of a solution, then its wait links in order, following GetAtts."""
    versions = {
        lid: r
        for lid, r in resources_of_type(tpl, constants.SOLUTION_VERSION_TYPE).items()
        if r["Properties"]["SolutionArn"] == {"Fn::GetAtt": [solution_logical_id, "SolutionArn"]}
    }
    chain = [only(versions)]
    waits = resources_of_type(tpl, constants.TRAINING_WAIT_TYPE)
    while True:
        previous = chain[-1][0]
        following = {
            lid: r
            for lid, r in waits.items()
            if r["Properties"]["SolutionVersionArn"] == {"Fn::GetAtt": [previous, "SolutionVersionArn"]}
        }
        if not following:
            return chain
        chain.append(only(following))


def handler_policy_resources(tpl: dict[str, Any], sid: str) -> list[str]:
    statements = [s for _, s in iam_statements(tpl) if s.get("Sid") == sid]
    assert len(statements) == 1, statements
    return [as_text(r) for r in as_list(statements[0]["Resource"])]


# ---- stack ---------------------------------------------------------------------------------


def test_the_stack_has_the_explicit_name_of_the_project():
    # GIVEN the default config / WHEN synthesized
    stacks = {
        aid: a for aid, a in manifest()["artifacts"].items() if a.get("type") == "aws:cloudformation:stack"
    }
    # THEN there is one stack, named `{project}-personalize` (not derived from a construct path)
    ((artifact_id, artifact),) = stacks.items()
    assert artifact.get("properties", {}).get("stackName", artifact_id) == f"{PROJECT}-personalize"
    assert artifact_id == f"{PROJECT}-personalize"


def test_logical_ids_are_readable(default):
    # GIVEN the default template / THEN the Personalize resources have hand-chosen logical ids
    for logical_id in (
        "DatasetGroup",
        "InteractionsSchema",
        "InteractionsDataset",
        "ItemsSchema",
        "ItemsDataset",
        "TrainingUserPersonalizationVersion",
        "TrainingUserPersonalizationWait1",
        "CampaignUserPersonalization",
        "FilterExcludeClicked",
        "EventTracker",
    ):
        assert logical_id in default["Resources"], logical_id


def test_the_solution_logical_id_comes_from_the_config_name_not_the_physical_name(default):
    # GIVEN the default config and a variant adopting a hand-made solution by physical_name
    raw = variant()
    raw["solutions"][0]["physical_name"] = "immersion_day_user_personalization_news"
    adopted = template(write_config(raw))
    # THEN both name the solution resource SolutionUserPersonalization (no replacement on adoption)
    assert default["Resources"]["SolutionUserPersonalization"]["Type"] == constants.SOLUTION_TYPE
    assert adopted["Resources"]["SolutionUserPersonalization"]["Properties"]["Name"] == (
        "immersion_day_user_personalization_news"
    )


# ---- data layer ----------------------------------------------------------------------------


def test_the_data_bucket_is_private_encrypted_and_versioned(assertions):
    # GIVEN the default template / THEN the one bucket blocks public access, encrypts and versions
    assertions.resource_count_is("AWS::S3::Bucket", 1)
    assertions.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": Match.any_value()}}
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    )


def test_the_bucket_policy_denies_plain_http_and_lets_only_this_accounts_personalize_read(assertions):
    # GIVEN the default template / THEN the bucket policy has the SSL-only deny
    assertions.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "personalize.amazonaws.com"},
                                "Action": ["s3:GetObject", "s3:ListBucket"],
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )


def test_personalize_reads_only_under_datasets(default):
    # GIVEN the bucket policy statement for Personalize
    (_, policy) = only(resources_of_type(default, "AWS::S3::BucketPolicy"))
    (statement,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "personalize.amazonaws.com"}
    ]
    # THEN its object resource is the datasets/ prefix only
    resources = sorted(as_text(r) for r in statement["Resource"])
    assert resources == ["${DataDataBucketA7E8509A.Arn}", "${DataDataBucketA7E8509A.Arn}/datasets/*"]


def test_the_personalize_role_trusts_only_this_accounts_personalize(assertions):
    # GIVEN the default template / THEN the role Personalize assumes has the confused-deputy guard
    assertions.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "personalize.amazonaws.com"},
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }
                ]
            }
        },
    )


def test_the_dataset_group_is_named_project_dash_name(assertions):
    assertions.resource_count_is("AWS::Personalize::DatasetGroup", 1)
    assertions.has_resource_properties("AWS::Personalize::DatasetGroup", {"Name": f"{PROJECT}-news"})


@pytest.mark.parametrize("kind", DATASET_TYPES)
def test_schema_names_are_content_hashed(default, kind):
    # GIVEN a schema resource
    props = default["Resources"][f"{kind}Schema"]["Properties"]
    # THEN its name ends with the hash of the schema body it carries
    assert props["Name"] == f"{PROJECT}-{kind.lower()}-{content_hash(props['Schema'])}"
    assert json.loads(props["Schema"])["name"] == kind


@pytest.mark.parametrize("kind", DATASET_TYPES)
def test_datasets_import_their_csv_copy_through_the_import_resource(default, kind):
    # GIVEN the dataset, its import and the copy of the CSV the config names
    props = default["Resources"][f"{kind}Dataset"]["Properties"]
    imported = default["Resources"][f"{kind}Import"]
    key = default["Resources"][f"{kind}DataCopy"]["Properties"]["Key"]
    digest = key.split("/")[2]
    # THEN the dataset carries no import of its own (a fixed job name cannot be used twice)
    assert "DatasetImportJob" not in props
    assert props["DatasetType"] == kind
    assert props["SchemaArn"] == {"Fn::GetAtt": [f"{kind}Schema", "SchemaArn"]}
    assert props["DatasetGroupArn"] == {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]}
    # AND the import reads the copy, carries its content hash, and FULL by default
    assert imported["Type"] == constants.DATASET_IMPORT_TYPE
    spec = contract.DatasetImport.from_properties(imported["Properties"])
    assert spec.data_version == digest[:8] and spec.job_prefix == f"{PROJECT}-{kind.lower()}"
    assert spec.import_mode == "FULL" and spec.link_index == 0
    assert imported["Properties"]["DatasetArn"] == {"Fn::GetAtt": [f"{kind}Dataset", "DatasetArn"]}


# ---- solutions and training ----------------------------------------------------------------


def test_the_solution_custom_resource_carries_the_config(default):
    # GIVEN the user-personalization solution
    logical_id, solution = solution_resource(default, f"{PROJECT}-user-personalization")
    props = solution["Properties"]
    # THEN its properties are the config's, in the handler's string shape
    assert props["RecipeArn"] == "arn:aws:personalize:::recipe/aws-user-personalization"
    assert props["AutoTrainingSchedule"] == ""
    assert props["EventType"] == ""
    assert props["PerformHPO"] == "false"
    assert props["SolutionConfig"] == "{}"
    assert json.loads(props["Tags"]) == [{"tagKey": "team", "tagValue": "recommendations"}]
    assert props["DatasetGroupArn"] == {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]}
    # AND it waits for the datasets' imports (their last wait links)
    assert set(solution["DependsOn"]) >= {"InteractionsImportWait3", "ItemsImportWait3"}
    assert logical_id.startswith("Solution")


def test_240_minutes_of_training_wait_in_a_chain_of_5_links(default):
    # GIVEN the user-personalization solution (max_wait_minutes 240)
    logical_id, _ = solution_resource(default, f"{PROJECT}-user-personalization")
    # WHEN its version resource and wait links are followed
    chain = chain_of(default, logical_id)
    # THEN there are ceil(240*60 / LINK_SECONDS) = 5 links with readable ids
    assert [lid for lid, _ in chain] == [
        "TrainingUserPersonalizationVersion",
        *(f"TrainingUserPersonalizationWait{i}" for i in range(1, 5)),
    ]
    props = [r["Properties"] for _, r in chain]
    # AND their budgets add up to the whole wait, the last one alone being last
    assert sum(int(p["LinkSeconds"]) for p in props) == 240 * 60
    assert [p.get("IsLast") for p in props[1:]] == ["false", "false", "false", "true"]
    assert [p["LinkIndex"] for p in props[1:]] == ["1", "2", "3", "4"]
    for p in props:
        assert p["Trigger"] == "v1"
        assert p["TrainingMode"] == "FULL"
        assert json.loads(p["Gates"]) == {"normalized_discounted_cumulative_gain_at_10": 0.05}
    for p in props[1:]:
        assert p["MaxWaitMinutes"] == "240"
        assert p["SolutionName"] == "user-personalization"


def test_the_campaign_serves_the_last_links_version(default):
    # GIVEN the campaign and the chain of its solution
    logical_id, _ = solution_resource(default, f"{PROJECT}-user-personalization")
    last_id, last = chain_of(default, logical_id)[-1]
    campaign = default["Resources"]["CampaignUserPersonalization"]
    # THEN it reads the LAST link's SolutionVersionArn (only a gated, ACTIVE version gets there)
    assert last["Properties"]["IsLast"] == "true"
    assert campaign["Properties"]["SolutionVersionArn"] == {"Fn::GetAtt": [last_id, "SolutionVersionArn"]}
    assert campaign["Properties"]["Name"] == f"{PROJECT}-user-personalization"
    assert campaign["Properties"]["MinProvisionedTPS"] == "1"
    assert json.loads(campaign["Properties"]["CampaignConfig"]) == {
        "enableMetadataWithRecommendations": True,
        "syncWithLatestSolutionVersion": False,
    }


# ---- filters and event tracker -------------------------------------------------------------


def test_the_filter_is_named_by_its_expression_and_its_logical_id_is_stable(default):
    # GIVEN the default filter and a variant with another expression
    changed = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("read")'
    variant_template = template(
        write_config(variant(filters=[{"name": "exclude-clicked", "expression": changed}]))
    )
    before = default["Resources"]["FilterExcludeClicked"]["Properties"]
    after = variant_template["Resources"]["FilterExcludeClicked"]["Properties"]
    # THEN the name carries a hash of the expression, so a new expression is a new filter...
    assert before["Name"] == f"{PROJECT}-exclude-clicked-{content_hash(FILTER_EXPRESSION)}"
    assert after["Name"] == f"{PROJECT}-exclude-clicked-{content_hash(changed)}"
    assert before["Name"] != after["Name"]
    # ...under the same logical id (CloudFormation replaces it in place)
    assert after["FilterExpression"] == changed


@pytest.mark.parametrize("logical_id", ["FilterExcludeClicked", "EventTracker"])
def test_filter_and_event_tracker_wait_for_the_datasets(default, logical_id):
    resource = default["Resources"][logical_id]
    assert set(resource["DependsOn"]) >= {"InteractionsImportWait3", "ItemsImportWait3"}
    assert resource["Properties"]["DatasetGroupArn"] == {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]}


# ---- exports -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        (
            f"/{PROJECT}/campaigns/user-personalization/arn",
            {"Fn::GetAtt": ["CampaignUserPersonalization", "CampaignArn"]},
        ),
        (f"/{PROJECT}/filters/exclude-clicked/arn", {"Fn::GetAtt": ["FilterExcludeClicked", "FilterArn"]}),
        (f"/{PROJECT}/event-tracker/tracking-id", {"Fn::GetAtt": ["EventTracker", "TrackingId"]}),
        (
            f"/{PROJECT}/solutions/user-personalization",
            {"Fn::GetAtt": ["TrainingUserPersonalizationWait4", "Summary"]},
        ),
    ],
)
def test_ssm_parameters_hand_over_to_the_inference_layer(assertions, parameter, value):
    assertions.has_resource_properties("AWS::SSM::Parameter", {"Name": parameter, "Value": value})


def test_one_output_per_solution_campaign_filter_and_tracker_and_none_per_metric(default):
    # GIVEN the default template's outputs
    outputs = default["Outputs"]
    # THEN there is one per exported thing
    assert sorted(outputs) == sorted(
        [
            "SolutionUserPersonalization",
            "SolutionPersonalizedRanking",
            "CampaignUserPersonalization",
            "FilterExcludeClicked",
            "EventTrackerTrackingId",
        ]
    )
    # AND no output names or describes a metric (a stack has at most 200 outputs)
    text = json.dumps(outputs).lower()
    for metric in ("normalized_discounted", "precision_at", "coverage", "mean_reciprocal"):
        assert metric not in text


# ---- dashboard -----------------------------------------------------------------------------


def test_the_dashboard_has_a_widget_per_solution_and_per_campaign_with_the_tps_line(default):
    # GIVEN the dashboard body with its tokens replaced by placeholders
    (_, dashboard) = only(resources_of_type(default, "AWS::CloudWatch::Dashboard"))
    body = json.loads(as_text(dashboard["Properties"]["DashboardBody"]))
    titles = [w["properties"]["title"] for w in body["widgets"]]
    # THEN each solution and each campaign has its widget
    assert titles == [
        "Solution user-personalization: metrics of each trained version",
        "Solution personalized-ranking: metrics of each trained version",
        "Campaign user-personalization: requests per second vs provisioned TPS",
    ]
    # AND the campaign's widget draws the provisioned TPS as a horizontal line
    campaign = body["widgets"][2]["properties"]
    (line,) = campaign["annotations"]["horizontal"]
    assert (line["value"], line["label"]) == (1, "min provisioned TPS 1")
    # AND the gated metric is drawn on its solution's widget
    first = json.dumps(body["widgets"][0]["properties"]["metrics"])
    assert "normalized_discounted_cumulative_gain_at_10" in first


# ---- provider and permissions --------------------------------------------------------------


def test_one_provider_serves_every_custom_resource(default, assertions):
    # GIVEN the default template / THEN there is one waiter state machine and one service token
    assertions.resource_count_is("AWS::StepFunctions::StateMachine", 1)
    tokens = {
        json.dumps(r["Properties"]["ServiceToken"])
        for r in default["Resources"].values()
        if r["Type"] in constants.RESOURCE_TYPES
    }
    assert len(tokens) == 1, tokens


def test_the_lambda_function_count_does_not_grow_with_solutions(default):
    # GIVEN a variant with five solutions, each with its campaign
    names = [f"model-{i}" for i in range(1, 6)]
    raw = variant(
        solutions=[{"name": n, "recipe": "aws-user-personalization"} for n in names],
        campaigns=[{"name": n, "solution": n} for n in names],
    )
    five = template(write_config(raw))
    # WHEN functions and custom resources are counted
    functions = len(resources_of_type(five, "AWS::Lambda::Function"))
    # THEN five solutions cost no more functions than two
    assert len(resources_of_type(five, constants.SOLUTION_TYPE)) == 5
    assert len(resources_of_type(five, constants.CAMPAIGN_TYPE)) == 5
    assert functions == len(resources_of_type(default, "AWS::Lambda::Function"))


def test_the_handler_policy_is_scoped_to_this_apps_solutions_and_campaigns(default):
    # GIVEN the handler role's Personalize statements
    solution_resources = handler_policy_resources(default, "TrainSolutions")
    campaign_resources = handler_policy_resources(default, "ServeCampaigns")
    # THEN solutions and their versions are the project's names, campaigns likewise, nothing else
    arn_prefix = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:"
    assert solution_resources == [f"{arn_prefix}solution/{PROJECT}-*"]
    assert campaign_resources == [f"{arn_prefix}campaign/{PROJECT}-*"]


def test_only_actions_without_a_resource_type_are_on_every_resource(default):
    # GIVEN every identity policy statement of the template
    personalize = [
        (lid, s)
        for lid, s in iam_statements(default)
        if any(str(a).startswith("personalize:") for a in as_list(s["Action"]))
    ]
    # THEN Personalize actions are listed one by one
    assert personalize, "expected the handler's Personalize statements"
    for lid, statement in personalize:
        assert not any("*" in a for a in as_list(statement["Action"])), lid
        # AND only the ones the Service Authorization Reference gives no resource type are on `*`
        if "*" in as_list(statement["Resource"]):
            expected = {
                "ListDatasetImports": IMPORT_LISTING,
                "ListMetricAttributions": ATTRIBUTION_LISTING,
            }.get(str(statement.get("Sid")), RESOURCELESS_ACTIONS)
            assert sorted(as_list(statement["Action"])) == sorted(expected), lid


def test_an_adopted_solutions_physical_name_is_in_the_handler_policy():
    # GIVEN a variant adopting a hand-made solution by its exact name
    raw = variant()
    raw["solutions"][0]["physical_name"] = "immersion_day_user_personalization_news"
    adopted = template(write_config(raw))
    # WHEN the handler's policy is read
    solution_resources = handler_policy_resources(adopted, "TrainSolutions")
    # THEN the handler may act on that solution and its versions, and the resource carries the name
    arn = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:solution/"
    assert f"{arn}immersion_day_user_personalization_news" in solution_resources
    assert f"{arn}immersion_day_user_personalization_news/*" in solution_resources
    assert f"{arn}{PROJECT}-*" in solution_resources
    solution_resource(adopted, "immersion_day_user_personalization_news")


def test_versions_beyond_max_concurrent_trainings_wait_for_an_earlier_solution():
    # GIVEN three solutions and at most two trainings at once
    raw = variant(
        solutions=[{"name": n, "recipe": "aws-personalized-ranking"} for n in ("a", "b", "c")],
        campaigns=[],
        max_concurrent_trainings=2,
    )
    chained = template(write_config(raw))
    # WHEN the version resources' dependencies are read
    depends = {lid: chained["Resources"][f"Training{lid}Version"].get("DependsOn", []) for lid in "ABC"}
    # THEN the third waits for the first's last wait link (ACTIVE, gated); the first two start at once
    assert "TrainingAWait4" in depends["C"]
    assert not any("Wait" in d for d in depends["A"] + depends["B"])

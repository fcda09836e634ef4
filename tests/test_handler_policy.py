"""The handler role's one policy, written from registrations (`stacks/permissions.py`)."""

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from stacks.permissions import HandlerPolicy, Named
from tests.support.cfn import iam_statements
from tests.support.synth import REPO, default_raw_config, template, variant, write_config

PREFIX = "shop-"
PROJECT = default_raw_config()["project"]
ARN = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:"
SOLUTION_ACTIONS = ("personalize:DescribeSolution", "personalize:DeleteSolution")
CAMPAIGN_ACTIONS = ("personalize:DescribeCampaign",)


def _policy() -> tuple[cdk.Stack, HandlerPolicy]:
    stack = cdk.Stack(cdk.App(), "Stack")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return stack, HandlerPolicy(role, stack)


def _statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    policies = cdk.assertions.Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = policies.values()
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _text(value: Any) -> str:
    """A resource as `${...}` text: Fn::Join of pseudo parameters flattened."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_text(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    return str(value)


def _resources(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return sorted(_text(r) for r in (value if isinstance(value, list) else [value]))


def test_registrations_of_one_action_set_are_one_statement():
    # GIVEN two constructs registering the same actions on their own resources, one twice
    stack, policy = _policy()
    policy.allow("ReadThings", ["s3:GetObject"], ["arn:aws:s3:::a/x"])
    policy.allow("ReadThings", ["s3:GetObject"], ["arn:aws:s3:::b/y", "arn:aws:s3:::a/x"])
    # WHEN the policy is written
    (statement,) = _statements(stack)
    # THEN one statement holds both resources, each once
    assert statement["Sid"] == "ReadThings"
    assert _resources(statement) == ["arn:aws:s3:::a/x", "arn:aws:s3:::b/y"]


def test_names_within_the_prefix_are_one_pattern_however_many():
    # GIVEN fifty solutions named by the stack, registered one by one
    stack, policy = _policy()
    for index in range(50):
        policy.allow_named(
            "Train",
            SOLUTION_ACTIONS,
            Named(resource="solution", names=(f"{PREFIX}s{index}",), within=PREFIX, versions=True),
        )
    # WHEN the policy is written
    (statement,) = _statements(stack)
    # THEN it names the prefix's pattern only (it covers the versions too)
    assert _resources(statement) == [f"{ARN}solution/{PREFIX}*"]
    assert policy.named("solution") == [f"{PREFIX}*"]


def test_a_name_outside_the_prefix_is_granted_exactly_with_its_versions():
    # GIVEN a solution named by hand (physical_name) beside one the stack names
    stack, policy = _policy()
    for name in ("legacy_solution", f"{PREFIX}news"):
        policy.allow_named(
            "Train", SOLUTION_ACTIONS, Named(resource="solution", names=(name,), within=PREFIX, versions=True)
        )
    # WHEN the policy is written
    (statement,) = _statements(stack)
    # THEN the hand-made name and its versions are listed one by one, beside the pattern
    assert _resources(statement) == [
        f"{ARN}solution/legacy_solution",
        f"{ARN}solution/legacy_solution/*",
        f"{ARN}solution/{PREFIX}*",
    ]


def test_conditions_keep_statements_apart():
    # GIVEN the same action registered with and without a condition
    stack, policy = _policy()
    condition = {"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}}
    policy.allow("PassToPersonalize", ["iam:PassRole"], ["arn:aws:iam::1:role/a"], conditions=condition)
    policy.allow("PassAnywhere", ["iam:PassRole"], ["arn:aws:iam::1:role/b"])
    # WHEN the policy is written
    statements = {s["Sid"]: s for s in _statements(stack)}
    # THEN the condition stays on its own resource only
    assert statements["PassToPersonalize"]["Condition"] == condition
    assert "Condition" not in statements["PassAnywhere"]
    assert _resources(statements["PassAnywhere"]) == ["arn:aws:iam::1:role/b"]


def test_fails_when_one_statement_id_names_two_action_sets():
    # GIVEN a statement id already used for other actions
    _, policy = _policy()
    policy.allow("Read", ["s3:GetObject"], ["arn:aws:s3:::a/x"])
    # WHEN another action set takes the same id / THEN the registration is refused (IAM needs unique ids)
    with pytest.raises(ValueError, match="Read already holds other actions"):
        policy.allow("Read", ["s3:ListBucket"], ["arn:aws:s3:::a"])


def test_fails_when_one_action_set_is_registered_under_two_ids():
    # GIVEN an action set registered as one statement
    _, policy = _policy()
    policy.allow("Read", ["s3:GetObject"], ["arn:aws:s3:::a/x"])
    # WHEN another construct names the same actions differently / THEN it is refused, not split
    with pytest.raises(ValueError, match="statement Read's actions, not Fetch's"):
        policy.allow("Fetch", ["s3:GetObject"], ["arn:aws:s3:::b/y"])


def test_the_written_policy_does_not_grow_with_names_within_the_prefix():
    # GIVEN one and fifty solutions and campaigns the stack names
    sizes = []
    for count in (1, 50):
        stack, policy = _policy()
        for index in range(count):
            name = (f"{PREFIX}n{index}",)
            policy.allow_named(
                "Train", SOLUTION_ACTIONS, Named(resource="solution", names=name, within=PREFIX)
            )
            policy.allow_named(
                "Serve", CAMPAIGN_ACTIONS, Named(resource="campaign", names=name, within=PREFIX)
            )
        sizes.append(len(json.dumps(_statements(stack))))
    # THEN the written statements are as long for fifty as for one
    assert sizes[0] == sizes[1]


def test_a_batch_job_may_run_on_its_own_solutions_versions_only():
    # GIVEN two hand-named solutions, a batch inference job on the first only
    raw = variant(
        solutions=[
            {"name": "scored", "recipe": "aws-user-personalization", "physical_name": "hand_made_scored"},
            {"name": "idle", "recipe": "aws-personalized-ranking", "physical_name": "hand_made_idle"},
        ],
        campaigns=[],
        batch_jobs=[
            {
                "name": "nightly",
                "solution": "scored",
                "kind": "recommendations",
                "input": str(REPO / "config" / "examples" / "batch" / "users.jsonl"),
                "trigger": "v1",
            }
        ],
    )
    # WHEN the handler's batch statements are read
    statements = {s.get("Sid"): s for _, s in iam_statements(template(write_config(raw)))}
    # THEN CreateBatchInferenceJob names the job's solution and its versions, not the idle one
    # (beside the project's pattern)
    arn = f"{ARN}solution/hand_made_scored"
    assert _resources(statements["BatchInferenceOnSolutions"]) == [
        arn,
        f"{arn}/*",
        f"{ARN}solution/{PROJECT}-*",
    ]
    # AND the jobs are the project's pattern, either kind
    assert _resources(statements["RunBatchJobs"]) == [
        f"{ARN}batch-inference-job/{PROJECT}-*",
        f"{ARN}batch-segment-job/{PROJECT}-*",
    ]


def test_the_prefix_stays_granted_when_every_name_lies_outside_it():
    # GIVEN a campaign renamed out of the prefix (physical_name): the one the stack named before
    # is deleted in the cleanup, under the new template's policy
    stack, policy = _policy()
    named = Named(resource="campaign", names=("by_hand",), within=PREFIX)
    policy.allow_named("Serve", CAMPAIGN_ACTIONS, named)
    # WHEN the policy is written
    (statement,) = _statements(stack)
    # THEN it still covers the prefix's names, beside the new name
    assert _resources(statement) == [f"{ARN}campaign/by_hand", f"{ARN}campaign/{PREFIX}*"]

"""Least-privilege IAM for the custom resource handlers, scoped to this app's resource names.

Adopted resources (`physical_name`) are in scope too: their names come from the config.
"""

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

SOLUTION_ACTIONS = (
    "personalize:CreateSolution",
    "personalize:DescribeSolution",
    "personalize:UpdateSolution",
    "personalize:DeleteSolution",
    "personalize:CreateSolutionVersion",
    "personalize:DescribeSolutionVersion",
    "personalize:ListSolutionVersions",
    "personalize:StopSolutionVersionCreation",
    "personalize:GetSolutionMetrics",
    "personalize:TagResource",
    "personalize:ListTagsForResource",
)
CAMPAIGN_ACTIONS = (
    "personalize:CreateCampaign",
    "personalize:DescribeCampaign",
    "personalize:UpdateCampaign",
    "personalize:DeleteCampaign",
    "personalize:TagResource",
    "personalize:ListTagsForResource",  # the owner tag: is an existing campaign ours?
)


def personalize_arn(scope: Construct, resource: str, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="personalize", resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


def grant_handlers(
    role: iam.IRole,
    scope: Construct,
    *,
    dataset_group_arn: str,
    solution_names: Sequence[str],
    campaign_names: Sequence[str],
) -> None:
    """Solutions and their versions (`solution/{name}/*`), campaigns, and the dataset group."""
    if solution_names:
        resources = [dataset_group_arn]
        for name in solution_names:
            arn = personalize_arn(scope, "solution", name)
            resources += [arn, f"{arn}/*"]
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="TrainSolutions", actions=list(SOLUTION_ACTIONS), resources=resources)
        )
    if campaign_names:
        resources = [personalize_arn(scope, "campaign", name) for name in campaign_names]
        # UpdateCampaign and CreateCampaign also authorise against the version they deploy.
        for name in solution_names:
            resources.append(personalize_arn(scope, "solution", f"{name}/*"))
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="ServeCampaigns", actions=list(CAMPAIGN_ACTIONS), resources=resources)
        )

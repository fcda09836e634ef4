"""The dashboard's graph of the metric attribution's metrics.

Personalize's guide says how to find them in CloudWatch: search for the name given to the metric,
and graph at 15 minutes or more (the smallest period), over the last two weeks
(https://docs.aws.amazon.com/personalize/latest/dg/metric-attribution-results-cloudwatch.html).
It names no namespace or dimensions to rely on, so each line is a CloudWatch SEARCH on the metric
name: every series of that name (one per event attribution source: campaign, recommender, or the
source the events name) is drawn.
"""

from collections.abc import Sequence
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

PERIOD: Final = Duration.minutes(15)


def attribution_widget(metric_names: Sequence[str]) -> cw.GraphWidget:
    return cw.GraphWidget(
        title="Metric attribution: what recommendations earn, per source (15-minute sums)",
        width=24,
        left=[
            cw.MathExpression(
                expression=f"SEARCH('MetricName=\"{name}\"', 'Sum', 900)",
                label=name,
                period=PERIOD,
                using_metrics={},
            )
            for name in metric_names
        ],
    )

"""Custom::PersonalizeMetricAttribution's properties: CreateMetricAttribution's inputs.

A dataset group holds one metric attribution; its metrics change in place (UpdateMetricAttribution
`addMetrics` / `removeMetrics`), its output config too, so only the group and the name are fixed.
Rules, from botocore's Personalize model (shapes MetricAttribute, MetricAttributes) and
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateMetricAttribution.html /
https://docs.aws.amazon.com/personalize/latest/dg/API_MetricAttribute.html:
an expression is `SUM(Items.COLUMN)`, `SUM(Interactions.COLUMN)` or `SAMPLECOUNT()`; at most 10 metrics.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from lambda_handlers.constants import METRIC_ATTRIBUTION_TYPE
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import ARN, OPTIONAL_TEXT, TEXT, Codec, ContractError, Intrinsic, resolved

# botocore: MetricAttributes / MetricAttributesNamesList have max 10 (tests/unit compare).
MAX_METRICS: Final = 10
# API_MetricAttribute.html: "Available functions are SUM() or SAMPLECOUNT(). For SUM() functions,
# provide the dataset type (either Interactions or Items) and column to sum as a parameter."
EXPRESSION: Final = re.compile(r"^(SUM\((Items|Interactions)\.[A-Za-z_][A-Za-z0-9_]*\)|SAMPLECOUNT\(\))$")
# Reports for bulk imports go under this prefix of the stack's data bucket (and nowhere else).
S3_PREFIX: Final = "attribution/"


@dataclass(frozen=True, order=True)
class Metric:
    """One MetricAttribute: the metric's name in CloudWatch and S3, the event type it counts, how."""

    name: str
    event_type: str
    expression: str

    def to_api(self) -> dict[str, str]:
        return {"metricName": self.name, "eventType": self.event_type, "expression": self.expression}

    @classmethod
    def from_api(cls, raw: Any) -> Metric:
        if not isinstance(raw, dict) or not {"metricName", "eventType", "expression"} <= set(raw):
            raise ContractError("each metric must be an object with metricName, eventType, expression")
        return cls(str(raw["metricName"]), str(raw["eventType"]), str(raw["expression"]))


def check_expression(expression: str) -> str | None:
    """Why an expression is refused; None when it has the documented form."""
    if EXPRESSION.match(expression):
        return None
    return f"expression {expression!r} must be SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT()"


def _metrics(text: str) -> tuple[Metric, ...]:
    try:
        value = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise ContractError(f"is not valid JSON: {exc}") from exc
    if not isinstance(value, list):
        raise ContractError("must be a JSON list of metrics")
    metrics = tuple(sorted(Metric.from_api(raw) for raw in value))
    if len(metrics) > MAX_METRICS:
        raise ContractError(f"holds {len(metrics)} metrics; a metric attribution takes at most {MAX_METRICS}")
    for metric in metrics:
        problem = check_expression(metric.expression)
        if problem:
            raise ContractError(f"metric {metric.name}: {problem}")
    return metrics


METRICS: Codec[tuple[Metric, ...]] = Codec(
    lambda v: json.dumps([m.to_api() for m in sorted(v)], sort_keys=True), _metrics
)


@dataclass(frozen=True, kw_only=True)
class MetricAttribution(Contract):
    RESOURCE_TYPE: ClassVar[str] = METRIC_ATTRIBUTION_TYPE
    IMMUTABLE: ClassVar[tuple[str, ...]] = ("name", "dataset_group_arn")

    name: str = prop("Name", TEXT, "The metric attribution's physical name.")
    dataset_group_arn: str | Intrinsic = prop(
        "DatasetGroupArn", ARN, "The dataset group it reports on (it holds one)."
    )
    metrics: tuple[Metric, ...] = prop(
        "Metrics", METRICS, "The metrics: name, event type, expression (at most 10)."
    )
    role_arn: str | Intrinsic = prop(
        "RoleArn", ARN, "metricsOutputConfig.roleArn: the role that writes S3 reports."
    )
    s3_path: str | None = prop(
        "S3Path",
        OPTIONAL_TEXT,
        "`s3://bucket/attribution/` for bulk imports' reports; null = CloudWatch only.",
        None,
    )

    def output_config(self) -> dict[str, Any]:
        """metricsOutputConfig in the API's shape."""
        config: dict[str, Any] = {"roleArn": resolved(self.role_arn)}
        if self.s3_path:
            config["s3DataDestination"] = {"path": self.s3_path}
        return config

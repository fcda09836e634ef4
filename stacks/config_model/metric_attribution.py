"""`metric_attribution:` — what recommendations earn, reported to CloudWatch (and S3 for bulk imports).

Names and limits from botocore's Personalize model (shape MetricAttribute: metricName, eventType,
expression, each at most 256 characters; MetricAttributes: at most 10) and the expression form
from https://docs.aws.amazon.com/personalize/latest/dg/API_MetricAttribute.html (SUM(Items.COLUMN),
SUM(Interactions.COLUMN) or SAMPLECOUNT()); the contract checks the same at deploy time.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lambda_handlers.contract.metric_attribution import MAX_METRICS, check_expression
from stacks.config_model.errors import Problem

if TYPE_CHECKING:
    from stacks.config_model.model import AppConfig

Text = Annotated[str, Field(min_length=1, max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Metric(_Strict):
    """One metric: its name in CloudWatch and the S3 reports, the event type it counts, how."""

    name: Text
    """The metric's name in CloudWatch and the S3 reports."""
    event_type: Text
    """The interactions' EVENT_TYPE this metric counts (e.g. click, purchase)."""
    expression: Text
    """SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT()."""

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str) -> str:
        problem = check_expression(value)
        if problem:
            raise ValueError(problem)
        return value


class MetricAttribution(_Strict):
    """The dataset group's one metric attribution (`{project}-attribution`); edited in place."""

    metrics: Annotated[list[Metric], Field(min_length=1, max_length=MAX_METRICS)]
    """1 to 10 metrics, names unique."""
    s3_reports: bool = False
    """Also write reports of bulk imports to the data bucket under attribution/ (CloudWatch always)."""

    @field_validator("metrics")
    @classmethod
    def _unique(cls, metrics: list[Metric]) -> list[Metric]:
        names = [m.name for m in metrics]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"metric names must be unique; repeated: {', '.join(doubled)}")
        return metrics


def own_group_only(cfg: "AppConfig") -> Iterator[Problem]:
    """The handler's ownership rests on the group being this stack's (lambda_handlers/metric_attribution.py),
    and the reports' role and bucket are the stack's data layer's."""
    if cfg.metric_attribution is not None and cfg.dataset_group.arn:
        yield Problem(
            "metric_attribution",
            "only on a dataset group this stack creates (dataset_group.name); remove it, or create the "
            "group here",
        )

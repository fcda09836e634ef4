"""Metric attributions: create, describe, update, delete, list them and their metrics.

Rules, each from the API reference:
- A dataset group holds one metric attribution: a second CreateMetricAttribution answers
  ResourceAlreadyExists (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateMetricAttribution.html,
  "Each dataset group can have only one metric attribution"; also
  https://docs.aws.amazon.com/personalize/latest/dg/measuring-recommendation-impact.html).
- At most 10 metrics (botocore: MetricAttributes max 10, checked by the fake's request validation).
- An expression is SUM(Items.COLUMN) / SUM(Interactions.COLUMN) or SAMPLECOUNT()
  (https://docs.aws.amazon.com/personalize/latest/dg/API_MetricAttribute.html).
- Statuses: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE, DELETE PENDING > DELETE IN_PROGRESS
  (https://docs.aws.amazon.com/personalize/latest/dg/API_MetricAttribution.html). The reference
  names no update status: an update applies at once, and one sent while the metric attribution is
  not ACTIVE answers ResourceInUse (one of UpdateMetricAttribution's errors in botocore's model).
- No tags: CreateMetricAttribution has no `tags` member (botocore's model).
"""

from __future__ import annotations

import copy
import re
from typing import Final

from simulation.personalize.errors import PersonalizeError
from simulation.personalize.store import JSON, Operation, Store

KIND: Final = "metric-attribution"
_EXPRESSION: Final = re.compile(r"^(SUM\((Items|Interactions)\.[A-Za-z_][A-Za-z0-9_]*\)|SAMPLECOUNT\(\))$")


def _error(code: str, message: str) -> PersonalizeError:
    return PersonalizeError(code, message)


def _check_expressions(metrics: list[JSON]) -> None:
    for metric in metrics:
        if not _EXPRESSION.match(metric["expression"]):
            raise _error(
                "InvalidInputException",
                f"Invalid expression {metric['expression']!r} for metric {metric['metricName']}: "
                "use SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT()",
            )


def create_metric_attribution(store: Store, p: JSON) -> JSON:
    group = store.dataset_group(p["datasetGroupArn"])
    arn = store.arn(KIND, p["name"])
    store.ensure_new(arn)
    existing = store.of(KIND, group.arn)
    if existing:
        raise _error(
            "ResourceAlreadyExistsException",
            f"The dataset group {group.arn} already has a metric attribution: {existing[0].arn}.",
        )
    _check_expressions(p["metrics"])
    names = [m["metricName"] for m in p["metrics"]]
    if len(set(names)) != len(names):
        raise _error("InvalidInputException", f"Duplicate metric names in {names}")
    now = store.now()
    store.add(
        KIND,
        arn,
        p["name"],
        now,
        now + store.durations.resource_create,
        {
            "datasetGroupArn": group.arn,
            "metricsOutputConfig": copy.deepcopy(p["metricsOutputConfig"]),
            "metrics": copy.deepcopy(p["metrics"]),
        },
        parent=group.arn,
    )
    return {"metricAttributionArn": arn}


def describe_metric_attribution(store: Store, p: JSON) -> JSON:
    res = store.get(p["metricAttributionArn"], KIND)
    view = {k: v for k, v in store.view(res).items() if k != "metrics"}
    return {"metricAttribution": view}


def update_metric_attribution(store: Store, p: JSON) -> JSON:
    res = store.get(p["metricAttributionArn"], KIND)
    status = store.status(res)
    if status != "ACTIVE":
        raise _error("ResourceInUseException", f"The metric attribution {res.arn} is {status}.")
    metrics: list[JSON] = list(res.data["metrics"])
    held = {m["metricName"] for m in metrics}
    for name in p.get("removeMetrics", []):
        if name not in held:
            raise _error("InvalidInputException", f"Metric {name} is not in {res.arn}.")
    kept = [m for m in metrics if m["metricName"] not in set(p.get("removeMetrics", []))]
    added = list(p.get("addMetrics", []))
    _check_expressions(added)
    clash = {m["metricName"] for m in kept} & {m["metricName"] for m in added}
    if clash:
        raise _error("ResourceAlreadyExistsException", f"Metrics {sorted(clash)} already exist in {res.arn}.")
    if len(kept) + len(added) > 10:
        raise _error("LimitExceededException", f"A metric attribution takes at most 10 metrics ({res.arn}).")
    res.data["metrics"] = kept + copy.deepcopy(added)
    if "metricsOutputConfig" in p:
        res.data["metricsOutputConfig"] = copy.deepcopy(p["metricsOutputConfig"])
    return {"metricAttributionArn": res.arn}


def delete_metric_attribution(store: Store, p: JSON) -> JSON:
    store.start_delete(store.get(p["metricAttributionArn"], KIND), "metric attribution")
    return {}


def list_metric_attributions(store: Store, p: JSON) -> JSON:
    parent = p.get("datasetGroupArn")
    views = [store.view(r) for r in store.of(KIND, parent)]
    return store.page(views, p, "metricAttributions")


def list_metric_attribution_metrics(store: Store, p: JSON) -> JSON:
    res = store.get(p["metricAttributionArn"], KIND)
    return store.page(list(res.data["metrics"]), p, "metrics")


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateMetricAttribution": create_metric_attribution,
    "DescribeMetricAttribution": describe_metric_attribution,
    "UpdateMetricAttribution": update_metric_attribution,
    "DeleteMetricAttribution": delete_metric_attribution,
    "ListMetricAttributions": list_metric_attributions,
    "ListMetricAttributionMetrics": list_metric_attribution_metrics,
}

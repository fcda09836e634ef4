"""The fake's metric attribution operations (a mixin of `FakePersonalize`).

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
from typing import Any, Final

from simulation.fake_core import FakeCore

JSON = dict[str, Any]
KIND: Final = "metric-attribution"
_EXPRESSION: Final = re.compile(r"^(SUM\((Items|Interactions)\.[A-Za-z_][A-Za-z0-9_]*\)|SAMPLECOUNT\(\))$")


_Fake = FakeCore  # what this mixin uses of FakePersonalize


def _error(code: str, message: str) -> Exception:
    from simulation.personalize_state import PersonalizeError  # noqa: PLC0415 - it imports this module

    return PersonalizeError(code, message)


def _check_expressions(metrics: list[JSON]) -> None:
    for metric in metrics:
        if not _EXPRESSION.match(metric["expression"]):
            raise _error(
                "InvalidInputException",
                f"Invalid expression {metric['expression']!r} for metric {metric['metricName']}: "
                "use SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT()",
            )


class MetricAttributionOps:
    """Create, Describe, Update and DeleteMetricAttribution; ListMetricAttributions and its metrics."""

    def _op_create_metric_attribution(self: _Fake, p: JSON) -> JSON:
        group = self._dataset_group(p["datasetGroupArn"])
        arn = self._arn(KIND, p["name"])
        self._ensure_new(arn)
        existing = self._of(KIND, group.arn)
        if existing:
            raise _error(
                "ResourceAlreadyExistsException",
                f"The dataset group {group.arn} already has a metric attribution: {existing[0].arn}.",
            )
        _check_expressions(p["metrics"])
        names = [m["metricName"] for m in p["metrics"]]
        if len(set(names)) != len(names):
            raise _error("InvalidInputException", f"Duplicate metric names in {names}")
        now = self.now()
        self._add(
            KIND,
            arn,
            p["name"],
            now,
            now + self.durations.resource_create,
            {
                "datasetGroupArn": group.arn,
                "metricsOutputConfig": copy.deepcopy(p["metricsOutputConfig"]),
                "metrics": copy.deepcopy(p["metrics"]),
            },
            parent=group.arn,
        )
        return {"metricAttributionArn": arn}

    def _op_describe_metric_attribution(self: _Fake, p: JSON) -> JSON:
        res = self._get(p["metricAttributionArn"], KIND)
        view = {k: v for k, v in self._view(res).items() if k != "metrics"}
        return {"metricAttribution": view}

    def _op_update_metric_attribution(self: _Fake, p: JSON) -> JSON:
        res = self._get(p["metricAttributionArn"], KIND)
        status = self._status(res)
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
            raise _error(
                "ResourceAlreadyExistsException", f"Metrics {sorted(clash)} already exist in {res.arn}."
            )
        if len(kept) + len(added) > 10:
            raise _error(
                "LimitExceededException", f"A metric attribution takes at most 10 metrics ({res.arn})."
            )
        res.data["metrics"] = kept + copy.deepcopy(added)
        if "metricsOutputConfig" in p:
            res.data["metricsOutputConfig"] = copy.deepcopy(p["metricsOutputConfig"])
        return {"metricAttributionArn": res.arn}

    def _op_delete_metric_attribution(self: _Fake, p: JSON) -> JSON:
        self._start_delete(self._get(p["metricAttributionArn"], KIND), "metric attribution")
        return {}

    def _op_list_metric_attributions(self: _Fake, p: JSON) -> JSON:
        parent = p.get("datasetGroupArn")
        views = [self._view(r) for r in self._of(KIND, parent)]
        return self._page(views, p, "metricAttributions")

    def _op_list_metric_attribution_metrics(self: _Fake, p: JSON) -> JSON:
        res = self._get(p["metricAttributionArn"], KIND)
        return self._page(list(res.data["metrics"]), p, "metrics")

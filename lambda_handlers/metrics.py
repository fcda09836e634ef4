"""Pure functions over solution metrics: quality gates, the EMF log line and the Summary JSON."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_handlers import constants

EMF_MAX_METRICS: Final = 100  # CloudWatch's limit per metric directive


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float | None  # None: the metric was not reported
    minimum: float

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:g}"
        return f"{self.metric} = {shown} < {self.minimum:g}"


def failed_gates(metrics: Mapping[str, float], gates: Mapping[str, float]) -> list[GateFailure]:
    """Gates not met, in gate-name order; a metric missing from `metrics` fails its gate."""
    failures = []
    for name in sorted(gates):
        value = metrics.get(name)
        if value is None or float(value) < gates[name]:
            failures.append(GateFailure(name, None if value is None else float(value), gates[name]))
    return failures


def gate_message(solution: str, version_arn: str, failures: list[GateFailure]) -> str:
    shown = ", ".join(str(failure) for failure in failures)
    return f"gate failed for solution {solution}: {shown} ({version_arn})"


def emf_line(solution: str, version_arn: str, metrics: Mapping[str, float], timestamp: float) -> str:
    """One CloudWatch Embedded Metric Format line: each Personalize metric, dimension Solution."""
    names = sorted(metrics)[:EMF_MAX_METRICS]
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(timestamp * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": constants.METRICS_NAMESPACE,
                    "Dimensions": [["Solution"]],
                    "Metrics": [{"Name": name, "Unit": "None"} for name in names],
                }
            ],
        },
        "Solution": solution,
        "SolutionVersionArn": version_arn,
    }
    for name in names:
        document[name] = float(metrics[name])
    return json.dumps(document, separators=(",", ":"))


def summary(
    *, version_arn: str, training_mode: str, trigger: str, metrics: Mapping[str, float], trained_at: str
) -> str:
    """The `Summary` attribute: JSON with exactly `constants.SUMMARY_KEYS`, metrics sorted."""
    values: dict[str, Any] = {
        "solutionVersionArn": version_arn,
        "trainingMode": training_mode,
        "trigger": trigger,
        "metrics": {name: float(metrics[name]) for name in sorted(metrics)},
        "trainedAt": trained_at,
    }
    return json.dumps({key: values[key] for key in constants.SUMMARY_KEYS}, separators=(",", ":"))

"""Pure functions over solution metrics: quality gates, the EMF log line and the Summary JSON."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_handlers import constants
from lambda_handlers.contract import Gate
from lambda_handlers.errors import MAX_MESSAGE

EMF_MAX_METRICS: Final = 100  # CloudWatch's limit per metric directive


# Personalize reports metrics with about four decimals; a drop equal to `max_drop` up to float
# noise (0.2 - 0.19 = 0.010000000000000009) holds.
DROP_TOLERANCE: Final = 1e-9


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float | None  # None: the metric was not reported
    minimum: float

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:g}"
        return f"{self.metric} = {shown} < {self.minimum:g}"


def failed_gates(metrics: Mapping[str, float], gates: Mapping[str, Gate]) -> list[GateFailure]:
    """`min` gates not met, in gate-name order; a metric missing from `metrics` fails its gate."""
    failures = []
    for name in sorted(gates):
        minimum = gates[name].minimum
        if minimum is None:
            continue
        value = metrics.get(name)
        if value is None or float(value) < minimum:
            failures.append(GateFailure(name, None if value is None else float(value), minimum))
    return failures


def gate_message(solution: str, version_arn: str, failures: list[GateFailure]) -> str:
    shown = ", ".join(str(failure) for failure in failures)
    return f"gate failed for solution {solution}: {shown} ({version_arn})"


@dataclass(frozen=True)
class Comparison:
    """One `max_drop` gate of a challenger against its champion (the version served when it started)."""

    metric: str
    challenger: float | None  # None: the challenger did not report it
    champion: float | None  # None: the champion did not report it (nothing to compare with)
    max_drop: float

    @property
    def drop(self) -> float | None:
        """How far the challenger is below the champion (negative: above)."""
        if self.challenger is None or self.champion is None:
            return None
        return self.champion - self.challenger

    @property
    def holds(self) -> bool:
        """A missing challenger value fails; a champion without the metric cannot be beaten."""
        if self.challenger is None:
            return self.champion is None
        drop = self.drop
        return drop is None or drop - self.max_drop <= DROP_TOLERANCE

    def __str__(self) -> str:
        if self.challenger is None:
            return f"{self.metric} = missing (the serving version's {self.champion:.4f})"
        return (
            f"{self.metric} = {self.challenger:.4f} is {self.drop or 0.0:.4f} below the serving "
            f"version's {self.champion or 0.0:.4f} (max_drop {self.max_drop:g})"
        )


def comparisons(
    challenger: Mapping[str, float], champion: Mapping[str, float], gates: Mapping[str, Gate]
) -> list[Comparison]:
    """Every `max_drop` gate of `gates`, in gate-name order."""
    out = []
    for name in sorted(gates):
        max_drop = gates[name].max_drop
        if max_drop is None:
            continue
        mine, theirs = challenger.get(name), champion.get(name)
        out.append(
            Comparison(
                name,
                None if mine is None else float(mine),
                None if theirs is None else float(theirs),
                max_drop,
            )
        )
    return out


def drop_message(solution: str, challenger_arn: str, champion_arn: str, failures: list[Comparison]) -> str:
    """The first failure in full, the others by name and drop (or counted, when naming them would
    pass `MAX_MESSAGE`): the two ARNs at the end must survive the cut of a failure reason."""
    first, *others = failures
    also = ", ".join(f"{o.metric} {'missing' if o.drop is None else f'{o.drop:.4f} below'}" for o in others)
    lead = f"gate failed for solution {solution}: {first}"
    versions = f"challenger {challenger_arn} champion {champion_arn}"
    if not others:
        return f"{lead}: {versions}"
    message = f"{lead}; also {also}: {versions}"
    if len(message) > MAX_MESSAGE:
        return f"{lead}; {len(others)} more max_drop gates fail: {versions}"
    return message


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

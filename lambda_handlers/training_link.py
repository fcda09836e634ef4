"""One evaluation of a training wait link, shared by the version resource (link 0) and the links.

ACTIVE → metrics, gates, EMF line, complete with the Summary. Failed/stopped → DeployError.
Still training → not complete until this link's budget is spent, then hand over (complete with
the training status), or, on the last link, fail saying how long training has run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_handlers import arns, champion, constants, contract, metrics
from lambda_handlers.constants import Attr
from lambda_handlers.errors import DeployError
from lambda_handlers.events import Event, IsCompleteResponse, complete
from lambda_handlers.kernel.client_errors import not_found
from lambda_handlers.kernel.gone import solution_required
from lambda_handlers.kernel.status import KNOWN, canonical
from lambda_handlers.kernel.wait import Budget, hand_over
from lambda_handlers.solution_versions import epoch, keep_training

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


@dataclass(frozen=True)
class Link:
    version_arn: str
    trigger: str
    training_mode: str
    solution_name: str
    budget: Budget  # from this link's onEvent
    gates: dict[str, contract.Gate] = field(default_factory=dict)
    is_last: bool = False
    max_wait_minutes: int = 0

    @classmethod
    def of(
        cls,
        spec: contract.SolutionVersion | contract.TrainingWait,
        event: Event,
        deps: Deps,
        *,
        version_arn: str,
        is_last: bool = False,
        max_wait_minutes: int = 0,
    ) -> Link:
        """The link an isComplete event describes; its budget counts from its onEvent's StartedAt."""
        return cls(
            version_arn=version_arn,
            trigger=spec.trigger,
            training_mode=spec.training_mode,
            solution_name=spec.solution_name or arns.solution_name(version_arn),
            budget=Budget(float(event.data.get(Attr.STARTED_AT) or deps.now()), spec.link_seconds),
            gates=dict(spec.gates),
            is_last=is_last,
            max_wait_minutes=max_wait_minutes,
        )


def iso(value: Any) -> str:
    """ISO-8601 of a botocore timestamp (datetime) or epoch number; "" when absent."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC).isoformat()
    return ""


def evaluate(link: Link, deps: Deps) -> IsCompleteResponse:
    solution_arn = arns.solution_of_version(link.version_arn)
    with not_found(f"solution version {link.version_arn}"), solution_required(deps, solution_arn):
        version = deps.personalize.describe_solution_version(solutionVersionArn=link.version_arn)[
            "solutionVersion"
        ]
    status = canonical(version.get("status"))
    if status == constants.Status.ACTIVE:
        return _active(link, dict(version), deps)
    if status == constants.Status.CREATE_FAILED:
        reason = version.get("failureReason") or "no reason given"
        raise DeployError(f"solution version {link.version_arn} failed: {reason}")
    if status in constants.Status.STOPPED:
        raise DeployError(
            f"solution version {link.version_arn} was stopped ({status}) before it finished training; "
            "change the trigger to train a new one"
        )
    if status not in KNOWN:
        deps.log(f"solution version {link.version_arn}: unknown status {status!r}, waiting as if in progress")
    handed = hand_over(
        link.budget,
        deps.now(),
        is_last=link.is_last,
        data={Attr.SOLUTION_VERSION_ARN: link.version_arn, Attr.STATUS: status, Attr.SUMMARY: ""},
        log=deps.log,
        what=f"{link.version_arn} is {status}",
    )
    if handed is not None:
        return handed
    created = epoch(version.get("creationDateTime"), link.budget.started_at)
    elapsed = int(max(0.0, deps.now() - created) // 60)
    keep_training(link.version_arn, deps)
    raise DeployError(
        f"training of solution {link.solution_name} not finished after {elapsed} min "
        f"(max_wait_minutes {link.max_wait_minutes}): version {link.version_arn} is {status}; "
        "raise training.max_wait_minutes or redeploy later: the next deploy picks the same version "
        "up without retraining"
    )


def _active(link: Link, version: dict[str, Any], deps: Deps) -> IsCompleteResponse:
    response = deps.personalize.get_solution_metrics(solutionVersionArn=link.version_arn)
    values = {name: float(value) for name, value in (response.get("metrics") or {}).items()}
    if values:
        deps.log(metrics.emf_line(link.solution_name, link.version_arn, values, deps.now()))
    failures = metrics.failed_gates(values, link.gates)
    if failures:
        raise DeployError(metrics.gate_message(link.solution_name, link.version_arn, failures))
    _challenge(link, values, deps)
    summary = metrics.summary(
        version_arn=link.version_arn,
        training_mode=str(version.get("trainingMode") or link.training_mode),
        trigger=link.trigger,
        metrics=values,
        trained_at=iso(version.get("lastUpdatedDateTime")),
    )
    return complete(
        {
            Attr.SOLUTION_VERSION_ARN: link.version_arn,
            Attr.STATUS: constants.Status.ACTIVE,
            Attr.SUMMARY: summary,
        }
    )


def _challenge(link: Link, values: dict[str, float], deps: Deps) -> None:
    """`max_drop` gates: fail when the version dropped too far below the champion it started under."""
    compared = champion.challenge(deps, link.version_arn, values, link.gates)
    if compared is None:
        return
    champion_arn, comparisons = compared
    for comparison in comparisons:
        deps.log(f"{link.version_arn} against champion {champion_arn}: {comparison}")
    failed = [comparison for comparison in comparisons if not comparison.holds]
    if failed:
        raise DeployError(metrics.drop_message(link.solution_name, link.version_arn, champion_arn, failed))

"""Gated promotion of auto-trained versions: the scheduled checker's one decision per campaign.

Personalize retrains a solution with auto-training on by itself (versions with `trainingType`
AUTOMATIC, botocore's SolutionVersionSummary); nothing moves a campaign to them. The checker
takes the newest ACTIVE automatic version, applies the deploy's own gates (`metrics.failed_gates`)
and `max_drop` against the version the campaign serves (`metrics.comparisons`), and moves the
campaign with UpdateCampaign only when all hold. `syncWithLatestSolutionVersion` would move it
with no gate at all (refused together with gates by the config).

Idempotent: a version the campaign serves, or is being moved to, is `current`; a version already
held is held again without counting a second hold. The decision is kept on the campaign as tags
(`PROMOTED_TAG`, `DECISION_TAG`, `HOLDS_TAG`): the campaign handler keeps a promoted version over
an older declared one, and drift and status read them with the read-only role.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from botocore.exceptions import ClientError

from lambda_handlers import champion, constants, contract, metrics, solution_versions
from lambda_handlers.errors import describe
from lambda_handlers.kernel import status
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps

Outcome = Literal["promoted", "held", "current", "none"]
UPDATE_KEY: Final = "latestCampaignUpdate"
TAG_VALUE_MAX: Final = 256  # Personalize's Tag.tagValue length limit (botocore model)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str
    candidate: str | None  # the newest ACTIVE automatic version, if any
    champion: str | None  # the version the campaign served when the checker looked
    holds: int  # consecutive automatic versions held, this one included

    def recorded(self) -> str:
        """The `DECISION_TAG` value: outcome and version (tag values allow spaces, ':' and '/')."""
        return f"{self.outcome} {self.candidate or '-'}"[:TAG_VALUE_MAX]


def newest_automatic(deps: Deps, solution_arn: str) -> dict[str, Any] | None:
    """The newest ACTIVE version Personalize trained by itself (ListSolutionVersions summaries
    carry `trainingType`); None when there is none."""
    for summary in solution_versions.list_versions(deps, solution_arn):
        active = status.canonical(summary.get("status")) == constants.Status.ACTIVE
        if active and summary.get("trainingType") == solution_versions.AUTOMATIC:
            return summary
    return None


def _created(deps: Deps, version_arn: str) -> float:
    version = deps.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    return solution_versions.epoch(version.get("creationDateTime"), 0.0)


def judge(
    spec: contract.AutoPromotion, deps: Deps, campaign: dict[str, Any], tags: dict[str, str]
) -> Decision:
    """What the checker should do now; no write."""
    served = str(campaign.get("solutionVersionArn") or "")
    holds = int(tags.get(constants.HOLDS_TAG) or 0)
    newest = newest_automatic(deps, contract.resolved(spec.solution_arn))
    if newest is None:
        return Decision("none", "no ACTIVE automatic version", None, served, holds)
    candidate = str(newest["solutionVersionArn"])
    running = status.update_running(campaign, UPDATE_KEY)
    moving_to = status.latest_update(campaign, UPDATE_KEY).get("solutionVersionArn") if running else None
    if candidate in (served, moving_to):
        return Decision("current", "the campaign serves it", candidate, served, holds)
    if not status.is_idle(campaign, UPDATE_KEY):
        return Decision("none", "the campaign is busy: next run", candidate, served, holds)
    if served and solution_versions.epoch(newest.get("creationDateTime"), 0.0) <= _created(deps, served):
        return Decision("none", "the served version is newer", candidate, served, holds)
    if tags.get(constants.DECISION_TAG) == Decision("held", "", candidate, None, 0).recorded():
        return Decision("held", "held already", candidate, served, holds)
    values = champion.metrics_of(deps, candidate)
    failures = metrics.failed_gates(values, spec.gates)
    if failures:
        reason = metrics.gate_message(spec.solution_name, candidate, failures)
        return Decision("held", reason, candidate, served, holds + 1)
    compared = metrics.comparisons(values, champion.metrics_of(deps, served), champion.relative(spec.gates))
    dropped = [c for c in compared if not c.holds]
    if dropped:
        reason = metrics.drop_message(spec.solution_name, candidate, served, dropped)
        return Decision("held", reason, candidate, served, holds + 1)
    return Decision("promoted", "passed its gates", candidate, served, 0)


def check(spec: contract.AutoPromotion, deps: Deps) -> Decision:
    """One run, as the schedule runs it: decide, move the campaign if promoted, record, report."""
    arn = contract.resolved(spec.campaign_arn)
    campaign: dict[str, Any] = dict(deps.personalize.describe_campaign(campaignArn=arn)["campaign"])
    tags = tags_of(deps, arn)
    decision = judge(spec, deps, campaign, tags)
    if decision.outcome == "promoted" and decision.candidate:
        optional: dict[str, Any] = {}
        if campaign.get("campaignConfig"):
            optional["campaignConfig"] = campaign["campaignConfig"]
        moved = status.write(
            lambda: deps.personalize.update_campaign(
                campaignArn=arn,
                solutionVersionArn=str(decision.candidate),
                minProvisionedTPS=int(campaign["minProvisionedTPS"]),
                **optional,
            )
        )
        if not moved:
            kept = int(tags.get(constants.HOLDS_TAG) or 0)
            busy = "the campaign is busy: next run"
            decision = dataclasses.replace(decision, outcome="none", reason=busy, holds=kept)
    _record(deps, arn, decision, tags)
    deps.log(log_line(spec, decision))
    deps.log(emf_line(spec, decision, deps.now()))
    return decision


def _record(deps: Deps, arn: str, decision: Decision, tags: dict[str, str]) -> None:
    if decision.outcome not in ("promoted", "held"):
        return  # nothing decided: the tags stay as they are
    wanted = {constants.HOLDS_TAG: str(decision.holds), constants.DECISION_TAG: decision.recorded()}
    if decision.outcome == "promoted" and decision.candidate:
        wanted[constants.PROMOTED_TAG] = decision.candidate
    changed: list[TagTypeDef] = [
        {"tagKey": k, "tagValue": v} for k, v in sorted(wanted.items()) if tags.get(k) != v
    ]
    if changed:
        deps.personalize.tag_resource(resourceArn=arn, tags=changed)


def log_line(spec: contract.AutoPromotion, decision: Decision) -> str:
    """The decision as one structured log line (CloudWatch Logs Insights reads JSON fields)."""
    return json.dumps(
        {
            "decision": decision.outcome,
            "reason": decision.reason,
            "solution": spec.solution_name,
            "campaign": spec.campaign_name,
            "candidate": decision.candidate,
            "champion": decision.champion,
            "consecutiveHolds": decision.holds,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def emf_line(spec: contract.AutoPromotion, decision: Decision, timestamp: float) -> str:
    """The decision as an Embedded Metric Format line: Promoted, Held (0 or 1), ConsecutiveHolds."""
    names = (constants.PROMOTED_METRIC, constants.HELD_METRIC, constants.CONSECUTIVE_HOLDS_METRIC)
    values = (int(decision.outcome == "promoted"), int(decision.outcome == "held"), decision.holds)
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(timestamp * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": constants.PROMOTION_NAMESPACE,
                    "Dimensions": [["Solution", "Campaign"]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in names],
                }
            ],
        },
        "Solution": spec.solution_name,
        "Campaign": spec.campaign_name,
        "Decision": decision.outcome,
        **dict(zip(names, values, strict=True)),
    }
    return json.dumps(document, separators=(",", ":"))


def keep_promoted(deps: Deps, campaign_arn: str, declared: str, served: object) -> str:
    """The version a deploy should serve: the declared one, unless the checker promoted a newer one
    (`PROMOTED_TAG`): a deploy, or its rollback, never moves the campaign back past a promotion."""
    if served == declared or declared.endswith("/$LATEST"):
        return declared
    promoted = tags_of(deps, campaign_arn).get(constants.PROMOTED_TAG)
    if not promoted or promoted == declared:
        return declared
    try:
        newer = _created(deps, promoted) > _created(deps, declared)
    except ClientError as exc:  # the promoted version is gone (its solution deleted): declared wins
        deps.log(f"promoted version {promoted} unreadable ({describe(exc)}): serving {declared}")
        return declared
    if newer:
        deps.log(f"campaign {campaign_arn} keeps {promoted}, promoted after {declared} was trained")
        return promoted
    return declared

"""Champion/challenger: which version a new training must not fall too far below (gates' `max_drop`).

The champion is the version the solution's campaigns serve when the training starts (ListCampaigns
by solution, DescribeCampaign each: the summaries carry no version); when they serve different
versions, the best of them by the `max_drop` metrics, in metric-name order. It is recorded as
the `CHAMPION_TAG` of the new version at CreateSolutionVersion, so every wait link reads the
same champion however long the training takes, and a version this app did not start (a notebook
version, an automatic training) has none. A version the campaigns already serve is no
challenger: a rollback to it, or a gate change without a new trigger, compares nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lambda_handlers import arns, constants, metrics
from lambda_handlers.contract import Gate
from lambda_handlers.errors import NOT_FOUND
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps

# The handler role may describe only this app's campaigns (stacks/permissions.py): a campaign
# someone else made on the solution is not a candidate.
ACCESS_DENIED = "AccessDeniedException"


def relative(gates: Mapping[str, Gate]) -> dict[str, Gate]:
    """The gates that compare with a champion (those with `max_drop`)."""
    return {name: gate for name, gate in gates.items() if gate.max_drop is not None}


def served_versions(deps: Deps, solution_arn: str) -> list[str]:
    """The versions the solution's readable campaigns serve now, sorted, without duplicates."""
    served: set[str] = set()
    paginator = deps.personalize.get_paginator("list_campaigns")
    for page in paginator.paginate(solutionArn=solution_arn):
        for summary in page.get("campaigns", []):
            arn = summary["campaignArn"]
            with ignoring(NOT_FOUND, ACCESS_DENIED):
                version = deps.personalize.describe_campaign(campaignArn=arn)["campaign"].get(
                    "solutionVersionArn"
                )
                if version:
                    served.add(version)
    return sorted(served)


def metrics_of(deps: Deps, version_arn: str) -> dict[str, float]:
    """GetSolutionMetrics as numbers; empty when the version is gone or reports none."""
    with ignoring(NOT_FOUND):
        response = deps.personalize.get_solution_metrics(solutionVersionArn=version_arn)
        return {name: float(value) for name, value in (response.get("metrics") or {}).items()}
    return {}


def best(deps: Deps, versions: list[str], gates: Mapping[str, Gate]) -> str | None:
    """The version ranking highest on the `max_drop` metrics (name order; ties: the first ARN)."""
    if len(versions) <= 1:
        return versions[0] if versions else None
    ranked = sorted(relative(gates))

    def score(arn: str) -> tuple[float, ...]:
        values = metrics_of(deps, arn)
        return tuple(values.get(name, float("-inf")) for name in ranked)

    scores = {arn: score(arn) for arn in versions}
    return max(versions, key=lambda arn: scores[arn])  # max keeps the first of equals: sorted ARNs


def champion_tags(deps: Deps, solution_arn: str, gates: Mapping[str, Gate]) -> list[TagTypeDef]:
    """The tag recording the champion of a training about to start; none without `max_drop`
    gates or without a campaign serving a version (the first training checks `min` only)."""
    if not relative(gates):
        return []
    champion = best(deps, served_versions(deps, solution_arn), gates)
    if champion is None:
        deps.log(f"no campaign serves a version of {solution_arn}: no champion, gates check min only")
        return []
    deps.log(f"champion of the new training of {solution_arn}: {champion}")
    return [{"tagKey": constants.CHAMPION_TAG, "tagValue": champion}]


def recorded(deps: Deps, version_arn: str) -> str | None:
    """The champion recorded when this version started training, or None (no record)."""
    return tags_of(deps, version_arn).get(constants.CHAMPION_TAG) or None


def challenge(
    deps: Deps, version_arn: str, values: Mapping[str, float], gates: Mapping[str, Gate]
) -> tuple[str, list[metrics.Comparison]] | None:
    """The champion and the `max_drop` comparisons of a version that is ACTIVE, or None when there is
    nothing to compare: no `max_drop` gate, no champion recorded, or the version already serves."""
    gated = relative(gates)
    if not gated:
        return None
    champion = recorded(deps, version_arn)
    if champion is None:
        return None
    if version_arn in served_versions(deps, arns.solution_of_version(version_arn)):
        deps.log(f"{version_arn} already serves: no comparison with {champion}")
        return None
    return champion, metrics.comparisons(values, metrics_of(deps, champion), gated)

"""A campaign's state as this app compares it: (solution version, min TPS, `campaignConfig`).

Shared by the campaign handler (reconcile to the declared state) and the release of an adopted
campaign (`adopted_campaign`: back to the state recorded when it was adopted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_handlers import contract

UPDATE_KEY: Final = "latestCampaignUpdate"
LATEST: Final = "/$LATEST"  # SolutionVersionArn suffix with syncWithLatestSolutionVersion


@dataclass(frozen=True)
class Desired:
    version_arn: str
    min_tps: int
    config: dict[str, Any]  # campaignConfig in botocore's types

    @classmethod
    def of(cls, spec: contract.Campaign) -> Desired:
        return cls(
            contract.resolved(spec.solution_version_arn),
            spec.min_provisioned_tps,
            spec.campaign_config.to_api(),
        )


def normalise(value: Any) -> Any:
    """Compare API values and declared ones alike: "0.30" == 0.3, True == "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    text = str(value).strip()
    try:
        return repr(float(text))
    except ValueError:
        return text.lower()


def same_version(actual: object, desired: str) -> bool:
    """Equal ARNs; a desired `{solution ARN}/$LATEST` (syncWithLatestSolutionVersion) matches any
    version of that solution: the campaign reports the concrete version it serves."""
    if desired.endswith(LATEST):
        return str(actual or "").startswith(desired.removesuffix(LATEST) + "/")
    return actual == desired


def differences(desired: Desired, state: Mapping[str, Any]) -> list[str]:
    """Fields of `state` (a campaign or a campaign update) that differ; config: declared keys only."""
    found = []
    if not same_version(state.get("solutionVersionArn"), desired.version_arn):
        found.append("solutionVersionArn")
    if int(state.get("minProvisionedTPS") or 0) != desired.min_tps:
        found.append("minProvisionedTPS")
    actual = state.get("campaignConfig") or {}
    for key, wanted in desired.config.items():
        have = actual.get(key, contract.CAMPAIGN_CONFIG_API_DEFAULTS.get(key))
        if isinstance(wanted, dict):
            have_map = normalise(have) if isinstance(have, dict) else {}
            if any(have_map.get(k) != v for k, v in normalise(wanted).items()):
                found.append(f"campaignConfig.{key}")
        elif normalise(wanted) != normalise(have):
            found.append(f"campaignConfig.{key}")
    return found

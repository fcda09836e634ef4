"""The scheduled checker's input: which campaign it may move to which solution's automatic versions.

Not a custom resource: EventBridge Scheduler passes these properties as the invocation's payload
(`stacks/auto_promotion.py` writes them with `to_properties()`), decoded by the same codecs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from lambda_handlers.constants import AUTO_PROMOTION_PAYLOAD
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import ARN, GATES, TEXT, Gate, Intrinsic


@dataclass(frozen=True, kw_only=True)
class AutoPromotion(Contract):
    RESOURCE_TYPE: ClassVar[str] = AUTO_PROMOTION_PAYLOAD

    solution_arn: str | Intrinsic = prop("SolutionArn", ARN, "The auto-training solution.")
    solution_name: str = prop("SolutionName", TEXT, "The config's solution name.")
    campaign_arn: str | Intrinsic = prop("CampaignArn", ARN, "The campaign it may move.")
    campaign_name: str = prop("CampaignName", TEXT, "The config's campaign name.")
    gates: Mapping[str, Gate] = prop(
        "Gates", GATES, "The solution's gates; `max_drop` against the served version.", {}
    )

"""Lambda entry point of the scheduled checker (EventBridge Scheduler → `check_auto_training`).

Not in `entry.py`: the checker runs under its own role, not the Provider handlers'. The schedule's
input is `contract.AutoPromotion`'s properties; `handle` takes its `Deps` explicitly (tests pass
their own).
"""

from collections.abc import Mapping
from typing import Any

from lambda_handlers import auto_promotion, contract
from lambda_handlers.deps import Deps, default_deps


def handle(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    decision = auto_promotion.check(contract.AutoPromotion.from_properties(payload), deps)
    return {"decision": decision.outcome, "candidate": decision.candidate, "consecutiveHolds": decision.holds}


def check_auto_training(payload: Mapping[str, Any], _context: object) -> dict[str, Any]:
    return handle(payload, default_deps())

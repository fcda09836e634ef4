"""The status ladder every Personalize resource climbs, and writes that may meet ResourceInUse.

CREATE PENDING / IN_PROGRESS → wait; CREATE FAILED → fail with the reason; ACTIVE → then its
latest update (`latestSolutionUpdate`, `latestCampaignUpdate`) must not be in progress. Any
other status (stopping, deleting) is not something a deploy can continue from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from lambda_handlers.constants import Status
from lambda_handlers.errors import IN_USE, DeployError
from lambda_handlers.kernel.client_errors import ignoring

NO_REASON: Final = "Personalize gives no reason (see the console)"


def latest_update(resource: Mapping[str, Any], update_key: str) -> dict[str, Any]:
    return dict(resource.get(update_key) or {})


def is_idle(resource: Mapping[str, Any], update_key: str) -> bool:
    """ACTIVE with no update running: a write now would not meet ResourceInUse."""
    update = latest_update(resource, update_key)
    return resource.get("status") == Status.ACTIVE and update.get("status") not in Status.CREATING


def ready(resource: Mapping[str, Any], *, what: str, update_key: str) -> bool:
    """True once ACTIVE and its latest update finished; False while either is in progress.

    Raises DeployError for CREATE FAILED (with Personalize's reason) and any other status.
    """
    status = resource.get("status")
    if status in Status.CREATING:
        return False
    if status == Status.CREATE_FAILED:
        raise DeployError(f"{what} failed: {resource.get('failureReason') or NO_REASON}")
    if status != Status.ACTIVE:
        raise DeployError(f"{what} is {status}, expected ACTIVE")
    return latest_update(resource, update_key).get("status") not in Status.CREATING


def update_failed(update: Mapping[str, Any]) -> bool:
    return update.get("status") == Status.CREATE_FAILED


def write(call: Callable[[], object]) -> bool:
    """Run a write; False when Personalize answers ResourceInUse (busy): isComplete tries again."""
    with ignoring(IN_USE):
        call()
        return True
    return False

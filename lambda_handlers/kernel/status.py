"""The status ladder every Personalize resource climbs, and writes that may meet ResourceInUse.

CREATE PENDING / IN_PROGRESS → wait; CREATE FAILED → fail with the reason; ACTIVE → then its
latest update (`latestSolutionUpdate`, `latestCampaignUpdate`) must have ended. Other known
statuses (stopping, stopped, deleting) are not something a deploy can continue from.

Terminal statuses are an allow-list, for resources and for their updates alike: a status this
code does not know (one Personalize adds later) counts as in progress, with one log line per
poll, and the wait's timeout names it. botocore's model types every Personalize status as a
plain string (shape `Status`, no enum); the states are listed in prose only, in each status
member's documentation, which tests/unit/test_status.py reads from botocore's model, and on the
API reference pages:
https://docs.aws.amazon.com/personalize/latest/dg/API_Campaign.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_CampaignUpdateSummary.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_Solution.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_SolutionUpdateSummary.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_SolutionVersion.html.
The reference spells them with a space (`CREATE STOPPED`) except
https://docs.aws.amazon.com/personalize/latest/dg/API_StopSolutionVersionCreation.html
(`CREATE_STOPPED`, `CREATE_PENDING`): `canonical` reads both spellings as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers.constants import LINK_SECONDS, Attr, Status
from lambda_handlers.errors import IN_USE, DeployError
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.wait import Budget

if TYPE_CHECKING:
    from lambda_handlers.events import Event

NO_REASON: Final = "Personalize gives no reason (see the console)"

# Allow-lists: where a wait may stop. Anything else is still in progress.
UPDATE_TERMINAL: Final = frozenset({Status.ACTIVE, Status.CREATE_FAILED})
# Every status the reference lists for solutions, versions, campaigns and their updates.
KNOWN: Final = frozenset(
    {Status.ACTIVE, Status.CREATE_FAILED, *Status.CREATING, *Status.STOPPED, *Status.DELETING}
)
_VERB: Final = re.compile(r"^(CREATE|DELETE|UPDATE|STOP|START)_")

Log = Callable[[str], None]


def canonical(status: Any) -> str:
    """A status as this code spells it (`CREATE_STOPPED` → `CREATE STOPPED`); "" when absent."""
    return _VERB.sub(r"\1 ", str(status or "").strip())


def latest_update(resource: Mapping[str, Any], update_key: str) -> dict[str, Any]:
    return dict(resource.get(update_key) or {})


def update_status(resource: Mapping[str, Any], update_key: str) -> str:
    """The latest update's status, canonical; "" when the resource was never updated."""
    return canonical(latest_update(resource, update_key).get("status"))


def update_running(resource: Mapping[str, Any], update_key: str) -> bool:
    """An update exists and has not reached a terminal status (unknown ones included)."""
    found = update_status(resource, update_key)
    return bool(found) and found not in UPDATE_TERMINAL


def is_idle(resource: Mapping[str, Any], update_key: str) -> bool:
    """ACTIVE with no update running: a write now would not meet ResourceInUse."""
    return canonical(resource.get("status")) == Status.ACTIVE and not update_running(resource, update_key)


def ready(
    resource: Mapping[str, Any],
    *,
    what: str,
    update_key: str,
    log: Log,
    budget: Budget | None = None,
    now: float = 0.0,
) -> bool:
    """True once ACTIVE and its latest update ended; False while either is in progress.

    Raises DeployError for CREATE FAILED (with Personalize's reason), for a known status a
    deploy cannot continue from, and when `budget` is spent while still waiting (naming the
    statuses waited on). An unknown status is waited on, with one log line.
    """
    found = canonical(resource.get("status"))
    if found == Status.CREATE_FAILED:
        raise DeployError(f"{what} failed: {resource.get('failureReason') or NO_REASON}")
    if found in KNOWN and found != Status.ACTIVE and found not in Status.CREATING:
        raise DeployError(f"{what} is {found}, expected ACTIVE")
    update = update_status(resource, update_key)
    for label, value in (("status", found), ("latest update status", update)):
        if value and value not in KNOWN:
            log(f"{what}: unknown {label} {value!r}, waiting as if in progress")
    if found == Status.ACTIVE and not update_running(resource, update_key):
        return True
    if budget is not None and budget.spent(now):
        minutes = int(budget.seconds // 60)
        raise DeployError(
            f"{what} still {found or 'without a status'} (latest update {update or 'none'}) after "
            f"{minutes} min; retry the deploy once Personalize shows it ACTIVE"
        )
    return False


def wait_budget(event: Event) -> Budget | None:
    """The wait's own deadline: `LINK_SECONDS` after onEvent, inside the Provider's timeout, so the
    failure CloudFormation shows names the status waited on; None when onEvent recorded no start."""
    begun = event.data.get(Attr.STARTED_AT)
    return Budget(float(begun), LINK_SECONDS) if begun else None


def update_failed(update: Mapping[str, Any]) -> bool:
    return canonical(update.get("status")) == Status.CREATE_FAILED


def write(call: Callable[[], object]) -> bool:
    """Run a write; False when Personalize answers ResourceInUse (busy): isComplete tries again."""
    with ignoring(IN_USE):
        call()
        return True
    return False

"""A bounded wait: a budget of seconds counted from a start CloudFormation's events carry back.

isComplete cannot keep state between polls; onEvent records its start time in Data
(`Attr.STARTED_AT`), which the framework hands to every isComplete of that operation.
A chain of wait links (training, dataset imports) carries a wait past CloudFormation's hour:
each link spends its own budget, then hands over (`hand_over`); the last one fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lambda_handlers.constants import Attr
from lambda_handlers.events import IsCompleteResponse, OnEventResponse, complete, not_complete, respond


@dataclass(frozen=True)
class Budget:
    started_at: float  # epoch seconds
    seconds: float

    def spent(self, now: float) -> bool:
        return now - self.started_at >= self.seconds


def hand_over(
    budget: Budget,
    now: float,
    *,
    is_last: bool,
    data: Mapping[str, str],
    log: Callable[[str], None],
    what: str,
) -> IsCompleteResponse | None:
    """What a wait link answers while its subject is still in progress: poll again within its
    budget; once spent, hand over to the next link (complete with `data`), or, on the last
    link, None: the caller fails, naming what it waited for and for how long."""
    if not budget.spent(now):
        return not_complete()
    if is_last:
        return None
    log(f"hand-over: {what}, the next link continues")
    return complete(data)


def started(now: float) -> dict[str, str]:
    """onEvent's Data recording when its wait began: every budget of that operation counts from it."""
    return {Attr.STARTED_AT: str(int(now))}


def next_link(link_index: int, job_arn: str, job_attr: str, now: float) -> OnEventResponse:
    """onEvent of a wait link after the first: nothing to start, only the job it waits for (under
    `job_attr`) and its own start, from which its budget counts."""
    return respond(f"{job_arn}/wait-{link_index}", {job_attr: job_arn, **started(now)})


def nothing_to_delete(physical_id: str, why: str, log: Callable[[str], None]) -> OnEventResponse:
    """Delete of a job no API stops or deletes (an import, a batch job): say why, answer done."""
    log(f"{physical_id}: {why}")
    return respond(physical_id)

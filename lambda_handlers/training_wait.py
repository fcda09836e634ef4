"""Custom::PersonalizeTrainingWait: one more link of waiting for the version, no Personalize write.

Physical id `{SolutionVersionArn}/wait-{LinkIndex}`; the last link fails at its deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambda_handlers import contract, training_link
from lambda_handlers.constants import Attr
from lambda_handlers.events import DELETE, Event, IsCompleteResponse, OnEventResponse, complete, respond
from lambda_handlers.kernel import wait

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return respond(event.physical_id)
    spec = event.spec(contract.TrainingWait)
    arn = contract.resolved(spec.solution_version_arn)
    return wait.next_link(spec.link_index, arn, Attr.SOLUTION_VERSION_ARN, deps.now())


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    if event.request_type == DELETE:
        return complete()
    spec = event.spec(contract.TrainingWait)
    link = training_link.Link.of(
        spec,
        event,
        deps,
        version_arn=event.data.get(Attr.SOLUTION_VERSION_ARN) or contract.resolved(spec.solution_version_arn),
        is_last=spec.is_last,
        max_wait_minutes=spec.max_wait_minutes,
    )
    return training_link.evaluate(link, deps)

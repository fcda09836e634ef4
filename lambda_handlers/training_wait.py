"""Custom::PersonalizeTrainingWait: one more link of waiting for the version, no Personalize write.

Physical id `{SolutionVersionArn}/wait-{LinkIndex}`; the last link fails at its deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambda_handlers import arns, constants, metrics, training_status
from lambda_handlers.constants import Attr, TrainingWaitProps
from lambda_handlers.events import DELETE, Event, IsCompleteResponse, OnEventResponse, complete, respond

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return respond(event.physical_id)
    arn = event.prop(TrainingWaitProps.SOLUTION_VERSION_ARN)
    index = event.prop(TrainingWaitProps.LINK_INDEX)
    return respond(
        f"{arn}/wait-{index}", {Attr.SOLUTION_VERSION_ARN: arn, Attr.STARTED_AT: str(int(deps.now()))}
    )


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    if event.request_type == DELETE:
        return complete()
    arn = event.data.get(Attr.SOLUTION_VERSION_ARN) or event.prop(TrainingWaitProps.SOLUTION_VERSION_ARN)
    link = training_status.Link(
        version_arn=arn,
        trigger=event.props.get(TrainingWaitProps.TRIGGER, ""),
        training_mode=event.props.get(TrainingWaitProps.TRAINING_MODE) or "FULL",
        solution_name=event.props.get(TrainingWaitProps.SOLUTION_NAME) or arns.solution_name(arn),
        started_at=float(event.data.get(Attr.STARTED_AT) or deps.now()),
        link_seconds=float(event.props.get(TrainingWaitProps.LINK_SECONDS) or constants.LINK_SECONDS),
        gates=metrics.parse_gates(event.props.get(TrainingWaitProps.GATES, "")),
        is_last=event.props.get(TrainingWaitProps.IS_LAST, "").lower() == "true",
        max_wait_minutes=int(event.props.get(TrainingWaitProps.MAX_WAIT_MINUTES) or 0),
    )
    return training_status.evaluate(link, deps)

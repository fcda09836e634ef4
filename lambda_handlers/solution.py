"""Custom::PersonalizeSolution: create or adopt a solution, keep its auto-training as declared.

Physical id = solution ARN, or `adopted:` + ARN for a solution that existed before (released,
never deleted). A solution already carrying this resource's owner tag (`ownership.py`) was made
by an earlier delivery of this Create: it keeps the plain ARN. Everything but auto-training is
immutable: a change must come with a new name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers import arns, deletion, ownership
from lambda_handlers.constants import Attr, SolutionProps, Status
from lambda_handlers.errors import ALREADY_EXISTS, IN_USE, NOT_FOUND, DeployError, is_code
from lambda_handlers.events import (
    CREATE,
    DELETE,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    complete,
    not_complete,
    respond,
)
from lambda_handlers.training_status import is_training

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

API_DEFAULT_SCHEDULE: Final = "rate(7 days)"


@dataclass(frozen=True)
class AutoTraining:
    enabled: bool
    schedule: str  # "" when disabled

    @classmethod
    def declared(cls, schedule: str) -> AutoTraining:
        schedule = schedule.strip()
        return cls(bool(schedule), schedule)

    @classmethod
    def of(cls, enabled: Any, config: Any) -> AutoTraining:
        if not enabled:
            return cls(False, "")
        schedule = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
        return cls(True, str(schedule or API_DEFAULT_SCHEDULE).strip())


def current_auto_training(solution: dict[str, Any]) -> AutoTraining:
    """The auto-training in force: the latest ACTIVE update's, else the solution's own."""
    update = solution.get("latestSolutionUpdate") or {}
    if update.get("status") == Status.ACTIVE:
        return AutoTraining.of(update.get("performAutoTraining"), update.get("solutionUpdateConfig"))
    return AutoTraining.of(solution.get("performAutoTraining", True), solution.get("solutionConfig"))


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return _delete(event, deps)
    if event.request_type == CREATE or event.changed(SolutionProps.NAME):
        return create_or_adopt(event, deps)
    name = event.prop(SolutionProps.NAME)
    for prop in SolutionProps.IMMUTABLE:
        if _normalised(prop, event.props.get(prop, "")) != _normalised(prop, event.old(prop)):
            raise DeployError(
                f"solution {name}: {prop} cannot change on an existing solution; "
                "give the solution a new name to create a new one"
            )
    arn = arns.strip_adopted(event.physical_id)
    if event.changed(SolutionProps.AUTO_TRAINING_SCHEDULE):
        _update_auto_training(deps, arn, _desired(event))
    return respond(event.physical_id, _data(event.physical_id))


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    arn = arns.strip_adopted(event.physical_id)
    if event.request_type == DELETE:
        return _delete_progress(event, deps)
    name = event.props.get(SolutionProps.NAME) or arn
    try:
        solution: dict[str, Any] = dict(deps.personalize.describe_solution(solutionArn=arn)["solution"])
    except Exception as exc:
        if is_code(exc, NOT_FOUND):
            raise DeployError(f"solution {name} not found ({arn})") from exc
        raise
    status = solution.get("status")
    if status in Status.CREATING:
        return not_complete()
    if status == Status.CREATE_FAILED:
        reason = solution.get("failureReason") or "Personalize gives no reason (see the console)"
        raise DeployError(f"solution {name} failed: {status}: {reason}")
    if status != Status.ACTIVE:
        raise DeployError(f"solution {name} is {status}, expected ACTIVE")
    update = solution.get("latestSolutionUpdate") or {}
    if update.get("status") in Status.CREATING:
        return not_complete()
    desired = _desired(event)
    if current_auto_training(solution) != desired:
        if update.get("status") == Status.CREATE_FAILED and _update_target(update) == desired:
            raise DeployError(f"solution {name}: auto-training update failed: {update.get('failureReason')}")
        _update_auto_training(deps, arn, desired)
        return not_complete()
    return complete(_data(event.physical_id))


def create_or_adopt(event: Event, deps: Deps) -> OnEventResponse:
    name = event.prop(SolutionProps.NAME)
    group = event.prop(SolutionProps.DATASET_GROUP_ARN)
    recipe = event.prop(SolutionProps.RECIPE_ARN)
    desired = _desired(event)
    config = dict(event.json_prop(SolutionProps.SOLUTION_CONFIG, {}))
    if desired.enabled:
        config["autoTrainingConfig"] = {"schedulingExpression": desired.schedule}
    optional: dict[str, Any] = {}
    if event.props.get(SolutionProps.EVENT_TYPE):
        optional["eventType"] = event.props[SolutionProps.EVENT_TYPE]
    if config:
        optional["solutionConfig"] = config
    tags = ownership.with_owner_tag(event.tags(SolutionProps.TAGS), event)
    if tags:
        optional["tags"] = tags
    try:
        arn = deps.personalize.create_solution(
            name=name,
            datasetGroupArn=group,
            recipeArn=recipe,
            performHPO=event.props.get(SolutionProps.PERFORM_HPO, "").lower() == "true",
            performAutoTraining=desired.enabled,
            **optional,
        )["solutionArn"]
    except Exception as exc:
        if not is_code(exc, ALREADY_EXISTS):
            raise
        arn = arns.sibling(group, "solution", name)
        # Ours: made by an earlier delivery of this Create. Else someone else's: adopt, release.
        physical_id = arn if ownership.is_ours(deps, arn, event) else arns.adopted(arn)
        return _take_over(deps, physical_id, name=name, group=group, recipe=recipe, desired=desired)
    deps.log(f"created solution {arn}")
    return respond(arn, _data(arn))


def _take_over(
    deps: Deps, physical_id: str, *, name: str, group: str, recipe: str, desired: AutoTraining
) -> OnEventResponse:
    """Continue with an existing solution of this name: same group and recipe, declared auto-training."""
    arn = arns.strip_adopted(physical_id)
    solution: dict[str, Any] = dict(deps.personalize.describe_solution(solutionArn=arn)["solution"])
    if solution.get("recipeArn") != recipe or solution.get("datasetGroupArn") != group:
        raise DeployError(
            f"solution {name} already exists with recipe {solution.get('recipeArn')} in dataset group "
            f"{solution.get('datasetGroupArn')}; give this solution another name (physical_name) "
            "or delete the existing one"
        )
    if arns.is_adopted(physical_id):
        deps.log(f"adopting existing solution {arn}")
    else:
        deps.log(f"solution {arn} already made by this resource (owner tag): continuing with it")
    update = solution.get("latestSolutionUpdate") or {}
    busy = solution.get("status") != Status.ACTIVE or update.get("status") in Status.CREATING
    if not busy and current_auto_training(solution) != desired:
        _update_auto_training(deps, arn, desired)
    return respond(physical_id, _data(physical_id))


def _update_auto_training(deps: Deps, arn: str, desired: AutoTraining) -> None:
    """UpdateSolution; a solution busy with another update is left to isComplete."""
    try:
        if desired.enabled:
            deps.personalize.update_solution(
                solutionArn=arn,
                performAutoTraining=True,
                solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": desired.schedule}},
            )
        else:
            deps.personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    except Exception as exc:
        if not is_code(exc, IN_USE):
            raise
        return
    deps.log(f"updating auto-training of {arn} to {desired}")


def _delete(event: Event, deps: Deps) -> OnEventResponse:
    return deletion.on_delete(event, deps, kind="solution", start=_stop_and_delete)


def _delete_progress(event: Event, deps: Deps) -> IsCompleteResponse:
    return deletion.delete_progress(event, deps, status_of=_solution_status, start=_stop_and_delete)


def _solution_status(deps: Deps, arn: str) -> str | None:
    return deps.personalize.describe_solution(solutionArn=arn)["solution"].get("status")


def _stop_and_delete(deps: Deps, arn: str) -> None:
    """Stop versions still training, then DeleteSolution. Missing = done; in use = try later."""
    client = deps.personalize
    try:
        for page in client.get_paginator("list_solution_versions").paginate(solutionArn=arn):
            for summary in page.get("solutionVersions", []):
                if is_training(summary.get("status")):
                    _stop(deps, summary["solutionVersionArn"])
        client.delete_solution(solutionArn=arn)
        deps.log(f"deleting solution {arn}")
    except Exception as exc:
        if not (is_code(exc, NOT_FOUND) or is_code(exc, IN_USE)):
            raise


def _stop(deps: Deps, version_arn: str) -> None:
    try:
        deps.personalize.stop_solution_version_creation(solutionVersionArn=version_arn)
        deps.log(f"stopped training of {version_arn}")
    except Exception as exc:
        if not (is_code(exc, NOT_FOUND) or is_code(exc, IN_USE)):
            raise


def _desired(event: Event) -> AutoTraining:
    return AutoTraining.declared(event.props.get(SolutionProps.AUTO_TRAINING_SCHEDULE, ""))


def _update_target(update: dict[str, Any]) -> AutoTraining:
    return AutoTraining.of(update.get("performAutoTraining"), update.get("solutionUpdateConfig"))


def _normalised(prop: str, value: str) -> str:
    if prop == SolutionProps.SOLUTION_CONFIG:
        try:
            return json.dumps(json.loads(value or "{}"), sort_keys=True)
        except json.JSONDecodeError:
            return value
    return value.strip()


def _data(physical_id: str) -> dict[str, str]:
    return {
        Attr.SOLUTION_ARN: arns.strip_adopted(physical_id),
        Attr.ADOPTED: "true" if arns.is_adopted(physical_id) else "false",
    }

"""Solutions: create, describe (with latestSolutionVersion and latestSolutionUpdate), list,
update (a change in flight), delete."""

from __future__ import annotations

import copy
import re
from typing import Final

from simulation.personalize.campaigns import campaign_versions
from simulation.personalize.errors import in_use, invalid
from simulation.personalize.recipes import RECIPE_ARN_PREFIX, custom_recipe_name
from simulation.personalize.store import (
    ACTIVE,
    CREATING,
    FAILED,
    JSON,
    STOPPING,
    Change,
    Operation,
    Resource,
    Store,
    phase,
)

# What CreateSolution schedules when performAutoTraining is left out (API reference, CreateSolution).
# Stated here apart from the app's `contract.API_DEFAULT_SCHEDULE` on purpose: the fake plays AWS,
# and tests/unit/test_api_defaults.py checks the app's belief against botocore's documentation.
DEFAULT_AUTO_TRAINING: Final = "rate(7 days)"


def _check_schedule(config: JSON) -> None:
    expression = config.get("autoTrainingConfig", {}).get("schedulingExpression")
    if expression is not None:
        days = int(re.sub(r"\D", "", expression))
        if not 1 <= days <= 30:
            raise invalid(f"schedulingExpression {expression}: rate must be 1-30 days")


def create_solution(store: Store, p: JSON) -> JSON:
    group = store.dataset_group(p["datasetGroupArn"])
    if p.get("performAutoML"):
        raise invalid("performAutoML is not supported; choose a recipe.")
    if "recipeArn" not in p:
        raise invalid("recipeArn is required.")
    custom_recipe_name(p["recipeArn"])
    arn = store.arn("solution", p["name"])
    store.ensure_new(arn)
    auto = p.get("performAutoTraining", True)
    config = copy.deepcopy(p.get("solutionConfig", {}))
    if auto and "autoTrainingConfig" not in config:
        config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
    _check_schedule(config)
    now = store.now()
    store.add(
        "solution",
        arn,
        p["name"],
        now,
        now + store.durations.solution_create,
        {
            "datasetGroupArn": group.arn,
            "recipeArn": p["recipeArn"],
            "performHPO": p.get("performHPO", False),
            "performAutoML": False,
            "performAutoTraining": auto,
            "performIncrementalUpdate": p.get("performIncrementalUpdate", False),
            "eventType": p.get("eventType"),
            "solutionConfig": config,
        },
        parent=group.arn,
        tags=p.get("tags"),
    )
    return {"solutionArn": arn}


def _solution_view(store: Store, solution: Resource) -> JSON:
    view = store.view(solution)
    versions = store.of("solution-version", solution.arn)
    if versions:
        view["latestSolutionVersion"] = store.view(versions[0])
    change = solution.change
    if change is not None:
        status = phase(change.started, change.done_at, store.now(), change.failure)
        view["latestSolutionUpdate"] = {
            **change.summary,
            "status": status,
            "creationDateTime": change.started,
            "lastUpdatedDateTime": change.done_at if change.applied else change.started,
            "failureReason": change.failure if status == FAILED else None,
        }
    return view


def describe_solution(store: Store, p: JSON) -> JSON:
    return {"solution": _solution_view(store, store.get(p["solutionArn"], "solution"))}


def list_solutions(store: Store, p: JSON) -> JSON:
    return store.listing("solution", p, "solutions", "datasetGroupArn")


def update_solution(store: Store, p: JSON) -> JSON:
    solution = store.get(p["solutionArn"], "solution")
    status = store.status(solution)
    if status != ACTIVE:
        raise in_use(f"The solution {solution.arn} is in {status} state; it must be ACTIVE.")
    if solution.change is not None and not solution.change.applied:
        raise in_use(f"The solution {solution.arn} has an update in progress.")
    auto = p.get("performAutoTraining", solution.data["performAutoTraining"])
    update_config = copy.deepcopy(p.get("solutionUpdateConfig", {}))
    config = copy.deepcopy(solution.data["solutionConfig"])
    if "autoTrainingConfig" in update_config:
        config["autoTrainingConfig"] = update_config["autoTrainingConfig"]
    if auto and "autoTrainingConfig" not in config:
        config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
    _check_schedule(config)
    fields: JSON = {"performAutoTraining": auto, "solutionConfig": config}
    if "performIncrementalUpdate" in p:
        fields["performIncrementalUpdate"] = p["performIncrementalUpdate"]
    now = store.now()
    solution.change = Change(
        now,
        now + store.durations.solution_update,
        fields,
        {
            "solutionUpdateConfig": update_config or None,
            "performAutoTraining": auto,
            "performIncrementalUpdate": p.get("performIncrementalUpdate"),
        },
    )
    return {"solutionArn": solution.arn}


def delete_solution(store: Store, p: JSON) -> JSON:
    solution = store.get(p["solutionArn"], "solution")
    versions = store.of("solution-version", solution.arn)
    busy = [v for v in versions if store.status(v) in (*CREATING, STOPPING)]
    store.refuse_if_any(busy, "solution versions still training or stopping", solution)
    version_arns = {v.arn for v in versions}
    users = [c for c in store.of("campaign") if campaign_versions(c) & version_arns]
    store.refuse_if_any(users, "campaigns using its versions", solution)
    if solution.change is not None and not solution.change.applied:
        raise in_use(f"The solution {solution.arn} has an update in progress.")
    store.start_delete(solution, "solution")
    return {}


def seed_solution(
    store: Store, dataset_group_arn: str, name: str, recipe: str, *, perform_auto_training: bool
) -> str:
    """An ACTIVE solution (as if made earlier, e.g. by the notebook)."""
    now = store.now()
    arn = store.arn("solution", name)
    store.ensure_new(arn)
    config: JSON = {}
    if perform_auto_training:
        config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
    store.add(
        "solution",
        arn,
        name,
        now,
        now,
        {
            "datasetGroupArn": dataset_group_arn,
            "recipeArn": RECIPE_ARN_PREFIX + recipe,
            "performHPO": False,
            "performAutoML": False,
            "performAutoTraining": perform_auto_training,
            "performIncrementalUpdate": False,
            "solutionConfig": config,
        },
        parent=dataset_group_arn,
    )
    return arn


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateSolution": create_solution,
    "DescribeSolution": describe_solution,
    "ListSolutions": list_solutions,
    "UpdateSolution": update_solution,
    "DeleteSolution": delete_solution,
}

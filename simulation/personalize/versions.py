"""Solution versions: training (manual, and automatic on the solution's schedule), stopping,
describing and listing them, and GetSolutionMetrics."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Final

from simulation.personalize.errors import already_exists, in_use, invalid, limit_exceeded
from simulation.personalize.imports import has_imported_interactions
from simulation.personalize.recipes import UPDATE_MODE_RECIPES, custom_recipe_name
from simulation.personalize.store import (
    ACTIVE,
    CREATING,
    FAILED,
    IN_PROGRESS,
    JSON,
    PENDING,
    STOPPING,
    Operation,
    Resource,
    Store,
)


def new_version(  # noqa: PLR0917
    store: Store,
    solution: Resource,
    name: str | None,
    mode: str,
    training_type: str,
    tags: list[JSON],
    created: float,
    ready_at: float,
    failure: str | None,
) -> str:
    seq = store.next_seq()
    digest = hashlib.sha256(f"{solution.arn}#{seq}".encode()).hexdigest()[:8]
    arn = f"{solution.arn}/{digest}"
    source = store.metrics_for_next_versions
    metrics = source(arn) if callable(source) else dict(source)
    data = {
        "solutionVersionArn": arn,
        "solutionArn": solution.arn,
        "performHPO": solution.data.get("performHPO", False),
        "performAutoML": False,
        "performIncrementalUpdate": solution.data.get("performIncrementalUpdate", False),
        "recipeArn": solution.data["recipeArn"],
        "eventType": solution.data.get("eventType"),
        "datasetGroupArn": solution.data["datasetGroupArn"],
        "solutionConfig": copy.deepcopy(solution.data.get("solutionConfig", {})),
        "trainingMode": mode,
        "trainingType": training_type,
    }
    res = store.add(
        "solution-version",
        arn,
        name or "",
        created,
        ready_at,
        data,
        parent=solution.arn,
        failure=failure,
        tags=tags,
    )
    res.metrics = dict(metrics)
    return arn


def _version_view(store: Store, version: Resource) -> JSON:
    view = store.view(version)
    if not version.name:
        del view["name"]
    if view["status"] == ACTIVE:
        view["trainingHours"] = round((version.ready_at - version.created) / 3600, 3)
    return view


def create_solution_version(store: Store, p: JSON) -> JSON:
    solution = store.get(p["solutionArn"], "solution")
    status = store.status(solution)
    if status != ACTIVE:
        raise in_use(f"The solution {solution.arn} is in {status} state; it must be ACTIVE.")
    mode = p.get("trainingMode", "FULL")
    if mode == "AUTOTRAIN":
        raise invalid("trainingMode AUTOTRAIN is reserved for automatic training.")
    if not has_imported_interactions(store, solution.data["datasetGroupArn"]):
        raise invalid(
            f"The dataset group {solution.data['datasetGroupArn']} has no interactions "
            "dataset with an ACTIVE import job; import interactions before training."
        )
    versions = store.of("solution-version", solution.arn)
    if mode == "UPDATE":
        recipe = custom_recipe_name(solution.data["recipeArn"])
        if recipe not in UPDATE_MODE_RECIPES:
            raise invalid(f"trainingMode UPDATE is not supported for recipe {recipe}.")
        if not any(store.status(v) == ACTIVE for v in versions):
            raise invalid(f"trainingMode UPDATE needs an ACTIVE solution version of {solution.arn}.")
    training = [v for v in versions if store.status(v) in (*CREATING, STOPPING)]
    if training:
        raise in_use(f"The solution {solution.arn} already has a version being created: {training[0].arn}.")
    name = p.get("name")
    # botocore's model lists ResourceAlreadyExistsException for CreateSolutionVersion; that a
    # second version of one solution under the same name raises it is assumed (undocumented).
    if name and any(v.name == name for v in versions):
        raise already_exists(f"A solution version named {name} already exists.")
    in_flight = [v for v in store.of("solution-version") if store.status(v) in CREATING]
    if len(in_flight) >= store.limits.versions_training:
        raise limit_exceeded(
            f"Limit of {store.limits.versions_training} solution versions in training reached."
        )
    now = store.now()
    failure = store.faults.training_failure(solution.arn)
    ready = now + store.durations.training
    arn = new_version(store, solution, name, mode, "MANUAL", p.get("tags", []), now, ready, failure)
    return {"solutionVersionArn": arn}


def describe_solution_version(store: Store, p: JSON) -> JSON:
    version = store.get(p["solutionVersionArn"], "solution-version")
    return {"solutionVersion": _version_view(store, version)}


def list_solution_versions(store: Store, p: JSON) -> JSON:
    if "solutionArn" in p:
        store.get(p["solutionArn"], "solution")
    return store.listing("solution-version", p, "solutionVersions", "solutionArn")


def stop_solution_version_creation(store: Store, p: JSON) -> JSON:
    version = store.get(p["solutionVersionArn"], "solution-version")
    status = store.status(version)
    if status not in CREATING:
        raise invalid(
            f"The solution version {version.arn} is in {status} state; only "
            "CREATE PENDING or CREATE IN_PROGRESS versions can be stopped."
        )
    now = store.now()
    version.stop_at = now
    # Documented: CREATE_PENDING > CREATE_STOPPED, CREATE_IN_PROGRESS > STOPPING > STOPPED.
    version.stopped_at = now if status == PENDING else now + store.durations.stop
    return {}


def get_solution_metrics(store: Store, p: JSON) -> JSON:
    version = store.get(p["solutionVersionArn"], "solution-version")
    status = store.status(version)
    if status != ACTIVE:
        raise invalid(
            f"The solution version {version.arn} is in {status} state; metrics "
            "exist only for ACTIVE versions."
        )
    return {"solutionVersionArn": version.arn, "metrics": dict(version.metrics)}


def auto_train_due(store: Store) -> None:
    """With performAutoTraining on, a version with `trainingType` AUTOMATIC starts every
    `schedulingExpression` period, counted from when the solution (or the update that turned
    auto-training on) became ACTIVE. Developer guide, "Configuring automatic training"
    (https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html) and
    the API reference's AutoTrainingConfig. Not modelled: the guide's rule that a period without
    newly imported interactions trains nothing."""
    now = store.now()
    for solution in [r for r in store.resources() if r.kind == "solution"]:
        config = solution.data.get("solutionConfig") or {}
        expression = config.get("autoTrainingConfig", {}).get("schedulingExpression")
        if not solution.data.get("performAutoTraining") or not expression or solution.deleted_at is not None:
            store.auto_trained_until.pop(solution.arn, None)
            continue
        change = solution.change
        started = change.done_at if change is not None and change.applied else solution.ready_at
        period = int(re.sub(r"\D", "", expression)) * 86400.0
        since = store.auto_trained_until.setdefault(solution.arn, started)
        while since + period <= now:
            since += period
            failure = store.faults.training_failure(solution.arn)
            ready = since + store.durations.training
            new_version(store, solution, None, "AUTOTRAIN", "AUTOMATIC", [], since, ready, failure)
        store.auto_trained_until[solution.arn] = since


def auto_train(store: Store, solution_arn: str) -> str:
    """What the auto-training schedule does: a FULL/AUTOTRAIN version, trainingType AUTOMATIC."""
    solution = store.get(solution_arn, "solution")
    now = store.now()
    failure = store.faults.training_failure(solution_arn)
    ready = now + store.durations.training
    return new_version(store, solution, None, "AUTOTRAIN", "AUTOMATIC", [], now, ready, failure)


def seed_solution_version(
    store: Store,
    solution_arn: str,
    *,
    name: str | None,
    training_mode: str,
    training_type: str,
    status: str,
    metrics: dict[str, float] | None,
) -> str:
    """A version already trained (ACTIVE), or training (CREATE IN_PROGRESS), or FAILED."""
    solution = store.get(solution_arn, "solution")
    now = store.now()
    failure = "seeded failure" if status == FAILED else None
    created = now - 3600 if status != IN_PROGRESS else now - 120
    ready = now if status != IN_PROGRESS else now + store.durations.training
    arn = new_version(store, solution, name, training_mode, training_type, [], created, ready, failure)
    if metrics is not None:
        store.get(arn).metrics = dict(metrics)
    return arn


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateSolutionVersion": create_solution_version,
    "DescribeSolutionVersion": describe_solution_version,
    "ListSolutionVersions": list_solution_versions,
    "StopSolutionVersionCreation": stop_solution_version_creation,
    "GetSolutionMetrics": get_solution_metrics,
}

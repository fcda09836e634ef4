"""A solution's versions: list them, find the one a trigger stands for, stop one, tell training.

No API deletes a version; a version is training while CREATE PENDING or CREATE IN_PROGRESS
(`Status.CREATING`), and DeleteSolution is refused while one is training or stopping.

The race rules, stated once. A listing is a snapshot: by the next call a version listed as
training may have finished, failed, been stopped, or gone with its solution.
- `stop` takes every error botocore's model lists for StopSolutionVersionCreation as "nothing
  to stop now" (`STOP_SETTLED`; tests/unit/test_solution_versions.py reads the model), so a
  stack delete never fails on a version that finished between the listing and the stop.
- `find_version` and `named_version` describe listed versions; one gone since the listing is
  skipped.
- Kept on purpose, never stopped by a later event: a version a wait link gave up on
  (`keep_training`) and the notebook's version adopted for a trigger (`tag_adopted`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from lambda_handlers import constants, version_names
from lambda_handlers.errors import IN_USE, NOT_FOUND, describe
from lambda_handlers.kernel.client_errors import ignoring
from lambda_handlers.kernel.ownership import is_ours as owned_by_this_resource
from lambda_handlers.kernel.ownership import tags_of
from lambda_handlers.kernel.status import canonical

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

# botocore's TrainingType enum; AUTOMATIC: trained by the solution's auto-training schedule.
MANUAL: Final = "MANUAL"
AUTOMATIC: Final = "AUTOMATIC"
STOPPING: Final = "CREATE STOPPING"  # a stopped version passes through it (API reference, SolutionVersion)
INVALID_INPUT: Final = "InvalidInputException"
# StopSolutionVersionCreation's errors in botocore's Personalize model, each meaning nothing is
# left to stop now: NotFound, the version is gone with its solution; InvalidInput, it is no
# longer CREATE PENDING / CREATE IN_PROGRESS, the only states the operation stops
# (https://docs.aws.amazon.com/personalize/latest/dg/API_StopSolutionVersionCreation.html):
# finished, failed or stopped since it was listed; InUse, a stop is already under way. A caller
# that needs the version gone (a solution's delete) sees it again on its next poll.
STOP_SETTLED: Final = (NOT_FOUND, IN_USE, INVALID_INPUT)


def is_training(status: str | None) -> bool:
    return canonical(status) in constants.Status.CREATING


def blocks_delete(status: str | None) -> bool:
    """Training or stopping: DeleteSolution answers ResourceInUse while a version is."""
    return is_training(status) or canonical(status) == STOPPING


def _usable(status: str | None) -> bool:
    return is_training(status) or status == constants.Status.ACTIVE


def epoch(value: Any, default: float) -> float:
    """Epoch seconds of a botocore timestamp (datetime) or number; `default` when absent."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return default


def list_versions(deps: Deps, solution_arn: str) -> list[dict[str, Any]]:
    """Every version summary of the solution (all pages), newest first."""
    summaries: list[dict[str, Any]] = []
    paginator = deps.personalize.get_paginator("list_solution_versions")
    for page in paginator.paginate(solutionArn=solution_arn):
        summaries.extend(dict(summary) for summary in page.get("solutionVersions", []))
    return sorted(summaries, key=lambda s: epoch(s.get("creationDateTime"), 0.0), reverse=True)


def stop(deps: Deps, version_arn: str, *, why: str) -> None:
    """StopSolutionVersionCreation; any `STOP_SETTLED` answer is done (see the module's rules)."""
    with ignoring(*STOP_SETTLED):
        deps.personalize.stop_solution_version_creation(solutionVersionArn=version_arn)
        deps.log(f"stopped training of {version_arn}: {why}")


def stop_training(deps: Deps, solution_arn: str, *, why: str) -> None:
    """Stop every version of the solution still training, whoever started it."""
    for summary in list_versions(deps, solution_arn):
        if is_training(summary.get("status")):
            stop(deps, str(summary["solutionVersionArn"]), why=why)


def find_version(deps: Deps, solution_arn: str, name: str) -> str | None:
    """The version that stands for `name` and is training or ACTIVE, else None.

    1. A MANUAL version named `name` (summaries carry no name, so MANUAL ones are described;
       AUTOMATIC ones never match).
    2. A notebook version adopted earlier for `name`: a MANUAL usable version not named `cdk-`
       whose `ADOPTED_VERSION_TAG` is `name` (ListTagsForResource on those few only).
    3. While nothing of ours exists (no `cdk-` name, no version carrying our tag), the newest
       MANUAL (notebook) version training or ACTIVE: tagged with `name`, then adopted. Once it
       carries the tag, a later trigger trains and a rollback to this trigger finds it again.
    """
    ours_seen = False
    notebooks: list[str] = []  # MANUAL, usable, not named by us; newest first
    for summary in list_versions(deps, solution_arn):
        if summary.get("trainingType") == AUTOMATIC:
            continue
        arn = str(summary["solutionVersionArn"])
        version: dict[str, Any] | None = None
        with ignoring(NOT_FOUND):  # gone since the listing
            version = dict(
                deps.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
            )
        if version is None:
            continue
        version_name = version.get("name")
        usable = _usable(version.get("status"))
        if version_name == name and usable:
            deps.log(f"found version {arn} named {name} ({version.get('status')}): no training")
            return arn
        if version_names.is_ours(version_name):
            ours_seen = True
        elif usable and version.get("trainingType") == MANUAL:
            notebooks.append(arn)
    for arn in notebooks:
        adopted_for = adopted_name(deps, arn)
        if adopted_for == name:
            deps.log(f"found manual version {arn} adopted for {name}: no training")
            return arn
        ours_seen = ours_seen or adopted_for is not None
    if notebooks and not ours_seen:
        notebook = notebooks[0]
        tag_adopted(deps, notebook, name)
        deps.log(f"adopting the existing manual version {notebook} as {name}: no training")
        return notebook
    return None


def named_version(deps: Deps, solution_arn: str, name: str, event: Event) -> str | None:
    """The version named `name` carrying this resource's owner tag (a Create whose answer was
    lost): newest first, so the version just made is the first described."""
    for summary in list_versions(deps, solution_arn):
        if summary.get("trainingType") == AUTOMATIC:
            continue
        arn = str(summary["solutionVersionArn"])
        version = deps.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
        if version.get("name") == name:
            return arn if owned_by_this_resource(deps, arn, event) else None
    return None


def adopted_name(deps: Deps, version_arn: str) -> str | None:
    """The version name a notebook version was adopted for (its `ADOPTED_VERSION_TAG`), or None."""
    return tags_of(deps, version_arn).get(constants.ADOPTED_VERSION_TAG)


def tag_adopted(deps: Deps, version_arn: str, name: str) -> None:
    """Mark an adopted notebook version as ours for `name` (TagResource overwrites: idempotent)."""
    deps.personalize.tag_resource(
        resourceArn=version_arn, tags=[{"tagKey": constants.ADOPTED_VERSION_TAG, "tagValue": name}]
    )
    deps.log(f"tagged {version_arn} {constants.ADOPTED_VERSION_TAG}={name}")


def keep_training(version_arn: str, deps: Deps) -> None:
    """Tag a version the deploy gives up on so the rollback leaves it training (best effort)."""
    try:
        deps.personalize.tag_resource(
            resourceArn=version_arn, tags=[{"tagKey": constants.KEEP_TRAINING_TAG, "tagValue": "true"}]
        )
    except (ClientError, BotoCoreError) as exc:
        deps.log(f"could not tag {version_arn} {constants.KEEP_TRAINING_TAG}: {describe(exc)}")


def kept_training(version_arn: str, deps: Deps) -> bool:
    """Whether a wait link tagged the version to keep training (see `keep_training`)."""
    return constants.KEEP_TRAINING_TAG in tags_of(deps, version_arn)

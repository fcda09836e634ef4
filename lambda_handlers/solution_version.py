"""Custom::PersonalizeSolutionVersion: find or start the training for a trigger (wait link 0).

The version is named `names.version_name(trigger, mode)`, so an Update back to an old trigger
(a rollback) finds the old version instead of training again. A notebook version adopted on the
first deploy cannot be renamed, so it is tagged `ADOPTED_VERSION_TAG` = that name instead: later
events recognise it the same way. Physical id = version ARN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_handlers import arns, champion, constants, contract, errors, names, training_status
from lambda_handlers.constants import Attr
from lambda_handlers.errors import ALREADY_EXISTS, IN_USE, NOT_FOUND, DeployError
from lambda_handlers.events import DELETE, Event, IsCompleteResponse, OnEventResponse, complete, respond
from lambda_handlers.kernel import deletion, gone
from lambda_handlers.kernel.client_errors import TRAINING_QUOTA, ignoring, over_quota, raising
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps

MANUAL = "MANUAL"
AUTOMATIC = "AUTOMATIC"


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return _delete(event, deps)
    spec = event.spec(contract.SolutionVersion)
    solution_arn = contract.resolved(spec.solution_arn)
    name = names.version_name(spec.trigger, spec.training_mode)
    try:
        with gone.solution_required(deps, solution_arn):
            arn = find_version(deps, solution_arn, name)
            if arn is None:
                # None from start_training: the name exists. A concurrent delivery of this same event
                # may have just created it (then it is found now); else it failed or was stopped.
                tags: list[TagTypeDef] = [{"tagKey": k, "tagValue": v} for k, v in spec.tags.items()]
                tags += champion.champion_tags(deps, solution_arn, spec.gates)  # what serves now
                arn = start_training(deps, solution_arn, name, spec.training_mode, tags)
                arn = arn or find_version(deps, solution_arn, name)
    except gone.SolutionGoneError:
        skipped = gone.nothing_to_roll_back(deps, event, f"solution {solution_arn}")
        if skipped is None:
            raise
        return skipped
    if arn is None:
        raise DeployError(
            f"solution version {name} of {solution_arn} already exists but failed or was stopped; "
            "change the trigger to train a new version"
        )
    return respond(arn, {Attr.SOLUTION_VERSION_ARN: arn, Attr.STARTED_AT: str(int(deps.now()))})


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    if event.request_type == DELETE or gone.rolled_back_nothing(event):
        return complete()
    spec = event.spec(contract.SolutionVersion)
    version_arn = event.data.get(Attr.SOLUTION_VERSION_ARN) or event.physical_id
    return training_status.evaluate(training_status.Link.of(spec, event, deps, version_arn=version_arn), deps)


def list_versions(deps: Deps, solution_arn: str) -> list[dict[str, Any]]:
    """Every version summary of the solution, newest first."""
    summaries: list[dict[str, Any]] = []
    paginator = deps.personalize.get_paginator("list_solution_versions")
    for page in paginator.paginate(solutionArn=solution_arn):
        summaries.extend(dict(summary) for summary in page.get("solutionVersions", []))
    return sorted(
        summaries, key=lambda s: training_status.epoch(s.get("creationDateTime"), 0.0), reverse=True
    )


def _usable(status: str | None) -> bool:
    return training_status.is_training(status) or status == constants.Status.ACTIVE


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
        if names.is_ours(version_name):
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


def adopted_name(deps: Deps, version_arn: str) -> str | None:
    """The version name a notebook version was adopted for (its `ADOPTED_VERSION_TAG`), or None."""
    return tags_of(deps, version_arn).get(constants.ADOPTED_VERSION_TAG)


def tag_adopted(deps: Deps, version_arn: str, name: str) -> None:
    """Mark an adopted notebook version as ours for `name` (TagResource overwrites: idempotent)."""
    deps.personalize.tag_resource(
        resourceArn=version_arn, tags=[{"tagKey": constants.ADOPTED_VERSION_TAG, "tagValue": name}]
    )
    deps.log(f"tagged {version_arn} {constants.ADOPTED_VERSION_TAG}={name}")


def start_training(
    deps: Deps, solution_arn: str, name: str, mode: contract.TrainingMode, tags: list[TagTypeDef]
) -> str | None:
    """CreateSolutionVersion; None when a version of that name already exists."""
    client = deps.personalize
    busy = raising(
        IN_USE,
        lambda exc: (
            f"solution {arns.solution_name(solution_arn)} is busy training another version "
            f"({errors.describe(exc)}); it trains one at a time: redeploy once that version has "
            "finished, or deploy with the trigger it was made for"
        ),
    )
    quota = over_quota(f"solution {arns.solution_name(solution_arn)}", "start training", TRAINING_QUOTA)
    created = None
    with ignoring(ALREADY_EXISTS), busy, quota:
        if tags:
            created = client.create_solution_version(
                solutionArn=solution_arn, trainingMode=mode, name=name, tags=tags
            )
        else:
            created = client.create_solution_version(solutionArn=solution_arn, trainingMode=mode, name=name)
    if created is None:
        return None
    arn = created["solutionVersionArn"]
    deps.log(f"started training {arn} ({name}, {mode})")
    return arn


def _delete(event: Event, deps: Deps) -> OnEventResponse:
    """Stop a version still training (billing stops), unless the last wait link tagged it to keep
    training or it is the notebook's version we adopted (released, as adopted resources are);
    a finished one goes with its solution."""
    arn = event.physical_id
    if not arns.is_arn(arn):
        return respond(arn)
    with deletion.gone_or_busy():
        version = deps.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
        if training_status.is_training(version.get("status")):
            if training_status.kept_training(arn, deps):
                deps.log(f"left {arn} training: a deploy gave up waiting; the same trigger picks it up")
            elif adopted_name(deps, arn) is not None:
                deps.log(f"released adopted version {arn}: it keeps training, as it did before the stack")
            else:
                deps.personalize.stop_solution_version_creation(solutionVersionArn=arn)
                deps.log(f"stopped training of {arn}")
    return respond(arn)

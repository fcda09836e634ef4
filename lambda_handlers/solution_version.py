"""Custom::PersonalizeSolutionVersion: find or start the training for a trigger (wait link 0).

The version is named `SolutionVersion.version_name` (from trigger and mode), so an Update back to
an old trigger (a rollback) finds the old version instead of training again. A notebook version
adopted on the first deploy cannot be renamed, so it is tagged `ADOPTED_VERSION_TAG` = that name
instead: later events recognise it the same way. Physical id = version ARN.

Every version this resource creates carries the owner tag (`kernel.ownership`): that is how an
Update, a rollback above all, recognises the versions a deploy of this stack started. On any
Update whose trigger or mode changed, every such version still training other than the target is
stopped (`stop_strays`), in onEvent and again on each poll while a cancelled onEvent could still
start one (`deletion.late_create_budget`); a Delete whose id was never returned (a cancelled
Create) does the same with no target. Kept on purpose, never stopped: a version tagged
`KEEP_TRAINING_TAG` (a deploy gave up waiting for it) and an adopted notebook version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambda_handlers import (
    arns,
    champion,
    constants,
    contract,
    errors,
    solution_versions,
    training_link,
    version_names,
)
from lambda_handlers.constants import Attr
from lambda_handlers.errors import ALREADY_EXISTS, IN_USE, NOT_FOUND, DeployError
from lambda_handlers.events import (
    DELETE,
    UPDATE,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    complete,
    not_complete,
    respond,
)
from lambda_handlers.kernel import deletion, gone, ownership, stack, wait
from lambda_handlers.kernel.client_errors import TRAINING_QUOTA, ignoring, over_quota, raising
from lambda_handlers.kernel.lost_answers import create_once
from lambda_handlers.kernel.ownership import tags_of

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    if event.request_type == DELETE:
        return _delete(event, deps)
    spec = event.spec(contract.SolutionVersion)
    solution_arn = contract.resolved(spec.solution_arn)
    name = spec.version_name
    try:
        with gone.solution_required(deps, solution_arn):
            arn = solution_versions.find_version(deps, solution_arn, name)
            if _retargeted(event):
                stop_strays(event, deps, solution_arn, target=arn)
            if arn is None:
                # None from start_training: the name exists. A concurrent delivery of this same event
                # may have just created it (then it is found now); else it failed or was stopped.
                tags = ownership.api_tags(spec.tags, event)
                tags += champion.champion_tags(deps, solution_arn, spec.gates)  # what serves now
                arn = start_training(deps, solution_arn, name, spec.training_mode, tags, event=event)
                arn = arn or solution_versions.find_version(deps, solution_arn, name)
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
    return respond(arn, {Attr.SOLUTION_VERSION_ARN: arn, **wait.started(deps.now())})


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    if event.request_type == DELETE:
        if arns.is_arn(event.physical_id):
            return complete()
        return _sweep(event, deps, target=None)  # a cancelled Create's Delete: nothing of it trains
    if gone.rolled_back_nothing(event):
        return complete()
    spec = event.spec(contract.SolutionVersion)
    version_arn = event.data.get(Attr.SOLUTION_VERSION_ARN) or event.physical_id
    if _retargeted(event) and not deletion.late_create_budget(event).spent(deps.now()):
        return _sweep(event, deps, target=version_arn, done=not_complete())
    return training_link.evaluate(training_link.Link.of(spec, event, deps, version_arn=version_arn), deps)


def _retargeted(event: Event) -> bool:
    """An Update to another trigger or mode (a rollback included): versions of the old one may train."""
    if event.request_type != UPDATE:
        return False
    old, new = event.old_spec(contract.SolutionVersion), event.spec(contract.SolutionVersion)
    return old.version_name != new.version_name


def _sweep(
    event: Event, deps: Deps, *, target: str | None, done: IsCompleteResponse | None = None
) -> IsCompleteResponse:
    """`stop_strays`, then not complete until the late-create budget is spent (then `done`)."""
    stop_strays(
        event, deps, contract.resolved(event.spec(contract.SolutionVersion).solution_arn), target=target
    )
    if not deletion.late_create_budget(event).spent(deps.now()):
        return not_complete()
    return done or complete()


def stop_strays(event: Event, deps: Deps, solution_arn: str, *, target: str | None) -> None:
    """Stop every version of the solution that this resource started (a `cdk-` name and this
    stack's and logical id's owner tag), still training, other than `target`; except a version
    kept on purpose (`KEEP_TRAINING_TAG`, `ADOPTED_VERSION_TAG`). Costs one ListSolutionVersions,
    plus a ListTagsForResource per other version training (one at a time per solution) and a
    DescribeSolutionVersion and a Stop per stray."""
    with ignoring(NOT_FOUND):  # the solution is gone: nothing trains
        for summary in solution_versions.list_versions(deps, solution_arn):
            arn = str(summary["solutionVersionArn"])
            if arn == target or summary.get("trainingType") == solution_versions.AUTOMATIC:
                continue
            if not solution_versions.is_training(summary.get("status")):
                continue
            tags = tags_of(deps, arn)
            if not ownership.is_own_value(tags.get(constants.OWNER_TAG), event):
                continue
            if constants.KEEP_TRAINING_TAG in tags or constants.ADOPTED_VERSION_TAG in tags:
                deps.log(f"left {arn} training: kept on purpose")
                continue
            version = deps.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
            if version_names.is_ours(version.get("name")):
                if event.request_type == DELETE:
                    stack.confirm_deleting(deps, event)
                solution_versions.stop(
                    deps, arn, why=f"{event.logical_id} no longer wants it (target {target or 'none'})"
                )


def start_training(
    deps: Deps,
    solution_arn: str,
    name: str,
    mode: contract.TrainingMode,
    tags: list[TagTypeDef],
    *,
    event: Event,
) -> str | None:
    """CreateSolutionVersion (no botocore retry: an answer lost is looked up by name and owner
    tag before sending it again); None when a version of that name already exists."""
    client = deps.creates
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

    def create() -> str:
        if tags:
            answer = client.create_solution_version(
                solutionArn=solution_arn, trainingMode=mode, name=name, tags=tags
            )
        else:
            answer = client.create_solution_version(solutionArn=solution_arn, trainingMode=mode, name=name)
        return answer["solutionVersionArn"]

    with ignoring(ALREADY_EXISTS), busy, quota:
        created = create_once(
            deps,
            create=create,
            find=lambda: solution_versions.named_version(deps, solution_arn, name, event),
            what=f"CreateSolutionVersion {name}",
        )
    if created is None:
        return None
    arn = created
    deps.log(f"started training {arn} ({name}, {mode})")
    return arn


def _delete(event: Event, deps: Deps) -> OnEventResponse:
    """Stop a version still training (billing stops), unless the last wait link tagged it to keep
    training or it is the notebook's version we adopted (released, as adopted resources are);
    a finished one goes with its solution."""
    arn = event.physical_id
    if not arns.is_arn(arn):
        return respond(arn, deletion.started_data(deps))  # never returned: isComplete sweeps
    with deletion.gone_or_busy():
        version = deps.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
        if solution_versions.is_training(version.get("status")):
            if solution_versions.kept_training(arn, deps):
                deps.log(f"left {arn} training: a deploy gave up waiting; the same trigger picks it up")
            elif solution_versions.adopted_name(deps, arn) is not None:
                deps.log(f"released adopted version {arn}: it keeps training, as it did before the stack")
            else:
                stack.confirm_deleting(deps, event)
                solution_versions.stop(deps, arn, why="deleted")
    return respond(arn)

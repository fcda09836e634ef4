"""Custom::PersonalizeSolution: create or adopt a solution, keep its auto-training as declared.

Physical id = solution ARN, or `adopted:` + ARN for a solution that existed before (released,
never deleted); see `kernel.ownership`. Everything but auto-training and tags is immutable: a
change must come with a new name. A tag change is applied in place (`kernel.tagging`).

An adopted solution records its auto-training before the stack changes it (`kernel.adoption`); its
release (stack delete, rollback of the adopting deploy, the Delete of a cancelled Create that had
adopted it) puts that auto-training back with one UpdateSolution, waits for it, then removes the
record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_handlers import arns, contract, solution_versions
from lambda_handlers.auto_training import UPDATE_KEY, AutoTraining, in_force, requested
from lambda_handlers.constants import (
    ADOPTED_VERSION_TAG,
    DELETE_IN_USE_SECONDS,
    KEEP_TRAINING_TAG,
    OWNER_TAG,
    Attr,
    Status,
)
from lambda_handlers.errors import NOT_FOUND, DeployError
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
from lambda_handlers.kernel import adoption, deletion, gone, ownership, stack, status, tagging, wait
from lambda_handlers.kernel.client_errors import group_quota, ignoring, not_found, over_quota

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import SolutionUpdateConfigTypeDef

    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    match event:
        case Delete():
            give_back(deps, event)
            return deletion.on_delete(event, deps, kind="solution", start=_deleter(event))
        case Update() if event.old_spec(contract.Solution).name == event.spec(contract.Solution).name:
            return _update_in_place(event, deps)
        case Create() | Update():  # a Create, or an Update to another name: a solution of that name
            return create_or_adopt(event, deps, event.spec(contract.Solution))


def _update_in_place(event: Update, deps: Deps) -> OnEventResponse:
    """Only auto-training and tags change on an existing solution; the rest needs a new name."""
    spec, old = event.spec(contract.Solution), event.old_spec(contract.Solution)
    for field in contract.Solution.IMMUTABLE:
        if getattr(old, field) != getattr(spec, field):
            raise DeployError(
                f"solution {spec.name}: {contract.Solution.prop_name(field)} cannot change on an existing "
                "solution; give the solution a new name to create a new one"
            )
    arn = arns.strip_adopted(event.physical_id)
    if not gone.solution_exists(deps, arn):
        skipped = gone.nothing_to_roll_back(deps, event, f"solution {arn}")
        if skipped is not None:
            return {**skipped, "Data": {**_data(event.physical_id), **skipped["Data"]}}
        raise gone.SolutionGoneError(arn)
    desired = AutoTraining.declared(spec)
    if AutoTraining.declared(old) != desired:
        _update_auto_training(deps, arn, desired)
    if not arns.is_adopted(event.physical_id):  # an adopted solution carries none of the config's tags
        tagging.change(deps, arn, old=old.tags, new=spec.tags)
    return respond(event.physical_id, {**_data(event.physical_id), **wait.started(deps.now())})


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    match event:
        case Delete():
            return _until_released_or_deleted(event, deps)
        case Create() | Update():
            return _until_active_as_declared(event, deps)


def _until_released_or_deleted(event: Delete, deps: Deps) -> IsCompleteResponse:
    if not give_back(deps, event):
        return not_complete()
    return deletion.delete_progress(
        event,
        deps,
        kind="solution",
        status_of=_solution_status,
        start=_deleter(event),
        named=_named,
        blocked=why_in_use,
    )


def _until_active_as_declared(event: Create | Update, deps: Deps) -> IsCompleteResponse:
    if gone.rolled_back_nothing(event):
        return complete()
    spec = event.spec(contract.Solution)
    arn = arns.strip_adopted(event.physical_id)
    what = f"solution {spec.name or arn}"
    pending = deletion.orphan_pending(
        event, deps, kind="solution", status_of=_solution_status, start=_deleter(event)
    )
    if pending:
        return not_complete()
    with not_found(what, arn):
        described = deps.personalize.describe_solution(solutionArn=arn)["solution"]
    solution: dict[str, Any] = dict(described)
    if not status.ready(
        solution,
        what=what,
        update_key=UPDATE_KEY,
        log=deps.log,
        budget=status.wait_budget(event),
        now=deps.now(),
    ):
        return not_complete()
    desired = AutoTraining.declared(spec)
    if in_force(solution) != desired:
        update = status.latest_update(solution, UPDATE_KEY)
        if status.update_failed(update) and _update_target(update) == desired:
            raise DeployError(f"{what}: auto-training update failed: {update.get('failureReason')}")
        adopting = isinstance(event, Create) and arns.is_adopted(event.physical_id)
        if adopting and not stack.deploying(deps, event):
            deps.log(f"{what}: the deploy that adopted it is over; its release gives back the auto-training")
            return complete(_data(event.physical_id))
        _update_auto_training(deps, arn, desired)
        return not_complete()
    return complete(_data(event.physical_id))


def create_or_adopt(event: Event, deps: Deps, spec: contract.Solution) -> OnEventResponse:
    group = contract.resolved(spec.dataset_group_arn)
    desired = AutoTraining.declared(spec)
    config = dict(spec.solution_config)
    if desired.enabled:
        config["autoTrainingConfig"] = {"schedulingExpression": desired.schedule}
    optional: dict[str, Any] = {}
    if spec.event_type:
        optional["eventType"] = spec.event_type
    if config:
        optional["solutionConfig"] = config
    tags = ownership.api_tags(spec.tags, event)
    if tags:
        optional["tags"] = tags
    with over_quota(f"solution {spec.name}", "create it", group_quota("quotas.solutions", "solutions")):
        taken = ownership.create_or_take_over(
            deps,
            event,
            kind="solution",
            existing_arn=arns.sibling(group, "solution", spec.name),
            create=lambda: deps.creates.create_solution(
                name=spec.name,
                datasetGroupArn=group,
                recipeArn=spec.recipe_arn,
                performHPO=spec.perform_hpo,
                performAutoTraining=desired.enabled,
                **optional,
            )["solutionArn"],
        )
    if not taken.created:
        existing = _check_existing(deps, taken.arn, spec, group=group)
        if arns.is_adopted(taken.physical_id):
            adoption.record(deps, taken.arn, event, in_force(existing).record())
    data = {
        **_data(taken.physical_id),
        **wait.started(deps.now()),
        **deletion.orphan_data(deps, _cancelled_rename(event, spec)),
    }
    return respond(taken.physical_id, data)


def _named(event: Event) -> str | None:
    """The ARN of the solution a Delete's properties name (for an id never returned)."""
    spec = event.spec(contract.Solution)
    return arns.sibling(contract.resolved(spec.dataset_group_arn), "solution", spec.name)


def _cancelled_rename(event: Event, spec: contract.Solution) -> str | None:
    """The solution a cancelled rename made under the name this rollback Update leaves, if any."""
    if not isinstance(event, Update):
        return None
    group = contract.resolved(spec.dataset_group_arn)
    left = arns.sibling(group, "solution", event.old_spec(contract.Solution).name)
    target = arns.sibling(group, "solution", spec.name)
    return deletion.cancelled_rename(event, left_arn=left, target_arn=target)


def _check_existing(deps: Deps, arn: str, spec: contract.Solution, *, group: str) -> dict[str, Any]:
    """Continue with an existing solution of this name only in the same group, with the same recipe
    (returned, as described). Its auto-training is brought to the declared one by isComplete."""
    solution: dict[str, Any] = dict(deps.personalize.describe_solution(solutionArn=arn)["solution"])
    if solution.get("recipeArn") != spec.recipe_arn or solution.get("datasetGroupArn") != group:
        raise DeployError(
            f"solution {spec.name} already exists with recipe {solution.get('recipeArn')} in dataset group "
            f"{solution.get('datasetGroupArn')}; give this solution another name (physical_name) "
            "or delete the existing one"
        )
    return solution


def give_back(deps: Deps, event: Event) -> bool:
    """One step of a release: True once the solution this resource adopted has the auto-training
    it had before (record removed), or there is nothing to give back; else starts the
    UpdateSolution when the solution is idle and answers False. A Delete whose id was never
    returned (a cancelled Create) looks at the solution its properties name."""
    if arns.is_adopted(event.physical_id):
        arn: str | None = arns.strip_adopted(event.physical_id)
    elif arns.is_arn(event.physical_id):
        return True  # ours: deleted, nothing to give back
    else:
        arn = _named(event)
    if arn is None:
        return True
    tags = ownership.tags_of(deps, arn)
    state = adoption.recorded(tags, event)
    if state is None:
        return True
    original = AutoTraining.recorded(state)
    solution: dict[str, Any] | None = None
    with ignoring(NOT_FOUND):
        solution = dict(deps.personalize.describe_solution(solutionArn=arn)["solution"])
    if solution is None:
        return True  # deleted by hand: nothing to give back
    if not status.is_idle(solution, UPDATE_KEY):
        return False
    stack.confirm_deleting(deps, event)  # a release writes: only for a Delete CloudFormation sent
    if in_force(solution) == original:
        _untag_adopted_versions(deps, arn)
        adoption.forget(deps, arn, tags)
        return True
    update = status.latest_update(solution, UPDATE_KEY)
    if status.update_failed(update) and _update_target(update) == original:
        raise DeployError(
            f"solution {arns.solution_name(arn)}: giving back the auto-training it had before the stack "
            f"({original}) failed: {update.get('failureReason') or status.NO_REASON}; set it by hand"
        )
    _update_auto_training(deps, arn, original)
    return False


def _untag_adopted_versions(deps: Deps, arn: str) -> None:
    """Remove the tags the stack put on the notebook's versions of an adopted solution (the adoption
    tag, and the tag of a deploy that gave up waiting for one). Versions this stack trained keep
    theirs: no API deletes a version, and their owner tag says whose they are."""
    with ignoring(NOT_FOUND):
        for summary in solution_versions.list_versions(deps, arn):
            if summary.get("trainingType") == solution_versions.AUTOMATIC:
                continue
            version_arn = summary["solutionVersionArn"]
            tags = ownership.tags_of(deps, version_arn)
            if ADOPTED_VERSION_TAG in tags:
                keys = sorted({ADOPTED_VERSION_TAG, KEEP_TRAINING_TAG} & set(tags))
                deps.personalize.untag_resource(resourceArn=version_arn, tagKeys=keys)
                deps.log(f"removed {', '.join(keys)} from {version_arn}: released as found")


def _update_auto_training(deps: Deps, arn: str, desired: AutoTraining) -> None:
    """UpdateSolution; a solution busy with another update is left to isComplete."""
    if desired.enabled:
        schedule: SolutionUpdateConfigTypeDef = {
            "autoTrainingConfig": {"schedulingExpression": desired.schedule}
        }
        written = status.write(
            lambda: deps.personalize.update_solution(
                solutionArn=arn, performAutoTraining=True, solutionUpdateConfig=schedule
            )
        )
    else:
        written = status.write(
            lambda: deps.personalize.update_solution(solutionArn=arn, performAutoTraining=False)
        )
    if written:
        deps.log(f"updating auto-training of {arn} to {desired}")


def _solution_status(deps: Deps, arn: str) -> str | None:
    return deps.personalize.describe_solution(solutionArn=arn)["solution"].get("status")


def _deleter(event: Event) -> deletion.StartDelete:
    return lambda deps, arn: _stop_and_delete(deps, arn, event)


def _stop_and_delete(deps: Deps, arn: str, event: Event) -> None:
    """Delete this stack's campaigns on it, stop versions still training, then DeleteSolution.
    Missing = done; in use = try later."""
    with deletion.gone_or_busy():
        _delete_owned_campaigns(deps, arn, event)
        solution_versions.stop_training(deps, arn, why=f"solution {arn} is being deleted")
        deps.personalize.delete_solution(solutionArn=arn)
        deps.log(f"deleting solution {arn}")


def why_in_use(deps: Deps, arn: str, event: Event) -> str:
    """Why Personalize still refuses DeleteSolution: a campaign serving one of its versions (whose,
    by its owner tag), else a version still training or stopping."""
    name = arns.solution_name(arn)
    prefix = f"solution {name} cannot be deleted"
    for page in deps.personalize.get_paginator("list_campaigns").paginate(solutionArn=arn):
        for summary in page.get("campaigns", []):
            campaign_arn = summary["campaignArn"]
            with deletion.gone_or_busy():  # a campaign deleted since the listing
                campaign = deps.personalize.describe_campaign(campaignArn=campaign_arn)["campaign"]
                found = ownership.owner_of(ownership.tags_of(deps, campaign_arn).get(OWNER_TAG))
                managed = (
                    f"managed by this stack as {found.logical_id}"
                    if found is not None and found.stack_name == event.stack_name
                    else "not managed by this stack"
                )
                return (
                    f"{prefix}: campaign {campaign.get('name') or campaign_arn} ({managed}) serves its "
                    f"version {campaign.get('solutionVersionArn')}; delete or move that campaign, then retry"
                )
    for version in solution_versions.list_versions(deps, arn):
        if solution_versions.blocks_delete(version.get("status")):
            return (
                f"{prefix}: its version {version['solutionVersionArn']} is still "
                f"{status.canonical(version.get('status'))}; "
                "stop it (StopSolutionVersionCreation) or let it finish, then retry"
            )
    minutes = DELETE_IN_USE_SECONDS // 60
    return f"{prefix}: Personalize still answers ResourceInUse after {minutes} min; retry once it is idle"


def _delete_owned_campaigns(deps: Deps, solution_arn: str, event: Event) -> None:
    """Campaigns on the solution's versions carrying this stack's owner tag (any logical id).

    CloudFormation deletes the campaigns it recorded before the solution (they depend on it), so
    what is left here is one it never recorded: made by an onEvent killed after CreateCampaign
    (its Create then gets the framework's marker id and no Delete ever reaches us), or by a
    cancelled Create that outlived its rollback's sweep. A campaign of another owner is never
    touched (the solution's delete then waits on it: ResourceInUse)."""
    for page in deps.personalize.get_paginator("list_campaigns").paginate(solutionArn=solution_arn):
        for summary in page.get("campaigns", []):
            if status.canonical(summary.get("status")) in Status.DELETING:
                continue
            campaign_arn = summary["campaignArn"]
            if ownership.is_this_stacks(ownership.tags_of(deps, campaign_arn).get(OWNER_TAG), event):
                with deletion.gone_or_busy():
                    deps.personalize.delete_campaign(campaignArn=campaign_arn)
                    deps.log(f"deleting campaign {campaign_arn}: this stack's, never recorded")


def _update_target(update: dict[str, Any]) -> AutoTraining:
    return requested(update)


def _data(physical_id: str) -> dict[str, str]:
    return {
        Attr.SOLUTION_ARN: arns.strip_adopted(physical_id),
        Attr.ADOPTED: "true" if arns.is_adopted(physical_id) else "false",
    }

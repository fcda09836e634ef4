"""Custom::PersonalizeCampaign: reconcile a campaign to (solution version, min TPS, config).

Physical id = campaign ARN, or `adopted:` + ARN for a campaign that existed before (released on
Delete, never deleted); see `kernel.ownership`. onEvent makes at most one write; isComplete polls
and re-issues UpdateCampaign until the campaign serves the desired state or the update for it fails.

Reconcile (`kernel.gone`): an Update that finds its campaign deleted by hand creates it again as
declared, as ours (owner tag, plain ARN: deleted with the stack), even if the deleted one was
adopted; CloudFormation then Deletes the old `adopted:` id, which releases nothing. A rollback
Update that finds it gone writes nothing. A campaign whose solution is gone fails saying how to
recover.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambda_handlers import adopted_campaign, arns, auto_promotion, contract
from lambda_handlers.campaign_state import UPDATE_KEY, Desired, differences
from lambda_handlers.constants import DELETE_IN_USE_SECONDS, Attr
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
from lambda_handlers.kernel import deletion, gone, ownership, stack, status, tagging, wait
from lambda_handlers.kernel.client_errors import group_quota, ignoring, not_found, over_quota

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    match event:
        case Delete():
            _give_back(event, deps)
            return deletion.on_delete(event, deps, kind="campaign", start=_delete_campaign)
        case Update() if event.old_spec(contract.Campaign).name == event.spec(contract.Campaign).name:
            return _update_in_place(event, deps)
        case Create() | Update():  # a Create, or an Update to another name: a campaign of that name
            spec = event.spec(contract.Campaign)
            return _create(event, deps, spec, Desired.of(spec))


def _update_in_place(event: Update, deps: Deps) -> OnEventResponse:
    spec = event.spec(contract.Campaign)
    desired = Desired.of(spec)
    arn = arns.strip_adopted(event.physical_id)
    campaign = _find(deps, arn)
    if campaign is None:
        skipped = gone.nothing_to_roll_back(deps, event, f"campaign {arn}")
        if skipped is not None:
            return skipped
        deps.log(f"campaign {arn} no longer exists (deleted outside the stack): creating it as declared")
        return _create(event, deps, spec, desired)
    desired = _keeping_promoted(deps, arn, desired, campaign)
    if status.is_idle(campaign, UPDATE_KEY) and differences(desired, campaign):
        _update(deps, arn, desired)
    if not arns.is_adopted(event.physical_id):  # an adopted campaign carries none of the config's tags
        tagging.change(deps, arn, old=event.old_spec(contract.Campaign).tags, new=spec.tags)
    return respond(event.physical_id, {Attr.CAMPAIGN_ARN: arn, **wait.started(deps.now())})


def _give_back(event: Event, deps: Deps) -> bool:
    """One step of releasing a campaign this resource adopted (`adopted_campaign.move_back`): its
    `adopted:` id, or for a Delete whose id was never returned (a cancelled Create) the campaign
    its properties name. True when done or nothing to give back."""
    if arns.is_adopted(event.physical_id):
        return adopted_campaign.move_back(
            deps, arns.strip_adopted(event.physical_id), event, confirm=_confirm(event)
        )
    if arns.is_arn(event.physical_id):
        return True
    named = _named(event)
    return named is None or adopted_campaign.move_back(deps, named, event, confirm=_confirm(event))


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    match event:
        case Delete():
            return _until_deleted(event, deps)
        case Create() | Update():
            return _until_ready(event, deps)


def _until_deleted(event: Delete, deps: Deps) -> IsCompleteResponse:
    if not _give_back(event, deps):
        return not_complete()
    if arns.is_adopted(event.physical_id):
        return complete()
    return deletion.delete_progress(
        event,
        deps,
        kind="campaign",
        status_of=_campaign_status,
        start=_delete_campaign,
        named=_named,
        blocked=_why_in_use,
    )


def _until_ready(event: Create | Update, deps: Deps) -> IsCompleteResponse:
    if gone.rolled_back_nothing(event):
        return complete()
    spec = event.spec(contract.Campaign)
    arn = arns.strip_adopted(event.physical_id)
    desired = Desired.of(spec)
    what = f"campaign {spec.name or arn}"
    pending = deletion.orphan_pending(
        event, deps, kind="campaign", status_of=_campaign_status, start=_delete_campaign
    )
    if pending:
        return not_complete()
    campaign = _describe(deps, arn, what)
    if not status.ready(
        campaign,
        what=what,
        update_key=UPDATE_KEY,
        log=deps.log,
        budget=status.wait_budget(event),
        now=deps.now(),
    ):
        return not_complete()
    desired = _keeping_promoted(deps, arn, desired, campaign)
    if differences(desired, campaign):
        update = status.latest_update(campaign, UPDATE_KEY)
        if status.update_failed(update) and not differences(desired, update):
            raise DeployError(
                f"{what}: update failed: {update.get('failureReason') or status.NO_REASON}; "
                f"it still serves {campaign.get('solutionVersionArn')}"
            )
        adopting = isinstance(event, Create) and arns.is_adopted(event.physical_id)
        if adopting and not stack.deploying(deps, event):
            deps.log(f"{what}: the deploy that adopted it is over; its release moves it back")
            return complete({Attr.CAMPAIGN_ARN: arn})
        _update(deps, arn, desired)
        return not_complete()
    return complete({Attr.CAMPAIGN_ARN: arn})


def _keeping_promoted(deps: Deps, arn: str, desired: Desired, campaign: Mapping[str, Any]) -> Desired:
    """Desired, on the checker's promoted version when it is newer than the declared one."""
    version = auto_promotion.keep_promoted(deps, arn, desired.version_arn, campaign.get("solutionVersionArn"))
    return dataclasses.replace(desired, version_arn=version)


def reconcile_once(deps: Deps, arn: str, desired: Desired) -> None:
    """UpdateCampaign when the campaign differs and is idle; a busy one is left to isComplete."""
    campaign = _describe(deps, arn, f"campaign {arn}")
    if status.is_idle(campaign, UPDATE_KEY) and differences(desired, campaign):
        _update(deps, arn, desired)


def _create(event: Event, deps: Deps, spec: contract.Campaign, desired: Desired) -> OnEventResponse:
    optional: dict[str, Any] = {}
    if desired.config:
        optional["campaignConfig"] = desired.config
    tags = ownership.api_tags(spec.tags, event)
    if tags:
        optional["tags"] = tags
    quota = over_quota(f"campaign {spec.name}", "create it", group_quota("quotas.campaigns", "campaigns"))
    with quota, gone.solution_required(deps, arns.solution_of_version(desired.version_arn)):
        taken = ownership.create_or_take_over(
            deps,
            event,
            kind="campaign",
            existing_arn=arns.sibling(desired.version_arn, "campaign", spec.name),
            create=lambda: deps.creates.create_campaign(
                name=spec.name,
                solutionVersionArn=desired.version_arn,
                minProvisionedTPS=desired.min_tps,
                **optional,
            )["campaignArn"],
        )
    if not taken.created:
        if arns.is_adopted(taken.physical_id):
            found = _describe(deps, taken.arn, f"campaign {spec.name}")
            adopted_campaign.remember(deps, taken.arn, found, event)
        reconcile_once(deps, taken.arn, desired)
    data = {
        Attr.CAMPAIGN_ARN: taken.arn,
        **wait.started(deps.now()),
        **deletion.orphan_data(deps, _cancelled_rename(event, desired)),
    }
    return respond(taken.physical_id, data)


def _named(event: Event) -> str | None:
    """The ARN of the campaign a Delete's properties name (for an id never returned)."""
    spec = event.spec(contract.Campaign)
    return arns.sibling(contract.resolved(spec.solution_version_arn), "campaign", spec.name)


def _cancelled_rename(event: Event, desired: Desired) -> str | None:
    """The campaign a cancelled rename made under the name this rollback Update leaves, if any."""
    if not isinstance(event, Update):
        return None
    left = arns.sibling(desired.version_arn, "campaign", event.old_spec(contract.Campaign).name)
    target = arns.sibling(desired.version_arn, "campaign", event.spec(contract.Campaign).name)
    return deletion.cancelled_rename(event, left_arn=left, target_arn=target)


def _update(deps: Deps, arn: str, desired: Desired) -> None:
    optional: dict[str, Any] = {}
    if desired.config:
        optional["campaignConfig"] = desired.config
    with gone.solution_required(deps, arns.solution_of_version(desired.version_arn)):
        written = status.write(
            lambda: deps.personalize.update_campaign(
                campaignArn=arn,
                solutionVersionArn=desired.version_arn,
                minProvisionedTPS=desired.min_tps,
                **optional,
            )
        )
    if written:
        deps.log(f"updating campaign {arn}: {json.dumps(desired.__dict__, sort_keys=True)}")


def _describe(deps: Deps, arn: str, what: str) -> dict[str, Any]:
    with not_found(what, arn):
        campaign = deps.personalize.describe_campaign(campaignArn=arn)["campaign"]
    return dict(campaign)


def _find(deps: Deps, arn: str) -> dict[str, Any] | None:
    """The campaign, or None when it is gone (deleted outside the stack)."""
    with ignoring(NOT_FOUND):
        return dict(deps.personalize.describe_campaign(campaignArn=arn)["campaign"])
    return None


def _why_in_use(deps: Deps, arn: str, event: Event) -> str:
    """Why Personalize still refuses DeleteCampaign (a create or an update that does not end)."""
    campaign = _describe(deps, arn, f"campaign {arn}")
    update = status.latest_update(campaign, UPDATE_KEY)
    return (
        f"campaign {campaign.get('name') or arn} cannot be deleted: Personalize still answers ResourceInUse "
        f"after {DELETE_IN_USE_SECONDS // 60} min (status {campaign.get('status')}, latest update "
        f"{update.get('status') or 'none'}); retry once it is ACTIVE"
    )


def _confirm(event: Event) -> adopted_campaign.Confirm:
    """Before an adopted campaign's release writes: CloudFormation is deleting it (`kernel.stack`)."""
    return lambda deps: stack.confirm_deleting(deps, event)


def _campaign_status(deps: Deps, arn: str) -> str | None:
    return deps.personalize.describe_campaign(campaignArn=arn)["campaign"].get("status")


def _delete_campaign(deps: Deps, arn: str) -> None:
    """DeleteCampaign; missing is done, in use (still creating/updating) is tried again later."""
    with deletion.gone_or_busy():
        deps.personalize.delete_campaign(campaignArn=arn)
        deps.log(f"deleting campaign {arn}")

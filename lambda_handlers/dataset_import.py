"""Custom::PersonalizeDatasetImport: import a dataset's data file, under a name never used before.

A dataset import job's ARN is `dataset-import-job/{name}`, and a name can be used once
(CreateDatasetImportJob answers ResourceAlreadyExistsException). So every CloudFormation
request gets its own job name, `{JobPrefix}-{DataVersion}-{sha256(RequestId)[:8]}`
(`job_name`): a deploy, its rollback and a later revert to an earlier file each import under a
new name, and a repeated delivery of the same request (same RequestId) finds its job by name
instead of importing twice. A Create whose answer was lost is looked up the same way
(`kernel.lost_answers`). An Update that keeps the dataset, file and data version (only the
mode or the wait changed) imports nothing: the newest job of that data version stands.

Mode (`import_mode`): FULL when the config says so, when the dataset has no finished bulk
import yet (API reference, CreateDatasetImportJob `importMode`: "If you haven't imported bulk
records into the dataset previously, you can only specify FULL",
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html), and when
this file was imported before (a rollback, a revert): going back means the dataset holds that
file again. Otherwise INCREMENTAL, which cannot be undone: a later FULL import of the previous
file is the only way back.

Another import of this dataset still running (a cancelled deploy's, whose waiter nobody stops)
would land after ours and win; onEvent then creates nothing and isComplete creates the job
once that one ended, provided the stack is still in the status it was in at onEvent (a
cancelled operation's waiter then stops instead of importing over its rollback).

Waiting: link 0 waits `LinkSeconds` from its onEvent, then hands over to link 1, and so on
(`kernel.wait.hand_over`); the last link fails at `MaxWaitMinutes`. A failed job fails the
deploy with Personalize's `failureReason` first. Delete does nothing: Personalize has no API to
delete an import job, and a finished one bills nothing; the dataset's own delete removes the data.
Physical id: `{DatasetArn}/import` (link 0), `{job ARN}/wait-{LinkIndex}` (later links).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from lambda_handlers import arns, contract
from lambda_handlers.constants import Attr, Status
from lambda_handlers.errors import ALREADY_EXISTS, DeployError, error_code
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
from lambda_handlers.kernel import stack, wait
from lambda_handlers.kernel.client_errors import not_found
from lambda_handlers.kernel.lost_answers import create_once
from lambda_handlers.kernel.ownership import api_tags

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

NAME_MAX: Final = 63  # botocore model, shape Name (max 63)
ATTEMPT_CHARS: Final = 8
VERSION_CHARS: Final = 8  # the data version as a job name carries it
WAITING_FOR: Final = "WaitingFor"  # Data: the other job a deferred create waits for
STACK_STATUS: Final = "StackStatus"  # Data: the stack's status when a create was deferred


def stem(prefix: str) -> str:
    """The prefix as job names carry it: cut so that a whole name fits 63 characters."""
    return prefix[: NAME_MAX - VERSION_CHARS - ATTEMPT_CHARS - 2].rstrip("-_")


def job_name(prefix: str, data_version: str, request_id: str) -> str:
    """`{stem(prefix)}-{data version}-{sha256(request id)[:8]}`: one name per request."""
    attempt = hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:ATTEMPT_CHARS]
    return f"{stem(prefix)}-{data_version[:VERSION_CHARS]}-{attempt}"


def of_version(name: str, prefix: str, data_version: str) -> bool:
    """Whether a job name (ours) imported this data version."""
    return job_name(prefix, data_version, "").rsplit("-", 1)[0] == name.rsplit("-", 1)[0]


def import_mode(configured: str, jobs: Sequence[Mapping[str, Any]], prefix: str, data_version: str) -> str:
    """The mode to import with, given the dataset's earlier jobs (ListDatasetImportJobs summaries)."""
    if configured == "FULL":
        return "FULL"
    if not any(job.get("status") == Status.ACTIVE for job in jobs):
        return "FULL"  # no bulk import yet: the API accepts only FULL
    if any(of_version(str(job.get("jobName", "")), prefix, data_version) for job in jobs):
        return "FULL"  # this file again (a rollback, a revert): the dataset must hold it alone
    return "INCREMENTAL"


def changes_data(event: Event) -> bool:
    """Whether the request asks for other data than the import before it (a Create always does):
    a change of the import mode or of the wait alone imports nothing."""
    if not isinstance(event, Update):
        return True
    new, old = event.spec(contract.DatasetImport), event.old_spec(contract.DatasetImport)
    return (new.dataset_arn, new.data_location, new.data_version) != (
        old.dataset_arn,
        old.data_location,
        old.data_version,
    )


def latest_of_version(
    jobs: Sequence[Mapping[str, Any]], prefix: str, data_version: str
) -> Mapping[str, Any] | None:
    """The newest job that imported this data version and did not fail."""
    found = [j for j in jobs if of_version(str(j.get("jobName", "")), prefix, data_version)]
    found = [j for j in found if j.get("status") != Status.CREATE_FAILED]
    return max(found, key=lambda j: _epoch(j.get("creationDateTime")), default=None)


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value or 0)


def running_other(jobs: Sequence[Mapping[str, Any]], own: str) -> str | None:
    """The ARN of another import of the dataset still in progress, if any."""
    for job in jobs:
        if job.get("jobName") != own and job.get("status") in Status.CREATING:
            return str(job["datasetImportJobArn"])
    return None


def failure(name: str, location: str, reason: str | None) -> str:
    """CloudFormation's failure reason for a failed job: Personalize's reason first."""
    return f"{reason or 'Personalize gives no reason'} (dataset import job {name} of {location})"


@dataclass(frozen=True)
class Import:
    """What one request imports, resolved from its event."""

    spec: contract.DatasetImport
    dataset_arn: str
    location: str
    name: str

    @classmethod
    def of(cls, event: Event) -> Import:
        spec = event.spec(contract.DatasetImport)
        return cls(
            spec=spec,
            dataset_arn=contract.resolved(spec.dataset_arn),
            location=contract.resolved(spec.data_location),
            name=job_name(spec.job_prefix, spec.data_version, event.request_id or event.logical_id),
        )

    @property
    def job_arn(self) -> str:
        return arns.sibling(self.dataset_arn, "dataset-import-job", self.name)

    @property
    def physical_id(self) -> str:
        return f"{self.dataset_arn}/import"


def _jobs(deps: Deps, dataset_arn: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with not_found("dataset", dataset_arn):
        for page in deps.personalize.get_paginator("list_dataset_import_jobs").paginate(
            datasetArn=dataset_arn
        ):
            found += [dict(job) for job in page.get("datasetImportJobs", [])]
    return found


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    match event:
        case Delete():
            return wait.nothing_to_delete(
                event.physical_id,
                "import jobs cannot be deleted (no API) and bill nothing once ended; the dataset's delete "
                "removes the data",
                deps.log,
            )
        case Create() | Update():
            return _import_or_link(event, deps)


def _import_or_link(event: Create | Update, deps: Deps) -> OnEventResponse:
    spec = event.spec(contract.DatasetImport)
    if spec.link_index > 0:
        return wait.next_link(
            spec.link_index,
            contract.resolved(spec.dataset_import_job_arn),
            Attr.DATASET_IMPORT_JOB_ARN,
            deps.now(),
        )
    started = wait.started(deps.now())
    job = Import.of(event)
    jobs = _jobs(deps, job.dataset_arn)
    mine = [j for j in jobs if j.get("jobName") == job.name]
    mode = (
        str(mine[0].get("importMode") or "FULL")
        if mine
        else import_mode(spec.import_mode, jobs, spec.job_prefix, spec.data_version)
    )
    data = {Attr.DATASET_IMPORT_JOB_ARN: job.job_arn, Attr.IMPORT_MODE: mode, **started}
    if mine:
        deps.log(f"import job {job.name} exists (this request, delivered again): not imported twice")
        return respond(job.physical_id, data)
    kept = None if changes_data(event) else latest_of_version(jobs, spec.job_prefix, spec.data_version)
    if kept is not None:
        deps.log(f"same data as before: no new import, {kept['jobName']} stands")
        arn, mode = str(kept["datasetImportJobArn"]), str(kept.get("importMode") or "FULL")
        return respond(job.physical_id, {**data, Attr.DATASET_IMPORT_JOB_ARN: arn, Attr.IMPORT_MODE: mode})
    other = running_other(jobs, job.name)
    if other is not None:
        deps.log(f"{other} is still importing into {job.dataset_arn}: {job.name} starts once it ended")
        return respond(job.physical_id, {**data, WAITING_FOR: other, STACK_STATUS: stack.status(deps, event)})
    _create(deps, event, job, mode)
    return respond(job.physical_id, data)


def _create(deps: Deps, event: Event, job: Import, mode: str) -> None:
    """CreateDatasetImportJob once; an existing job of this name on this dataset and file is ours."""
    spec = job.spec

    def create() -> str:
        return deps.creates.create_dataset_import_job(
            jobName=job.name,
            datasetArn=job.dataset_arn,
            dataSource={"dataLocation": job.location},
            roleArn=contract.resolved(spec.role_arn),
            importMode="INCREMENTAL" if mode == "INCREMENTAL" else "FULL",
            tags=api_tags(spec.tags, event),
            **({"publishAttributionMetricsToS3": True} if spec.publish_attribution_metrics else {}),
        )["datasetImportJobArn"]

    try:
        create_once(deps, create=create, find=lambda: _find(deps, job), what=f"import job {job.name}")
    except ClientError as exc:
        if error_code(exc) != ALREADY_EXISTS or _find(deps, job) is None:
            raise
        deps.log(f"import job {job.name} already made by this request: continuing with it")
        return
    deps.log(f"import job {job.name} ({mode}) started: {job.location} into {job.dataset_arn}")


def _find(deps: Deps, job: Import) -> str | None:
    """The job of this request's name, when it imports this file into this dataset."""
    try:
        found = deps.personalize.describe_dataset_import_job(datasetImportJobArn=job.job_arn)[
            "datasetImportJob"
        ]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    same = found.get("datasetArn") == job.dataset_arn
    if not same or found.get("dataSource", {}).get("dataLocation") != job.location:
        raise DeployError(f"import job {job.name} exists for another dataset or file; cannot import under it")
    return job.job_arn


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    match event:
        case Delete():
            return complete()
        case Create() | Update():
            return _until_imported(event, deps)


def _until_imported(event: Create | Update, deps: Deps) -> IsCompleteResponse:
    spec = event.spec(contract.DatasetImport)
    job_arn = event.data.get(Attr.DATASET_IMPORT_JOB_ARN) or contract.resolved(spec.dataset_import_job_arn)
    budget = wait.Budget(float(event.data.get(Attr.STARTED_AT) or deps.now()), spec.link_seconds)
    if event.data.get(WAITING_FOR) and not _start_deferred(event, deps):
        if budget.spent(deps.now()):
            raise DeployError(
                f"{event.data[WAITING_FOR]} was still importing after {int(spec.link_seconds // 60)} min; "
                "this import was not started: deploy again once that job ended"
            )
        return not_complete()
    with not_found("dataset import job", job_arn):
        job = deps.personalize.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]
    name, status = str(job.get("jobName", "")), str(job.get("status", ""))
    location = str(job.get("dataSource", {}).get("dataLocation", ""))
    done = {Attr.DATASET_IMPORT_JOB_ARN: job_arn, Attr.STATUS: status}
    if status == Status.ACTIVE:
        return complete({**done, Attr.IMPORT_MODE: str(job.get("importMode") or "FULL")})
    if status == Status.CREATE_FAILED:
        raise DeployError(failure(name, location, job.get("failureReason")))
    if status not in Status.IMPORT_JOB:
        raise DeployError(f"dataset import job {name} is {status}, expected ACTIVE")
    handed = wait.hand_over(
        budget, deps.now(), is_last=spec.is_last, data=done, log=deps.log, what=f"{name} is {status}"
    )
    if handed is not None:
        return handed
    raise DeployError(
        f"dataset import job {name} not finished after {spec.max_wait_minutes} min: it is {status} and keeps "
        "running (import jobs cannot be stopped); raise datasets.import_max_wait_minutes and deploy again"
    )


def _start_deferred(event: Event, deps: Deps) -> bool:
    """Create a deferred job once the other import ended; False while it still runs.

    Only while the stack is in the status it was in at onEvent: a changed status means this
    operation was cancelled (its rollback imports the old file itself) and the waiter stops.
    """
    job = Import.of(event)
    jobs = _jobs(deps, job.dataset_arn)
    if any(j.get("jobName") == job.name for j in jobs):
        return True
    if running_other(jobs, job.name) is not None:
        return False
    now = stack.status(deps, event)
    if now != event.data.get(STACK_STATUS):
        raise DeployError(
            f"import job {job.name} not started: the stack went from {event.data.get(STACK_STATUS)} to {now} "
            "while it waited for another import (this operation was cancelled)"
        )
    _create(deps, event, job, event.data.get(Attr.IMPORT_MODE, "FULL"))
    return True

"""Custom::PersonalizeBatchJob: one batch inference or batch segment job, run once per
(trigger, input, solution version), and waited for past CloudFormation's hour.

Name: `{JobPrefix}-{sha256(trigger, input version, solution version)[:8]}` (`job_name`). A
job's ARN is `batch-inference-job/{name}` (`batch-segment-job/{name}`), so the name decides
whether the job ran already: a repeated event, a retried deploy and a rollback to earlier
properties find their job by name and run nothing; only a new trigger, input or version runs
one. A Create whose answer was lost is looked up the same way (`kernel.lost_answers`).

Output: `s3://{Bucket}/{OutputRoot}{trigger}/{solution version id}/`, so a job for another
trigger or version never writes over an earlier result.

No API stops or deletes a batch job (the Personalize API reference lists Create, Describe and
List operations only for them: https://docs.aws.amazon.com/personalize/latest/dg/API_Operations.html).
So a job in progress when its deploy rolls back is left to finish (billed to its end), and
Delete does nothing billable: it leaves the job and its output, which the data bucket's
removal policy keeps or removes with the stack.

Waiting: link 0 waits `LinkSeconds` from its onEvent, then hands over to link 1, and so on
(`kernel.wait.hand_over`); the last link fails at `MaxWaitMinutes`. A failed job fails the
deploy with Personalize's `failureReason` first.
Physical id: the job ARN (link 0), `{job ARN}/wait-{LinkIndex}` (later links).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from lambda_handlers import arns, contract
from lambda_handlers.constants import Attr, Status
from lambda_handlers.errors import NOT_FOUND, DeployError, error_code
from lambda_handlers.events import (
    Create,
    Delete,
    Event,
    IsCompleteResponse,
    OnEventResponse,
    Update,
    complete,
    respond,
)
from lambda_handlers.kernel import wait
from lambda_handlers.kernel.client_errors import not_found
from lambda_handlers.kernel.lost_answers import create_once
from lambda_handlers.kernel.ownership import api_tags

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

NAME_MAX: Final = 63  # botocore model, shape Name (max 63)
DIGEST_CHARS: Final = 8
PREFIX_MAX: Final = NAME_MAX - DIGEST_CHARS - 1
ARN_KIND: Final = {"recommendations": "batch-inference-job", "segments": "batch-segment-job"}
WHAT: Final = {"recommendations": "batch inference job", "segments": "batch segment job"}


def job_name(prefix: str, trigger: str, input_version: str, version_arn: str) -> str:
    """`{prefix}-{sha256(trigger, input version, solution version)[:8]}`: one name per run."""
    digest = hashlib.sha256(f"{trigger}\n{input_version}\n{version_arn}".encode()).hexdigest()
    return f"{prefix[:PREFIX_MAX].rstrip('-_')}-{digest[:DIGEST_CHARS]}"


def output_location(bucket: str, root: str, trigger: str, version_arn: str) -> str:
    """`s3://{bucket}/{root}{trigger}/{version id}/`: the version id is the ARN's last part."""
    return f"s3://{bucket}/{root}{trigger}/{arns.resource_path(version_arn)[-1]}/"


def failure(kind: str, name: str, reason: str | None) -> str:
    """CloudFormation's failure reason for a failed job: Personalize's reason first."""
    return (
        f"{reason or 'Personalize gives no reason'} ({WHAT[kind]} {name}); "
        "fix the input or the role, then change the trigger to run it again"
    )


def _kind_of(job_arn: str) -> str:
    return "segments" if f":{ARN_KIND['segments']}/" in job_arn else "recommendations"


def describe(deps: Deps, job_arn: str) -> dict[str, Any]:
    """DescribeBatchInferenceJob or DescribeBatchSegmentJob, by the ARN's resource type."""
    if _kind_of(job_arn) == "segments":
        return dict(
            deps.personalize.describe_batch_segment_job(batchSegmentJobArn=job_arn)["batchSegmentJob"]
        )
    return dict(
        deps.personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn)["batchInferenceJob"]
    )


def _find(deps: Deps, job_arn: str, version_arn: str) -> dict[str, Any] | None:
    """The job of this name, when it ran on this version; None when there is none."""
    try:
        found = describe(deps, job_arn)
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return None
        raise
    if found.get("solutionVersionArn") != version_arn:
        raise DeployError(f"{job_arn} exists for another solution version; cannot run under its name")
    return found


def _create(deps: Deps, event: Event, spec: contract.BatchJob, name: str, output: str) -> str:
    version_arn = contract.resolved(spec.solution_version_arn)
    job_arn = arns.sibling(version_arn, ARN_KIND[spec.kind], name)
    request: dict[str, Any] = {
        "jobName": name,
        "solutionVersionArn": version_arn,
        "jobInput": {"s3DataSource": {"path": contract.resolved(spec.input)}},
        "jobOutput": {"s3DataDestination": {"path": output}},
        "roleArn": contract.resolved(spec.role_arn),
        "tags": api_tags(spec.tags, event),
    }
    if spec.num_results is not None:
        request["numResults"] = spec.num_results
    if contract.resolved(spec.filter_arn):
        request["filterArn"] = contract.resolved(spec.filter_arn)

    def create() -> str:
        if spec.kind == "segments":
            return deps.creates.create_batch_segment_job(**request)["batchSegmentJobArn"]
        return deps.creates.create_batch_inference_job(**request)["batchInferenceJobArn"]

    def find() -> str | None:
        return job_arn if _find(deps, job_arn, version_arn) is not None else None

    with not_found("solution version", version_arn):
        return create_once(deps, create=create, find=find, what=f"{WHAT[spec.kind]} {name}")


def on_event(event: Event, deps: Deps) -> OnEventResponse:
    match event:
        case Delete():
            return wait.nothing_to_delete(
                event.physical_id,
                "batch jobs cannot be stopped or deleted (no API); a finished one bills nothing, its output "
                "stays in the data bucket (the bucket's removal policy decides)",
                deps.log,
            )
        case Create() | Update():
            return _run_or_link(event, deps)


def _run_or_link(event: Create | Update, deps: Deps) -> OnEventResponse:
    spec = event.spec(contract.BatchJob)
    if spec.link_index > 0:
        return wait.next_link(spec.link_index, contract.resolved(spec.job_arn), Attr.JOB_ARN, deps.now())
    started = wait.started(deps.now())
    version_arn = contract.resolved(spec.solution_version_arn)
    name = job_name(spec.job_prefix, spec.trigger, spec.input_version, version_arn)
    output = output_location(contract.resolved(spec.bucket), spec.output_root, spec.trigger, version_arn)
    job_arn = arns.sibling(version_arn, ARN_KIND[spec.kind], name)
    data = {Attr.JOB_ARN: job_arn, Attr.OUTPUT_LOCATION: output, **started}
    if _find(deps, job_arn, version_arn) is not None:
        deps.log(f"{WHAT[spec.kind]} {name} ran already for this trigger, input and version: not run again")
        return respond(job_arn, data)
    _create(deps, event, spec, name, output)
    deps.log(f"{WHAT[spec.kind]} {name} started: {contract.resolved(spec.input)} -> {output}")
    return respond(job_arn, data)


def is_complete(event: Event, deps: Deps) -> IsCompleteResponse:
    match event:
        case Delete():
            return complete()
        case Create() | Update():
            return _until_done(event, deps)


def _until_done(event: Create | Update, deps: Deps) -> IsCompleteResponse:
    spec = event.spec(contract.BatchJob)
    job_arn = event.data.get(Attr.JOB_ARN) or contract.resolved(spec.job_arn)
    kind = _kind_of(job_arn)
    with not_found(WHAT[kind], job_arn):
        job = describe(deps, job_arn)
    name, status = str(job.get("jobName", "")), str(job.get("status", ""))
    output = str(job.get("jobOutput", {}).get("s3DataDestination", {}).get("path", ""))
    done = {Attr.JOB_ARN: job_arn, Attr.STATUS: status, Attr.OUTPUT_LOCATION: output}
    if status == Status.ACTIVE:
        return complete(done)
    if status == Status.CREATE_FAILED:
        raise DeployError(failure(kind, name, job.get("failureReason")))
    if status not in Status.BATCH_RUNNING:
        deps.log(f"{WHAT[kind]} {name}: unknown status {status!r}, waiting as if in progress")
    budget = wait.Budget(float(event.data.get(Attr.STARTED_AT) or deps.now()), spec.link_seconds)
    handed = wait.hand_over(
        budget, deps.now(), is_last=spec.is_last, data=done, log=deps.log, what=f"{name} is {status}"
    )
    if handed is not None:
        return handed
    raise DeployError(
        f"{WHAT[kind]} {name} not finished after {spec.max_wait_minutes} min: it is {status}, still running "
        "(batch jobs cannot be stopped); raise batch_jobs[].max_wait_minutes or deploy again later: "
        "the next deploy finds the same job and runs nothing new"
    )

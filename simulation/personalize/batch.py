"""Batch inference and batch segment jobs: create, describe, list, and their output in S3.

Rules, each from the API reference page named beside it:
- CreateBatchInferenceJob (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateBatchInferenceJob.html):
  the job's ARN is `batch-inference-job/{jobName}`, a name taken answers
  ResourceAlreadyExistsException; the solution version must be ACTIVE; "You can't get batch
  recommendations with the Trending-Now or Next-Best-Action recipes" (also in botocore's
  documentation of the operation), nor from a USER_SEGMENTATION recipe (those make segments).
- CreateBatchSegmentJob (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateBatchSegmentJob.html):
  the same for `batch-segment-job/{jobName}`; the version's recipe must be USER_SEGMENTATION
  ("Getting batch recommendations and user segments",
  https://docs.aws.amazon.com/personalize/latest/dg/recommendations-batch.html).
- Describe*/List* (API_DescribeBatchInferenceJob.html, API_ListBatchInferenceJobs.html and the
  segment pages): status PENDING, IN PROGRESS, ACTIVE or CREATE FAILED (botocore's `status`
  documentation), `failureReason` when failed; List filters by `solutionVersionArn`.
- No Stop* or Delete* operation exists for either (API_Operations.html): a job runs to its end.
- Output: one `{input file name}.out` object under the output path, a JSON line per input line
  with `input`, `output` and `error` ("Batch inference job output examples",
  https://docs.aws.amazon.com/personalize/latest/dg/batch-data-upload.html, and for segments
  https://docs.aws.amazon.com/personalize/latest/dg/prepare-input-data-user-segment.html).
  The fake writes it through `object_store` when the job turns ACTIVE; an input object that
  does not exist fails the job, as Personalize cannot read it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from simulation.personalize.errors import invalid
from simulation.personalize.recipes import recipe_type
from simulation.personalize.store import (
    BATCH_IN_PROGRESS,
    BATCH_INFERENCE,
    BATCH_KINDS,
    BATCH_PENDING,
    BATCH_SEGMENT,
    JSON,
    Operation,
    Resource,
    Store,
)

INFERENCE: Final = BATCH_INFERENCE
SEGMENT: Final = BATCH_SEGMENT
PENDING: Final = BATCH_PENDING
IN_PROGRESS: Final = BATCH_IN_PROGRESS
NO_BATCH_RECOMMENDATIONS: Final = ("aws-trending-now", "aws-next-best-action")
SEGMENTATION: Final = "USER_SEGMENTATION"
DEFAULT_RESULTS: Final = 25


@dataclass
class ObjectStore:
    """S3 as the fake's jobs see it: read an object (None when absent), write one."""

    read: Callable[[str], bytes | None]
    write: Callable[[str, bytes], None]


def _lines(body: bytes) -> list[dict[str, Any]]:
    found = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"invalid": line[:100]})
    return found


def output_body(kind: str, body: bytes, count: int) -> bytes:
    """The job's output file for its input file (see the module docstring for the format)."""
    out = []
    for index, line in enumerate(_lines(body)):
        if kind == SEGMENT:
            result: JSON = {"usersList": [f"user-{index}-{n}" for n in range(count)]}
        else:
            items = [f"item-{index}-{n}" for n in range(count)]
            result = {"recommendedItems": items, "scores": [round(1.0 / (n + 2), 4) for n in range(count)]}
        out.append(json.dumps({"input": line, "output": result, "error": None}))
    return ("\n".join(out) + "\n").encode("utf-8")


def _create(store: Store, kind: str, p: JSON) -> str:
    version = store.active_version(p["solutionVersionArn"])
    recipe = store.get(version.parent, "solution").data["recipeArn"].rsplit("/", 1)[-1]
    kind_of_recipe = recipe_type(recipe)
    refused = (
        f"Batch segment jobs need a {SEGMENTATION} recipe; {recipe} is {kind_of_recipe}."
        if kind == SEGMENT and kind_of_recipe != SEGMENTATION
        else f"Batch inference jobs cannot use the recipe {recipe}."
        if kind == INFERENCE and (recipe in NO_BATCH_RECOMMENDATIONS or kind_of_recipe == SEGMENTATION)
        else None
    )
    if refused:
        raise invalid(refused)
    arn = store.arn(kind, p["jobName"])
    store.ensure_new(arn)
    now = store.now()
    source = p["jobInput"]["s3DataSource"]["path"]
    failure = store.faults.batch_failure()
    if failure is None and store.object_store is not None and store.object_store.read(source) is None:
        failure = f"Input file {source} does not exist or cannot be read."
    data = {
        "jobName": p["jobName"],
        "solutionVersionArn": version.arn,
        "filterArn": p.get("filterArn"),
        "numResults": p.get("numResults", DEFAULT_RESULTS),
        "jobInput": p["jobInput"],
        "jobOutput": p["jobOutput"],
        "roleArn": p["roleArn"],
    }
    if kind == INFERENCE:
        data["batchInferenceJobMode"] = p.get("batchInferenceJobMode", "BATCH_INFERENCE")
    res = store.add(
        kind,
        arn,
        p["jobName"],
        now,
        now + store.durations.batch_job,
        data,
        failure=failure,
        tags=p.get("tags"),
    )
    res.data = {k: v for k, v in res.data.items() if v is not None}
    return str(arn)


def deliver_outputs(store: Store) -> None:
    """Write each finished job's output once (run when the fake settles)."""
    target_store = store.object_store
    for res in [r for r in store.resources() if r.kind in BATCH_KINDS]:
        if res.failure or res.data.get("_delivered") or store.now() < res.ready_at:
            continue
        res.data["_delivered"] = True
        if target_store is None:
            continue
        source = res.data["jobInput"]["s3DataSource"]["path"]
        body = target_store.read(source) or b""
        target = res.data["jobOutput"]["s3DataDestination"]["path"] + source.rsplit("/", 1)[-1] + ".out"
        target_store.write(target, output_body(res.kind, body, int(res.data["numResults"])))


def _view(store: Store, res: Resource) -> JSON:
    view: JSON = store.view(res)
    view.pop("_delivered", None)
    return view


def _list(store: Store, kind: str, p: JSON, key: str) -> JSON:
    wanted = p.get("solutionVersionArn")
    jobs = [r for r in store.of(kind) if wanted is None or r.data["solutionVersionArn"] == wanted]
    return dict(store.page([_view(store, r) for r in jobs], p, key))


def create_batch_inference_job(store: Store, p: JSON) -> JSON:
    return {"batchInferenceJobArn": _create(store, INFERENCE, p)}


def create_batch_segment_job(store: Store, p: JSON) -> JSON:
    return {"batchSegmentJobArn": _create(store, SEGMENT, p)}


def describe_batch_inference_job(store: Store, p: JSON) -> JSON:
    return {"batchInferenceJob": _view(store, store.get(p["batchInferenceJobArn"], INFERENCE))}


def describe_batch_segment_job(store: Store, p: JSON) -> JSON:
    return {"batchSegmentJob": _view(store, store.get(p["batchSegmentJobArn"], SEGMENT))}


def list_batch_inference_jobs(store: Store, p: JSON) -> JSON:
    return _list(store, INFERENCE, p, "batchInferenceJobs")


def list_batch_segment_jobs(store: Store, p: JSON) -> JSON:
    return _list(store, SEGMENT, p, "batchSegmentJobs")


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateBatchInferenceJob": create_batch_inference_job,
    "CreateBatchSegmentJob": create_batch_segment_job,
    "DescribeBatchInferenceJob": describe_batch_inference_job,
    "DescribeBatchSegmentJob": describe_batch_segment_job,
    "ListBatchInferenceJobs": list_batch_inference_jobs,
    "ListBatchSegmentJobs": list_batch_segment_jobs,
}

"""Batch inference and batch segment jobs of the fake Personalize (a mixin of `FakePersonalize`).

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
from typing import TYPE_CHECKING, Any, Final, cast

from simulation.fake_core import FakeCore

if TYPE_CHECKING:
    from simulation.personalize_state import JSON, _Res


_State = FakeCore  # what this mixin uses of FakePersonalize


INFERENCE: Final = "batch-inference-job"
SEGMENT: Final = "batch-segment-job"
BATCH_KINDS: Final = (INFERENCE, SEGMENT)
# botocore's BatchInferenceJob / BatchSegmentJob `status` documentation.
PENDING: Final = "PENDING"
IN_PROGRESS: Final = "IN PROGRESS"
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


class BatchJobs:
    """The batch operations; `FakePersonalize` supplies the state helpers they use."""

    object_store: ObjectStore | None = None
    _fail_batch: list[str]

    @property
    def _state(self) -> _State:
        return cast("_State", self)

    def fail_next_batch_job(self, reason: str = "Input file is not valid JSON") -> None:
        """The next batch job created fails with `reason` once it ran."""
        self._fail_batch.append(reason)

    def _create_batch(self, kind: str, p: JSON) -> str:
        from simulation.personalize_state import RECIPES, PersonalizeError  # noqa: PLC0415 - a cycle

        state = self._state
        version = state._active_version(p["solutionVersionArn"])
        recipe = state._get(version.parent, "solution").data["recipeArn"].rsplit("/", 1)[-1]
        recipe_type = next((t for name, t, _ in RECIPES if name == recipe), "")
        refused = (
            f"Batch segment jobs need a {SEGMENTATION} recipe; {recipe} is {recipe_type}."
            if kind == SEGMENT and recipe_type != SEGMENTATION
            else f"Batch inference jobs cannot use the recipe {recipe}."
            if kind == INFERENCE and (recipe in NO_BATCH_RECOMMENDATIONS or recipe_type == SEGMENTATION)
            else None
        )
        if refused:
            raise PersonalizeError("InvalidInputException", refused)
        arn = state._arn(kind, p["jobName"])
        state._ensure_new(arn)
        now = state.clock.now()
        source = p["jobInput"]["s3DataSource"]["path"]
        failure = self._fail_batch.pop(0) if self._fail_batch else None
        if failure is None and self.object_store is not None and self.object_store.read(source) is None:
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
        res = state._add(
            kind,
            arn,
            p["jobName"],
            now,
            now + state.durations.batch_job,
            data,
            failure=failure,
            tags=p.get("tags"),
        )
        res.data = {k: v for k, v in res.data.items() if v is not None}
        return str(arn)

    def _batch_status(self, res: _Res, now: float) -> str:
        if now < res.created + min(60.0, (res.ready_at - res.created) / 2):
            return PENDING
        if now < res.ready_at:
            return IN_PROGRESS
        return "CREATE FAILED" if res.failure else "ACTIVE"

    def _deliver_batch_outputs(self) -> None:
        """Write each finished job's output once (`FakePersonalize._settle` calls it)."""
        state = self._state
        store = self.object_store
        for res in [r for r in state._res.values() if r.kind in BATCH_KINDS]:
            if res.failure or res.data.get("_delivered") or state.clock.now() < res.ready_at:
                continue
            res.data["_delivered"] = True
            if store is None:
                continue
            source = res.data["jobInput"]["s3DataSource"]["path"]
            body = store.read(source) or b""
            target = res.data["jobOutput"]["s3DataDestination"]["path"] + source.rsplit("/", 1)[-1] + ".out"
            store.write(target, output_body(res.kind, body, int(res.data["numResults"])))

    def _batch_view(self, res: _Res) -> JSON:
        state = self._state
        view: JSON = state._view(res)
        view.pop("_delivered", None)
        return view

    def _op_create_batch_inference_job(self, p: JSON) -> JSON:
        return {"batchInferenceJobArn": self._create_batch(INFERENCE, p)}

    def _op_create_batch_segment_job(self, p: JSON) -> JSON:
        return {"batchSegmentJobArn": self._create_batch(SEGMENT, p)}

    def _op_describe_batch_inference_job(self, p: JSON) -> JSON:
        state = self._state
        return {"batchInferenceJob": self._batch_view(state._get(p["batchInferenceJobArn"], INFERENCE))}

    def _op_describe_batch_segment_job(self, p: JSON) -> JSON:
        state = self._state
        return {"batchSegmentJob": self._batch_view(state._get(p["batchSegmentJobArn"], SEGMENT))}

    def _batch_list(self, kind: str, p: JSON, key: str) -> JSON:
        state = self._state
        wanted = p.get("solutionVersionArn")
        jobs = [r for r in state._of(kind) if wanted is None or r.data["solutionVersionArn"] == wanted]
        return dict(state._page([self._batch_view(r) for r in jobs], p, key))

    def _op_list_batch_inference_jobs(self, p: JSON) -> JSON:
        return self._batch_list(INFERENCE, p, "batchInferenceJobs")

    def _op_list_batch_segment_jobs(self, p: JSON) -> JSON:
        return self._batch_list(SEGMENT, p, "batchSegmentJobs")

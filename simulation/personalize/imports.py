"""Dataset import jobs, and what a job finds at its `dataLocation`, read from the world's S3 (moto).

API reference, CreateDatasetImportJob
(https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html): the job's ARN
is `dataset-import-job/{jobName}`, so a name is used once (ResourceAlreadyExistsException);
`importMode` defaults to FULL, and "if you haven't imported bulk records into the dataset
previously, you can only specify FULL" (also in botocore's model, the member's documentation).
Statuses: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED (botocore's model,
DatasetImportJob.status), with `failureReason` when failed.

Reading the data. Belief: Personalize reads `dataLocation` (an object, or every object under a folder prefix
ending in "/") with the job's role; with nothing there the job ends CREATE FAILED with a
`failureReason` (API reference, CreateDatasetImportJob: "If the status shows as CREATE FAILED,
the response includes a failureReason key",
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html). Amazon
Forecast, whose import API Personalize's mirrors, words it "No objects found in s3 path ...";
the exact Personalize text is not verified here. The fake Personalize holds no S3 data, so it
asks this reader (`FakePersonalize.data_reader`) when a job is created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from simulation.personalize.errors import in_use, invalid
from simulation.personalize.store import ACTIVE, JSON, Operation, Store

MISSING: Final = ("404", "NoSuchKey", "NotFound")


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def s3_reader(s3: Any) -> Callable[[str], str | None]:
    """location → the job's failureReason when nothing is there to import, else None."""

    def exists(bucket: str, key: str) -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if _code(exc) in MISSING:
                return False
            raise
        return True

    def read(location: str) -> str | None:
        if not location.startswith("s3://"):
            return None
        bucket, _, key = location.removeprefix("s3://").partition("/")
        try:
            found = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0)
        except Exception as exc:
            if _code(exc) != "NoSuchBucket":
                raise
            found = 0
        if not found or (not key.endswith("/") and not exists(bucket, key)):
            return f"No objects found in s3 path {location}"
        return None

    return read


def has_imported_interactions(store: Store, group_arn: str) -> bool:
    for dataset in store.of("dataset", group_arn):
        if dataset.data.get("datasetType") == "INTERACTIONS":
            for job in store.of("dataset-import-job", dataset.arn):
                if store.status(job) == ACTIVE:
                    return True
    return False


def _has_bulk_import(store: Store, dataset_arn: str) -> bool:
    return any(store.status(job) == ACTIVE for job in store.of("dataset-import-job", dataset_arn))


def create_dataset_import_job(store: Store, p: JSON) -> JSON:
    dataset = store.get(p["datasetArn"], "dataset")
    if dataset.deleted_at is not None:
        raise in_use(f"The dataset {dataset.arn} is being deleted.")
    arn = store.arn("dataset-import-job", p["jobName"])
    store.ensure_new(arn)
    mode = p.get("importMode", "FULL")
    if mode != "FULL" and not _has_bulk_import(store, dataset.arn):
        raise invalid(
            f"Import mode {mode} is not allowed: no bulk records were imported into {dataset.arn} "
            "before; the first import must be FULL."
        )
    unreadable = store.data_reader(p["dataSource"]["dataLocation"]) if store.data_reader else None
    now = store.now()
    store.add(
        "dataset-import-job",
        arn,
        p["jobName"],
        now,
        now + store.durations.import_job,
        {
            "jobName": p["jobName"],
            "datasetArn": dataset.arn,
            "dataSource": p["dataSource"],
            "roleArn": p.get("roleArn"),
            "importMode": mode,
            "publishAttributionMetricsToS3": p.get("publishAttributionMetricsToS3"),
        },
        parent=dataset.arn,
        failure=unreadable or store.faults.import_failure(),
        tags=p.get("tags"),
    )
    return {"datasetImportJobArn": arn}


def describe_dataset_import_job(store: Store, p: JSON) -> JSON:
    job = store.get(p["datasetImportJobArn"], "dataset-import-job")
    return {"datasetImportJob": store.view(job)}


def list_dataset_import_jobs(store: Store, p: JSON) -> JSON:
    return store.listing("dataset-import-job", p, "datasetImportJobs", "datasetArn")


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateDatasetImportJob": create_dataset_import_job,
    "DescribeDatasetImportJob": describe_dataset_import_job,
    "ListDatasetImportJobs": list_dataset_import_jobs,
}

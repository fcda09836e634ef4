"""What a dataset import job finds at its `dataLocation`, read from the world's S3 (moto).

Belief: Personalize reads `dataLocation` (an object, or every object under a folder prefix
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

"""Custom::PersonalizeDataCopy: a dataset's data file, copied server-side from the CDK asset bucket.

`cdk deploy` publishes the local CSV as a file asset; this resource copies that object into the
stack's data bucket under a content-addressed key the import job reads. Bytes never pass through
the Lambda: up to `Limits.single_copy_max` one CopyObject in onEvent; above it a multipart copy
that onEvent starts and isComplete advances a few UploadPartCopy calls per poll. S3 answers a
copy only when it is done, so copies use their own client (`deps.s3_copy`) whose read timeout
covers the largest copy one call makes; sizes, timeout and their sources are in `copy_limits`.

Physical id `s3://{bucket}/{prefix}`: the resource owns its prefix (`datasets/{type}/`) and only
ever deletes under it. Copies are kept for rollbacks: after each copy the newest `Keep` keys stay
(the current one first), so the previous import's object is there while a rollback can need it.
Delete removes every version of what is under the prefix, unless `RetainOnDelete` (retained bucket).
A multipart upload another event started for another key is aborted first, so a waiter still
polling for a cancelled operation fails instead of completing an object after the rollback.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from lambda_handlers import contract, copy_limits
from lambda_handlers.constants import Attr
from lambda_handlers.copy_limits import MAX_PARTS
from lambda_handlers.errors import DeployError
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
from lambda_handlers.kernel import stack
from lambda_handlers.kernel.client_errors import ignoring

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef, ObjectIdentifierTypeDef

    from lambda_handlers.deps import Deps

DELETE_BATCH: Final = 1000  # DeleteObjects takes at most 1000 keys
MISSING: Final = ("404", "NoSuchKey", "NotFound")
NO_SUCH_UPLOAD: Final = "NoSuchUpload"
NO_SUCH_BUCKET: Final = "NoSuchBucket"


@dataclass(frozen=True)
class Limits:
    """When a copy goes multipart, and how much of it one isComplete poll does (`copy_limits`)."""

    single_copy_max: int = copy_limits.SINGLE_COPY_MAX
    part_size: int = copy_limits.PART_SIZE
    parts_per_poll: int = 8  # copied concurrently: 2 GiB per poll at the default part size

    @property
    def largest_file(self) -> int:
        return MAX_PARTS * self.part_size


LIMITS: Final = Limits()


@dataclass(frozen=True)
class Copy:
    source_bucket: str
    source_key: str
    bucket: str
    prefix: str
    key: str
    keep: int
    retain_on_delete: bool

    @classmethod
    def of(cls, event: Event) -> Copy:
        spec = event.spec(contract.DataCopy)
        return cls(
            source_bucket=contract.resolved(spec.source_bucket),
            source_key=contract.resolved(spec.source_key),
            bucket=contract.resolved(spec.bucket),
            prefix=spec.prefix,
            key=spec.key,
            keep=spec.keep,
            retain_on_delete=spec.retain_on_delete,
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def source(self) -> CopySourceTypeDef:
        return {"Bucket": self.source_bucket, "Key": self.source_key}


def on_event(event: Event, deps: Deps, limits: Limits = LIMITS) -> OnEventResponse:
    match event:
        case Delete():
            return _on_delete(event, deps)
        case Create() | Update():
            return _copy(event, deps, limits)


def _copy(event: Create | Update, deps: Deps, limits: Limits) -> OnEventResponse:
    copy = Copy.of(event)
    s3 = deps.s3
    _abort_uploads(s3, copy.bucket, copy.prefix, keep_key=copy.key)
    # The key is content-addressed and S3 shows an object only once written whole: a file already
    # there is this one. A rollback finds its old file so, without reading the old asset, which
    # the policy then in force (the new template's) does not grant.
    held = _size_of(s3, copy.bucket, copy.key)
    size = held if held is not None else _source_size(s3, copy)
    data = {Attr.DATA_LOCATION: copy.location, Attr.SIZE: str(size), Attr.UPLOAD_ID: ""}
    if held is not None:
        deps.log(f"{copy.location} already holds the {size}-byte file: nothing to copy")
    elif size > limits.largest_file:
        raise DeployError(
            f"data file s3://{copy.source_bucket}/{copy.source_key} is {size} bytes, over the "
            f"{limits.largest_file} bytes one copy supports ({MAX_PARTS} parts of {limits.part_size}); "
            "split it into smaller files"
        )
    elif size <= limits.single_copy_max:
        deps.s3_copy.copy_object(Bucket=copy.bucket, Key=copy.key, CopySource=copy.source)
        deps.log(f"copied s3://{copy.source_bucket}/{copy.source_key} to {copy.location} ({size} bytes)")
    else:
        data[Attr.UPLOAD_ID] = _start_upload(s3, copy)
        deps.log(f"multipart copy of {size} bytes to {copy.location}: upload {data[Attr.UPLOAD_ID]}")
    _prune(s3, copy, deps)
    return respond(f"s3://{copy.bucket}/{copy.prefix}", data)


def is_complete(event: Event, deps: Deps, limits: Limits = LIMITS) -> IsCompleteResponse:
    match event:
        case Delete():
            return complete()
        case Create() | Update():
            return _until_copied(event, deps, limits)


def _until_copied(event: Create | Update, deps: Deps, limits: Limits) -> IsCompleteResponse:
    upload_id = event.data.get(Attr.UPLOAD_ID, "")
    if not upload_id:
        return complete()
    copy, size = Copy.of(event), int(event.data[Attr.SIZE])
    with ignoring(NO_SUCH_UPLOAD):
        done = _copy_parts(deps.s3, deps.s3_copy, copy, upload_id, size, limits=limits)
        return complete() if done else not_complete()
    if _size_of(deps.s3, copy.bucket, copy.key) == size:
        return complete()  # completed by a duplicate of this event
    raise DeployError(f"multipart copy to {copy.location} was aborted (a newer deploy or rollback)")


# ---- S3 -----------------------------------------------------------------------------------------
def _source_size(s3: S3Client, copy: Copy) -> int:
    # Without s3:ListBucket on the bootstrap bucket (not granted) a missing object answers 403.
    size = _size_of(s3, copy.source_bucket, copy.source_key, missing=(*MISSING, "NoSuchBucket", "403"))
    if size is None:
        raise DeployError(
            f"data file asset s3://{copy.source_bucket}/{copy.source_key} is missing (or not readable "
            "by the handler role): deploy with "
            "`cdk deploy` into a bootstrapped environment (it publishes file assets first), or re-run "
            "the pipeline's Assets stage"
        )
    return size


def _size_of(s3: S3Client, bucket: str, key: str, missing: tuple[str, ...] = MISSING) -> int | None:
    with ignoring(*missing):
        return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    return None


def _start_upload(s3: S3Client, copy: Copy) -> str:
    """Resume an upload to this key (a retried deploy) or start one."""
    for upload in s3.list_multipart_uploads(Bucket=copy.bucket, Prefix=copy.key).get("Uploads", []):
        if upload.get("Key") == copy.key and upload.get("UploadId"):
            return upload["UploadId"]
    return s3.create_multipart_upload(Bucket=copy.bucket, Key=copy.key)["UploadId"]


def part_size(size: int, limits: Limits) -> int:
    return max(limits.part_size, math.ceil(size / MAX_PARTS))


def _copy_parts(
    s3: S3Client, copier: S3Client, copy: Copy, upload_id: str, size: int, *, limits: Limits
) -> bool:
    """Copy the next missing parts (with `copier`, whose timeout covers a part); complete the
    upload once every part is there."""
    step = part_size(size, limits)
    count = math.ceil(size / step)
    bucket, key = copy.bucket, copy.key
    etags: dict[int, str] = {}
    for page in s3.get_paginator("list_parts").paginate(Bucket=bucket, Key=key, UploadId=upload_id):
        etags.update({p["PartNumber"]: p["ETag"] for p in page.get("Parts", [])})
    missing = [n for n in range(1, count + 1) if n not in etags][: limits.parts_per_poll]

    def copy_part(number: int) -> tuple[int, str]:
        first = (number - 1) * step
        last = min(size, first + step) - 1
        answer = copier.upload_part_copy(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            CopySource=copy.source,
            CopySourceRange=f"bytes={first}-{last}",
        )
        return number, answer["CopyPartResult"]["ETag"]

    if missing:
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            etags.update(pool.map(copy_part, missing))
    if len(etags) < count:
        return False
    parts: list[CompletedPartTypeDef] = [{"PartNumber": n, "ETag": etags[n]} for n in range(1, count + 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    return True


def _abort_uploads(s3: S3Client, bucket: str, prefix: str, *, keep_key: str | None) -> None:
    for upload in s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []):
        if upload.get("Key") != keep_key:
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def _versions(s3: S3Client, bucket: str, prefix: str) -> Iterator[tuple[str, str, float]]:
    """(key, version id, last modified) of every version and delete marker under the prefix."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            yield entry["Key"], entry.get("VersionId") or "null", entry["LastModified"].timestamp()


def _delete(s3: S3Client, bucket: str, doomed: list[ObjectIdentifierTypeDef]) -> None:
    for start in range(0, len(doomed), DELETE_BATCH):
        batch = doomed[start : start + DELETE_BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise DeployError(f"could not delete s3://{bucket}/{first.get('Key')}: {first.get('Message')}")


def _prune(s3: S3Client, copy: Copy, deps: Deps) -> None:
    """Keep the current key and the newest `keep - 1` others; delete every version of the rest."""
    versions = list(_versions(s3, copy.bucket, copy.prefix))
    newest: dict[str, float] = {}
    for key, _, modified in versions:
        newest[key] = max(modified, newest.get(key, modified))
    others = sorted((k for k in newest if k != copy.key), key=lambda k: (newest[k], k), reverse=True)
    stale = set(others[copy.keep - 1 :])
    if stale:
        deps.log(f"removing {len(stale)} old data file(s) under s3://{copy.bucket}/{copy.prefix}")
        _delete(s3, copy.bucket, [{"Key": k, "VersionId": v} for k, v, _ in versions if k in stale])


def _on_delete(event: Event, deps: Deps) -> OnEventResponse:
    spec = event.spec(contract.DataCopy)
    bucket = contract.resolved(spec.bucket)
    if spec.retain_on_delete or event.physical_id != f"s3://{bucket}/{spec.prefix}":
        deps.log(f"leaving the data files of {event.physical_id or event.logical_id} in place")
        return respond(event.physical_id)
    stack.confirm_deleting(deps, event)  # no S3 call for a Delete CloudFormation did not send
    s3 = deps.s3
    with ignoring(NO_SUCH_BUCKET):
        _abort_uploads(s3, bucket, spec.prefix, keep_key=None)
        versions = list(_versions(s3, bucket, spec.prefix))
        _delete(s3, bucket, [{"Key": k, "VersionId": v} for k, v, _ in versions])
        deps.log(f"deleted {len(versions)} object version(s) under s3://{bucket}/{spec.prefix}")
    return respond(event.physical_id)

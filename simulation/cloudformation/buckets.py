"""S3 buckets of a stack, played on an S3 client (moto in tests): what the data copy writes into.

- `AWS::S3::Bucket`: Create makes a bucket named as CloudFormation names one without
  `BucketName` (`{stack}-{logical id}-{suffix}`, lower case, at most 63 characters); Delete
  deletes it and fails while it holds any object version, as S3's DeleteBucket does
  ("BucketNotEmpty: The bucket you tried to delete is not empty", S3 API reference).
  `DeletionPolicy: Retain` is the simulator's business: the bucket is then never deleted.
- `Custom::S3AutoDeleteObjects` (aws-cdk-lib's `auto_delete_objects`): its Delete empties the
  bucket (every version and delete marker) so the bucket's own Delete can succeed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .native import NativeError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET: Final = "AWS::S3::Bucket"
AUTO_DELETE: Final = "Custom::S3AutoDeleteObjects"


def bucket_name(stack_name: str, logical_id: str) -> str:
    suffix = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:12]
    return f"{f'{stack_name}-{logical_id}'.lower()[:50]}-{suffix}"


class S3Buckets:
    def __init__(self, s3: S3Client, stack_name: str) -> None:
        self._s3 = s3
        self._stack_name = stack_name

    def create(self, logical_id: str, rtype: str) -> str | None:
        """The physical id of a bucket it made; None for types it does not play."""
        if rtype != BUCKET:
            return None
        name = bucket_name(self._stack_name, logical_id)
        self._s3.create_bucket(Bucket=name)
        self._s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def delete(self, rtype: str, physical_id: str, properties: Mapping[str, Any] | None) -> None:
        if rtype == AUTO_DELETE:
            self.empty(str((properties or {}).get("BucketName", "")))
        elif rtype == BUCKET and self.exists(physical_id):
            if self.object_count(physical_id):
                raise NativeError(
                    "The bucket you tried to delete is not empty. You must delete all versions in the "
                    f"bucket. (Service: S3, Status Code: 409, Error Code: BucketNotEmpty) {physical_id}"
                )
            self._s3.delete_bucket(Bucket=physical_id)

    def exists(self, name: str) -> bool:
        return name in {b["Name"] for b in self._s3.list_buckets().get("Buckets", [])}

    def object_count(self, name: str) -> int:
        answer = self._s3.list_object_versions(Bucket=name)
        return len(answer.get("Versions", [])) + len(answer.get("DeleteMarkers", []))

    def empty(self, name: str) -> None:
        if not name or not self.exists(name):
            return
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=name):
            entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            if entries:
                self._s3.delete_objects(
                    Bucket=name,
                    Delete={"Objects": [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries]},
                )

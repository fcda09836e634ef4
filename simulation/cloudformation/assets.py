"""What `cdk deploy` does before CloudFormation sees the template: publish the stack's assets.

The CDK CLI (cdk-assets) reads `<stack>.assets.json` from the cloud assembly and uploads each
file asset to its destination, the bootstrap bucket `cdk-hnb659fds-assets-{account}-{region}`,
under `objectKey`; `packaging: file` goes as is, `packaging: zip` (a directory) is zipped first.
An object already at its key is skipped, as cdk-assets does. The bootstrap bucket is created
when missing, standing in for `cdk bootstrap`.

The simulator deploys template dicts, so the publisher finds the assembly a template came from:
the assembly whose `<stack>.template.json` parses to the same dict.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .intrinsics import ACCOUNT_ID, PARTITION, REGION

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class FileAsset:
    source: Path
    packaging: str  # file | zip
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _placeholders(text: str) -> str:
    return (
        text.replace("${AWS::AccountId}", ACCOUNT_ID)
        .replace("${AWS::Region}", REGION)
        .replace("${AWS::Partition}", PARTITION)
    )


def stack_assets(assembly: Path, template: Mapping[str, Any]) -> list[FileAsset] | None:
    """The file assets of the stack in `assembly` whose template equals `template`; None if none does."""
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = assembly / artifact["properties"]["templateFile"]
        if json.loads(template_file.read_text(encoding="utf-8")) != template:
            continue
        assets_file = template_file.with_name(template_file.name.replace(".template.json", ".assets.json"))
        files = json.loads(assets_file.read_text(encoding="utf-8")).get("files", {})
        return [
            FileAsset(
                source=assembly / spec["source"]["path"],
                packaging=spec["source"].get("packaging", "file"),
                bucket=_placeholders(destination["bucketName"]),
                key=_placeholders(destination["objectKey"]),
            )
            for spec in files.values()
            for destination in spec["destinations"].values()
        ]
    return None


def _body(asset: FileAsset) -> bytes | Path:
    if asset.packaging != "zip":
        return asset.source
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(asset.source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(asset.source).as_posix())
    return buffer.getvalue()


class AssetPublisher:
    """Publishes a template's assets to S3 before the deploy, as the CDK CLI does."""

    def __init__(self, s3: S3Client, assemblies: Callable[[], Iterable[Path]]) -> None:
        self._s3 = s3
        self._assemblies = assemblies
        self.published: list[str] = []  # s3:// URIs uploaded, in order

    def __call__(self, template: Mapping[str, Any]) -> list[FileAsset]:
        for assembly in self._assemblies():
            assets = stack_assets(assembly, template)
            if assets is not None:
                for asset in assets:
                    self._publish(asset)
                return assets
        return []

    def _publish(self, asset: FileAsset) -> None:
        s3 = self._s3
        if asset.bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=asset.bucket)
        if s3.list_objects_v2(Bucket=asset.bucket, Prefix=asset.key).get("KeyCount", 0):
            return
        body = _body(asset)
        if isinstance(body, Path):
            s3.upload_file(str(body), asset.bucket, asset.key)
        else:
            s3.put_object(Bucket=asset.bucket, Key=asset.key, Body=body)
        self.published.append(asset.uri)

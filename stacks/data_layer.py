"""Data bucket, the role Personalize assumes, the dataset group, schemas and datasets.

Everything CloudFormation cannot change in place is named by its content: a schema edit
creates a new schema, a new CSV lands under a new key and starts a new import
(`Custom::PersonalizeDatasetImport`, `stacks/dataset_import.py`, a fresh job name per import)
without replacing the dataset or retraining by itself.

A local CSV travels as a CDK file asset: the CDK hashes and stages the file (streaming, in
Node), `cdk deploy` uploads it to the bootstrap bucket, and a `Custom::PersonalizeDataCopy` on
the stack's Provider copies it server-side into the data bucket under
`datasets/{type}/{asset hash}/{file name}`. Python never reads the file, and the content hash is
the one the CDK computed for the asset.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_personalize as personalize
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IDependable

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from stacks.custom_resource import custom_resource
from stacks.dataset_import import IMPORT_WAIT_MINUTES, DatasetImport, grant_imports
from stacks.derived_names import content_hash
from stacks.provider import personalize_provider

DATA_PREFIX: Final = "datasets/"
DEFAULT_KEEP_IMPORTS: Final = 2


def personalize_source_arn(stack: Stack) -> str:
    """Every Personalize resource of the stack's account and region: what may act through the role."""
    return f"arn:{stack.partition}:personalize:{stack.region}:{stack.account}:*"


@dataclass(frozen=True, kw_only=True)
class DatasetSpec:
    """One dataset in Personalize's terms: type `Interactions` | `Items` | `Users`."""

    dataset_type: str
    schema_file: Path
    data: str  # local CSV path or s3:// URI
    import_mode: contract.ImportMode = "FULL"


@dataclass(frozen=True)
class Staged:
    """A local data file staged as an asset and copied into the data bucket."""

    key: str
    version: str  # short content hash: part of the import job's name
    copy: CustomResource


class DataLayer(Construct):
    """Create (or reference) the dataset group and import each dataset before training.

    Props (keyword-only):
    - project: prefix of every physical name.
    - dataset_group_name: create `{project}-{name}`; None with `existing_dataset_group_arn`.
    - existing_dataset_group_arn: use this group, create nothing (default None).
    - kms_key_arn: key Personalize encrypts a created group with, and the data bucket's SSE-KMS
      key (default None: an AWS owned key for the group, SSE-S3 for the bucket).
    - datasets: datasets to create and import (default none: the group already holds data).
    - removal_policy: for the data bucket, its data files and the dataset group (default DESTROY).
    - keep_imports: data files kept per dataset, the current one included (default 2: the
      current and the previous, which a rollback of the current deploy imports again).
    - import_max_wait_minutes: how long a deploy waits for one dataset's import (default 180).
    - publish_attribution_metrics: imports write the metric attribution's S3 report (default False).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project: str,
        dataset_group_name: str | None,
        existing_dataset_group_arn: str | None = None,
        kms_key_arn: str | None = None,
        datasets: tuple[DatasetSpec, ...] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        keep_imports: int = DEFAULT_KEEP_IMPORTS,
        import_max_wait_minutes: int = IMPORT_WAIT_MINUTES,
        publish_attribution_metrics: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.datasets: list[personalize.CfnDataset] = []
        self.imports: list[DatasetImport] = []
        self.import_max_wait_minutes = import_max_wait_minutes
        self.publish_attribution_metrics = publish_attribution_metrics
        if existing_dataset_group_arn:
            self.dataset_group_arn = existing_dataset_group_arn
            return
        assert dataset_group_name is not None
        self.kms_key_arn = kms_key_arn
        self.removal_policy = removal_policy
        self.keep_imports = keep_imports
        self.bucket = self._bucket(removal_policy, kms_key_arn)
        self.role = self._personalize_role(kms_key_arn)
        for spec in datasets:
            if spec.data.startswith("s3://"):
                self.grant_external_read(spec.data)
        group = personalize.CfnDatasetGroup(
            self,
            "DatasetGroup",
            name=f"{project}-{dataset_group_name}",
            kms_key_arn=kms_key_arn,
            role_arn=self.role.role_arn if kms_key_arn else None,
        )
        group.apply_removal_policy(removal_policy)
        group.override_logical_id("DatasetGroup")
        self.dataset_group_arn = group.attr_dataset_group_arn
        local = [spec for spec in datasets if not spec.data.startswith("s3://")]
        if local:
            self.grant_copy(DATA_PREFIX)
        for spec in datasets:
            staged = None if spec.data.startswith("s3://") else self._stage(spec)
            self.datasets.append(self._dataset(project, spec, staged))
        self.job_prefixes = [_job_prefix(project, spec.dataset_type) for spec in datasets]
        if datasets:
            grant_imports(
                self,
                dataset_arns=[d.attr_dataset_arn for d in self.datasets],
                job_prefixes=self.job_prefixes,
                personalize_role=self.role,
            )

    @property
    def ready(self) -> list[IDependable]:
        """What training and filters wait for: every dataset's import, finished (the last wait link)."""
        return [i.last_link for i in self.imports]

    def _bucket(self, removal_policy: RemovalPolicy, kms_key_arn: str | None) -> s3.Bucket:
        key = kms.Key.from_key_arn(self, "DataKey", kms_key_arn) if kms_key_arn else None
        bucket = s3.Bucket(
            self,
            "DataBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=key,
            bucket_key_enabled=True if key else None,
            enforce_ssl=True,
            versioned=True,
            # Content-addressed keys are never overwritten, so versions only accumulate when a
            # copy is retried; the copy handler deletes every version of the files it prunes.
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="StaleVersionsAndUploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        # Personalize reads the CSVs itself (import jobs), only for this account's jobs. No
        # aws:SourceArn here: Personalize's confused-deputy page
        # (https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html)
        # prescribes it for the role's trust policy only, and its bucket policy example
        # (https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html)
        # carries no condition: nowhere does it say the service sends aws:SourceArn to S3.
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeReadsTrainingData",
                principals=[iam.ServicePrincipal("personalize.amazonaws.com")],
                actions=["s3:GetObject", "s3:ListBucket"],
                resources=[bucket.bucket_arn, bucket.arn_for_objects(f"{DATA_PREFIX}*")],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        return bucket

    def _personalize_role(self, kms_key_arn: str | None) -> iam.Role:
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "PersonalizeRole",
            # Both keys, as Personalize's confused-deputy page shows for a role it assumes:
            # https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html
            assumed_by=iam.ServicePrincipal(
                "personalize.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": personalize_source_arn(stack)},
                },
            ),
            description="Assumed by Amazon Personalize to read the training data",
        )
        role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects(f"{DATA_PREFIX}*")]
            )
        )
        if kms_key_arn:
            role.add_to_policy(
                iam.PolicyStatement(
                    # Personalize developer guide, "Giving Amazon Personalize permission to use your
                    # AWS KMS key": the role's IAM policy grants these; CreateGrant is key policy only.
                    actions=["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"],
                    resources=[kms_key_arn],
                )
            )
        return role

    def grant_external_read(self, uri: str) -> None:
        """Data already in S3: Personalize may read exactly that object (its bucket policy must agree)."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        partition = Stack.of(self).partition
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[f"arn:{partition}:s3:::{bucket}"])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:{partition}:s3:::{bucket}/{key}"])
        )

    def grant_copy(self, prefix: str) -> None:
        """The copy handler writes, lists and prunes under `prefix` of this bucket only (every
        prefix given: `datasets/`, and `batch/{name}/input/` of a batch job's staged input)."""
        policy = personalize_provider(self).policy
        policy.allow(
            "CopyDataFiles",
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            [self.bucket.arn_for_objects(f"{prefix}*")],
        )
        policy.allow(
            "ListDataFiles",
            ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
            [self.bucket.bucket_arn],
        )
        if self.kms_key_arn:
            # SSE-KMS writes (CopyObject, UploadPartCopy) need GenerateDataKey; multipart also Decrypt.
            policy.allow("EncryptDataFiles", ["kms:GenerateDataKey", "kms:Decrypt"], [self.kms_key_arn])

    def _stage(self, spec: DatasetSpec) -> Staged:
        kind = spec.dataset_type
        return self.stage_file(kind, f"{DATA_PREFIX}{kind.lower()}/", spec.data)

    def stage_file(self, label: str, prefix: str, path: str) -> Staged:
        """Stage a local file as an asset (hashed by the CDK) and copy it into the data bucket
        under `{prefix}{asset hash}/{file name}`; `label` starts the construct and logical ids.
        The copy handler's grant to write under `prefix` is the caller's (datasets: `grant_copy`)."""
        asset = s3_assets.Asset(self, f"{label}DataFile", path=path)
        digest = asset.asset_hash
        key = f"{prefix}{digest[:16]}/{Path(path).name}"
        personalize_provider(self).policy.allow(
            "ReadStagedDataFiles", ["s3:GetObject"], [asset.bucket.arn_for_objects(asset.s3_object_key)]
        )
        copy = custom_resource(
            self,
            f"{label}DataCopy",
            logical_id=f"{label}DataCopy",
            spec=contract.DataCopy(
                source_bucket=asset.s3_bucket_name,
                source_key=asset.s3_object_key,
                bucket=self.bucket.bucket_name,
                prefix=prefix,
                key=key,
                keep=self.keep_imports,
                retain_on_delete=self.removal_policy == RemovalPolicy.RETAIN,
            ),
        )
        return Staged(key=key, version=digest[:8], copy=copy)

    def _dataset(self, project: str, spec: DatasetSpec, staged: Staged | None) -> personalize.CfnDataset:
        kind = spec.dataset_type
        schema_body = json.dumps(json.loads(spec.schema_file.read_text(encoding="utf-8")), sort_keys=True)
        schema = personalize.CfnSchema(
            self,
            f"{kind}Schema",
            name=f"{project}-{kind.lower()}-{content_hash(schema_body)}",
            schema=schema_body,
        )
        schema.override_logical_id(f"{kind}Schema")
        dataset = personalize.CfnDataset(
            self,
            f"{kind}Dataset",
            name=f"{project}-{kind.lower()}",
            dataset_type=kind,
            dataset_group_arn=self.dataset_group_arn,
            schema_arn=schema.attr_schema_arn,
        )
        dataset.override_logical_id(f"{kind}Dataset")
        located = staged.copy.get_att_string(Attr.DATA_LOCATION) if staged is not None else spec.data
        self.imports.append(
            DatasetImport(
                self,
                f"{kind}Import",
                spec=contract.DatasetImport(
                    dataset_arn=dataset.attr_dataset_arn,
                    data_location=located,
                    data_version=content_hash(spec.data) if staged is None else staged.version,
                    job_prefix=_job_prefix(project, kind),
                    role_arn=self.role.role_arn,
                    import_mode=spec.import_mode,
                    publish_attribution_metrics=self.publish_attribution_metrics,
                ),
                max_wait_minutes=self.import_max_wait_minutes,
                logical_prefix=f"{kind}Import",
                depends_on=[self.role],
            )
        )
        return dataset


def _job_prefix(project: str, kind: str) -> str:
    return f"{project}-{kind.lower()}"

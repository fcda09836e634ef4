"""Data bucket, the role Personalize assumes, the dataset group, schemas and datasets.

Everything CloudFormation cannot change in place is named by its content: a schema edit
creates a new schema, a new CSV lands under a new key and starts a new import job (the
`DatasetImportJob` property changes) without replacing the dataset or retraining by itself.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.naming import content_hash


@dataclass(frozen=True, kw_only=True)
class DatasetSpec:
    """One dataset in Personalize's terms: type `Interactions` | `Items` | `Users`."""

    dataset_type: str
    schema_file: Path
    data: str  # local CSV path or s3:// URI


@dataclass(frozen=True)
class _Upload:
    key: str
    body: str


class DataLayer(Construct):
    """Create (or reference) the dataset group and import each dataset before training.

    Props (keyword-only):
    - project: prefix of every physical name.
    - dataset_group_name: create `{project}-{name}`; None with `existing_dataset_group_arn`.
    - existing_dataset_group_arn: use this group, create nothing (default None).
    - kms_key_arn: key Personalize encrypts a created group with (default None: AWS owned).
    - datasets: datasets to create and import (default none: the group already holds data).
    - removal_policy: for the data bucket and dataset group (default DESTROY).
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
    ) -> None:
        super().__init__(scope, construct_id)
        self.datasets: list[personalize.CfnDataset] = []
        if existing_dataset_group_arn:
            self.dataset_group_arn = existing_dataset_group_arn
            return
        assert dataset_group_name is not None
        self.bucket = self._bucket(removal_policy)
        self.role = self._personalize_role(kms_key_arn)
        for spec in datasets:
            if spec.data.startswith("s3://"):
                self._grant_external_read(spec.data)
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
        uploads = [self._upload_of(spec) for spec in datasets]
        deployment = self._deploy_uploads([u for u in uploads if u is not None])
        for spec, upload in zip(datasets, uploads, strict=True):
            self.datasets.append(self._dataset(project, spec, upload, deployment))

    def _bucket(self, removal_policy: RemovalPolicy) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "DataBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        # Personalize reads the CSVs itself (import jobs), only for this account's jobs.
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeReadsTrainingData",
                principals=[iam.ServicePrincipal("personalize.amazonaws.com")],
                actions=["s3:GetObject", "s3:ListBucket"],
                resources=[bucket.bucket_arn, bucket.arn_for_objects("datasets/*")],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        return bucket

    def _personalize_role(self, kms_key_arn: str | None) -> iam.Role:
        role = iam.Role(
            self,
            "PersonalizeRole",
            assumed_by=iam.ServicePrincipal(
                "personalize.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="Assumed by Amazon Personalize to read the training data",
        )
        role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects("datasets/*")]
            )
        )
        if kms_key_arn:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], resources=[kms_key_arn]
                )
            )
        return role

    def _grant_external_read(self, uri: str) -> None:
        """Data already in S3: Personalize may read exactly that object (its bucket policy must agree)."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        partition = Stack.of(self).partition
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[f"arn:{partition}:s3:::{bucket}"])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:{partition}:s3:::{bucket}/{key}"])
        )

    def _upload_of(self, spec: DatasetSpec) -> _Upload | None:
        if spec.data.startswith("s3://"):
            return None
        body = Path(spec.data).read_text(encoding="utf-8")
        key = f"datasets/{spec.dataset_type.lower()}/{content_hash(body, length=16)}/{Path(spec.data).name}"
        return _Upload(key=key, body=body)

    def _deploy_uploads(self, uploads: list[_Upload]) -> s3deploy.BucketDeployment | None:
        if not uploads:
            return None
        return s3deploy.BucketDeployment(
            self,
            "UploadData",
            sources=[s3deploy.Source.data(u.key, u.body) for u in uploads],
            destination_bucket=self.bucket,
            # Old keys stay: a rollback re-imports nothing but must still find its CSV.
            prune=False,
            retain_on_delete=False,
            memory_limit=512,
        )

    def _data_location(self, spec: DatasetSpec, upload: _Upload | None) -> str:
        if upload is None:
            return spec.data
        return f"s3://{self.bucket.bucket_name}/{upload.key}"

    def _dataset(
        self,
        project: str,
        spec: DatasetSpec,
        upload: _Upload | None,
        deployment: s3deploy.BucketDeployment | None,
    ) -> personalize.CfnDataset:
        kind = spec.dataset_type
        schema_body = json.dumps(json.loads(spec.schema_file.read_text(encoding="utf-8")), sort_keys=True)
        schema = personalize.CfnSchema(
            self,
            f"{kind}Schema",
            name=f"{project}-{kind.lower()}-{content_hash(schema_body)}",
            schema=schema_body,
        )
        schema.override_logical_id(f"{kind}Schema")
        data_version = content_hash(upload.body if upload else spec.data)
        dataset = personalize.CfnDataset(
            self,
            f"{kind}Dataset",
            name=f"{project}-{kind.lower()}",
            dataset_type=kind,
            dataset_group_arn=self.dataset_group_arn,
            schema_arn=schema.attr_schema_arn,
            dataset_import_job=personalize.CfnDataset.DatasetImportJobProperty(
                job_name=f"{project}-{kind.lower()}-{data_version}",
                data_source={"DataLocation": self._data_location(spec, upload)},
                role_arn=self.role.role_arn,
            ),
        )
        dataset.override_logical_id(f"{kind}Dataset")
        dataset.node.add_dependency(self.role)
        if deployment is not None:
            dataset.node.add_dependency(deployment)
        return dataset

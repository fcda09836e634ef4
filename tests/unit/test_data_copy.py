"""Custom::PersonalizeDataCopy against S3 played by moto: copy, multipart in isComplete, prune, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from lambda_handlers import constants, contract, data_copy, entry
from lambda_handlers.constants import Attr
from lambda_handlers.deps import Deps
from lambda_handlers.errors import DeployError
from lambda_handlers.events import Event, parse
from tests.unit import OwnStack

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ASSETS, DATA = "cdk-hnb659fds-assets-111111111111-us-east-1", "stack-databucket-1"
PREFIX = "datasets/interactions/"
MIB = 1024 * 1024
SMALL = data_copy.Limits(single_copy_max=5 * MIB, part_size=5 * MIB, parts_per_poll=2)
STACK_ID = "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1"


@pytest.fixture
def s3() -> Iterator[S3Client]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=ASSETS)
        client.create_bucket(Bucket=DATA)
        client.put_bucket_versioning(Bucket=DATA, VersioningConfiguration={"Status": "Enabled"})
        yield client


def deps_of(s3: S3Client, log: list[str]) -> Deps:
    """The copy's deps; its own stack records its prefix as being deleted (a Delete CloudFormation sent)."""
    stack = OwnStack(STACK_ID)
    stack.deleting("InteractionsDataCopy", f"s3://{DATA}/{PREFIX}")
    return Deps(
        personalize=None,  # type: ignore[arg-type]
        now=lambda: 0.0,
        log=log.append,
        make_s3=lambda: s3,
        make_cloudformation=lambda: stack.api,
        stack_id=STACK_ID,
    )


def publish(s3: S3Client, name: str, body: bytes) -> str:
    key = f"{name}.csv"
    s3.put_object(Bucket=ASSETS, Key=key, Body=body)
    return key


def props(source_key: str, digest: str, *, retain_on_delete: bool = False) -> dict[str, str]:
    spec = contract.DataCopy(
        source_bucket=ASSETS,
        source_key=source_key,
        bucket=DATA,
        prefix=PREFIX,
        key=f"{PREFIX}{digest}/interactions.csv",
        keep=2,
        retain_on_delete=retain_on_delete,
    )
    return spec.to_properties()


def event(request_type: str, properties: dict[str, str], **more: Any) -> Event:
    return parse(
        {
            "RequestType": request_type,
            "ResourceType": constants.DATA_COPY_TYPE,
            "LogicalResourceId": "InteractionsDataCopy",
            "StackId": STACK_ID,
            "ResourceProperties": properties,
            **more,
        }
    )


def deploy(s3: S3Client, properties: dict[str, str], limits: data_copy.Limits = data_copy.LIMITS) -> int:
    """onEvent then isComplete until complete, as the Provider does; returns the number of polls."""
    log: list[str] = []
    deps = deps_of(s3, log)
    answer = data_copy.on_event(event("Create", properties), deps, limits)
    polls = 0
    while True:
        polls += 1
        done = data_copy.is_complete(
            event("Create", properties, PhysicalResourceId=answer["PhysicalResourceId"], Data=answer["Data"]),
            deps,
            limits,
        )
        if done["IsComplete"]:
            return polls


def body_of(s3: S3Client, key: str) -> bytes:
    return s3.get_object(Bucket=DATA, Key=key)["Body"].read()


def data_keys(s3: S3Client) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=DATA, Prefix=PREFIX).get("Contents", []))


def test_a_small_file_is_copied_by_on_event_and_named_by_the_physical_id(s3: S3Client) -> None:
    # GIVEN a published 1 KiB data file
    source = publish(s3, "a" * 64, b"USER_ID,ITEM_ID,TIMESTAMP\n" * 40)
    # WHEN the copy's Create runs
    answer = data_copy.on_event(event("Create", props(source, "aaaa")), deps_of(s3, []), SMALL)
    # THEN onEvent copied it and isComplete has nothing left to wait for
    key = f"{PREFIX}aaaa/interactions.csv"
    assert answer["PhysicalResourceId"] == f"s3://{DATA}/{PREFIX}"
    assert answer["Data"][Attr.DATA_LOCATION] == f"s3://{DATA}/{key}"
    assert answer["Data"][Attr.UPLOAD_ID] == ""
    assert body_of(s3, key) == b"USER_ID,ITEM_ID,TIMESTAMP\n" * 40


def test_a_large_file_is_copied_in_parts_over_several_polls(s3: S3Client) -> None:
    # GIVEN a 23 MiB file, above a 5 MiB single-copy limit (5 parts, 2 per poll)
    payload = bytes(range(256)) * (23 * MIB // 256)
    source = publish(s3, "b" * 64, payload)
    # WHEN the copy runs to completion
    polls = deploy(s3, props(source, "bbbb"), SMALL)
    # THEN isComplete copied it part by part over three polls, byte for byte
    assert polls == 3
    assert body_of(s3, f"{PREFIX}bbbb/interactions.csv") == payload
    assert s3.list_multipart_uploads(Bucket=DATA).get("Uploads", []) == []


def test_a_newer_copy_aborts_an_older_unfinished_multipart_copy(s3: S3Client) -> None:
    # GIVEN a multipart copy that onEvent started (a deploy later cancelled)
    old = publish(s3, "c" * 64, b"x" * (12 * MIB))
    started = data_copy.on_event(event("Create", props(old, "cccc")), deps_of(s3, []), SMALL)
    # WHEN the rollback's Update copies another file
    new = publish(s3, "d" * 64, b"y" * 100)
    data_copy.on_event(event("Update", props(new, "dddd")), deps_of(s3, []), SMALL)
    # THEN a waiter still polling the cancelled copy fails instead of completing its object
    waiter = event("Create", props(old, "cccc"), PhysicalResourceId="p", Data=started["Data"])
    with pytest.raises(DeployError, match="was aborted"):
        data_copy.is_complete(waiter, deps_of(s3, []), SMALL)
    assert data_keys(s3) == [f"{PREFIX}dddd/interactions.csv"]


def test_keep_two_leaves_the_current_and_the_previous_file(s3: S3Client) -> None:
    # GIVEN three data files deployed one after the other
    for digest in ("1111", "2222", "3333"):
        deploy(s3, props(publish(s3, digest * 16, digest.encode()), digest))
    # THEN the oldest is gone, every version of it
    assert data_keys(s3) == [f"{PREFIX}2222/interactions.csv", f"{PREFIX}3333/interactions.csv"]
    versions = s3.list_object_versions(Bucket=DATA, Prefix=f"{PREFIX}1111/")
    assert versions.get("Versions", []) == []


def test_a_rollback_to_the_previous_file_copies_nothing_and_keeps_both(s3: S3Client) -> None:
    # GIVEN two files deployed, the second now current
    first, second = props(publish(s3, "e" * 64, b"old"), "eeee"), props(publish(s3, "f" * 64, b"new"), "ffff")
    deploy(s3, first)
    deploy(s3, second)
    log: list[str] = []
    # WHEN the rollback's Update goes back to the first
    data_copy.on_event(event("Update", first, OldResourceProperties=second), deps_of(s3, log), SMALL)
    # THEN the first file is found in place, and both stay
    assert any("nothing to copy" in line for line in log)
    assert data_keys(s3) == [f"{PREFIX}eeee/interactions.csv", f"{PREFIX}ffff/interactions.csv"]


def test_delete_removes_every_version_under_its_prefix_and_nothing_else(s3: S3Client) -> None:
    # GIVEN a copied file and an object of someone else's outside the prefix
    deploy(s3, props(publish(s3, "g" * 64, b"g"), "gggg"))
    s3.put_object(Bucket=DATA, Key="other/keep.csv", Body=b"k")
    # WHEN the resource is deleted
    data_copy.on_event(
        event("Delete", props("x", "gggg"), PhysicalResourceId=f"s3://{DATA}/{PREFIX}"), deps_of(s3, [])
    )
    # THEN its prefix is empty, every version included, and the other object is untouched
    assert s3.list_object_versions(Bucket=DATA, Prefix=PREFIX).get("Versions", []) == []
    assert body_of(s3, "other/keep.csv") == b"k"


def test_delete_with_retain_on_delete_leaves_the_files(s3: S3Client) -> None:
    # GIVEN a copied file of a stack whose removal_policy is retain
    properties = props(publish(s3, "h" * 64, b"h"), "hhhh", retain_on_delete=True)
    deploy(s3, properties)
    # WHEN the resource is deleted
    data_copy.on_event(
        event("Delete", properties, PhysicalResourceId=f"s3://{DATA}/{PREFIX}"), deps_of(s3, [])
    )
    # THEN the file is still there
    assert data_keys(s3) == [f"{PREFIX}hhhh/interactions.csv"]


def test_fails_when_the_key_is_outside_the_prefix(s3: S3Client) -> None:
    # GIVEN properties whose key escapes the resource's prefix
    properties = {**props("k.csv", "kkkk"), contract.DataCopy.prop_name("key"): "elsewhere/interactions.csv"}
    # WHEN onEvent runs THEN it refuses, naming both
    with pytest.raises(DeployError, match="must lie under Prefix"):
        data_copy.on_event(event("Create", properties), deps_of(s3, []))


def test_the_entry_point_dispatches_the_data_copy_type(s3: S3Client) -> None:
    # GIVEN a raw CloudFormation event for the copy
    source = publish(s3, "m" * 64, b"m")
    raw = {
        "RequestType": "Create",
        "ResourceType": constants.DATA_COPY_TYPE,
        "LogicalResourceId": "InteractionsDataCopy",
        "StackId": STACK_ID,
        "ResourceProperties": props(source, "mmmm"),
    }
    # WHEN the Lambda entry point handles it THEN the copy module answers
    answer = entry.handle_on_event(raw, deps_of(s3, []))
    assert answer["Data"][Attr.DATA_LOCATION] == f"s3://{DATA}/{PREFIX}mmmm/interactions.csv"

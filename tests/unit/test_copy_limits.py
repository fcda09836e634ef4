"""Copies run on their own S3 client, whose read timeout covers the largest copy one call makes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from lambda_handlers import copy_limits, data_copy, deps
from lambda_handlers.constants import HANDLER_TIMEOUT_SECONDS
from lambda_handlers.deps import Deps
from lambda_handlers.errors import DeployError
from tests.unit.test_data_copy import DATA, MIB, event, props, publish, s3  # noqa: F401 (fixture)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client

# ruff: noqa: F811
NO_PERSONALIZE = cast("PersonalizeClient", None)  # the data copy never calls Personalize
OTHER_CALLS_SECONDS = 20  # the handler's other S3 calls, as deps' docstring budgets them


def read_timeout(config: Any) -> int:
    """A botocore Config's read timeout (set from keyword arguments; the stubs do not type it)."""
    return int(config.read_timeout)


def test_the_copy_read_timeout_covers_the_largest_single_call_copy_with_margin():
    # GIVEN the largest copy one call makes (one CopyObject, or one UploadPartCopy part)
    largest = max(data_copy.LIMITS.single_copy_max, data_copy.LIMITS.part_size)
    # THEN the copy client waits at least that long at the assumed rate, with the margin
    assert largest <= copy_limits.CALL_BYTES
    assert largest / copy_limits.COPY_RATE * copy_limits.MARGIN <= copy_limits.COPY_READ_TIMEOUT
    assert read_timeout(deps.COPIES) == copy_limits.COPY_READ_TIMEOUT
    assert copy_limits.MARGIN > 1


def test_sizes_stay_inside_the_documented_s3_limits():
    assert data_copy.LIMITS.single_copy_max <= copy_limits.COPY_OBJECT_MAX  # CopyObject: 5 GB
    assert copy_limits.PART_MIN <= data_copy.LIMITS.part_size <= copy_limits.PART_MAX  # 5 MiB to 5 GiB
    assert data_copy.LIMITS.largest_file == copy_limits.MAX_PARTS * data_copy.LIMITS.part_size


def test_one_copy_call_every_attempt_timing_out_ends_inside_the_handler_timeout():
    # 2 x (3 + 39) + 6 = 90 s, and the handler's other calls
    assert copy_limits.worst_call_seconds() + OTHER_CALLS_SECONDS <= HANDLER_TIMEOUT_SECONDS


def test_the_lambdas_deps_build_the_copy_client_with_the_copy_timeout(monkeypatch):
    # GIVEN the Lambda's own dependencies (a region, as in Lambda)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    built = deps.default_deps.__wrapped__()
    # WHEN the copy client is built THEN it waits the copy timeout, the shared client does not
    assert built.make_s3_copy is deps.s3_copy_client
    assert read_timeout(built.s3_copy.meta.config) == copy_limits.COPY_READ_TIMEOUT
    assert read_timeout(built.s3.meta.config) == deps.READ_TIMEOUT


class Recording:
    """An S3 client that notes every call it makes (and makes it)."""

    def __init__(self, client: S3Client) -> None:
        self.client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.client, name)


def run(deps_: Deps, properties: dict[str, str], limits: data_copy.Limits) -> None:
    """onEvent, then isComplete until complete, as the Provider does."""
    answer = data_copy.on_event(event("Create", properties), deps_, limits)
    more = {"PhysicalResourceId": answer["PhysicalResourceId"], "Data": answer["Data"]}
    while not data_copy.is_complete(event("Create", properties, **more), deps_, limits)["IsComplete"]:
        pass


def test_copy_object_and_upload_part_copy_go_through_the_copy_client(s3: S3Client) -> None:
    # GIVEN deps whose copy client records its calls, and a small and a multipart file
    copier = Recording(s3)
    recorded = cast("S3Client", copier)
    deps_ = Deps(
        personalize=NO_PERSONALIZE,
        now=lambda: 0.0,
        log=lambda _: None,
        make_s3=lambda: s3,
        make_s3_copy=lambda: recorded,
    )
    small = data_copy.Limits(single_copy_max=5 * MIB, part_size=5 * MIB, parts_per_poll=2)
    # WHEN both are copied
    run(deps_, props(publish(s3, "a" * 64, b"x" * 1024), "aaaa"), small)
    run(deps_, props(publish(s3, "b" * 64, b"y" * (12 * MIB)), "bbbb"), small)
    # THEN only the copies used the copy client: one CopyObject, three parts
    assert copier.calls == ["copy_object", "upload_part_copy", "upload_part_copy", "upload_part_copy"]


def test_fails_when_a_file_is_larger_than_one_copy_supports(s3: S3Client) -> None:
    # GIVEN limits of 1-byte parts (10,000 bytes at most) and a 20,000-byte file
    tiny = data_copy.Limits(single_copy_max=1, part_size=1, parts_per_poll=1)
    source = publish(s3, "c" * 64, b"z" * 20_000)
    deps_ = Deps(personalize=NO_PERSONALIZE, now=lambda: 0.0, log=lambda _: None, make_s3=lambda: s3)
    # WHEN the copy runs THEN it refuses, naming the sizes, and starts no upload
    with pytest.raises(DeployError, match=r"is 20000 bytes, over the 10000 bytes one copy supports"):
        data_copy.on_event(event("Create", props(source, "cccc")), deps_, tiny)
    assert s3.list_multipart_uploads(Bucket=DATA).get("Uploads", []) == []

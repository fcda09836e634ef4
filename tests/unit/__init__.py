"""Unit tests of the Lambda handlers, and their small fakes.

Every Personalize call goes to a real boto3 client wrapped in botocore's `Stubber`, so the
request and response shapes are checked against botocore's own service model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.stub import Stubber

from lambda_handlers import constants, entry
from lambda_handlers.deps import Deps

PREFIX = "arn:aws:personalize:us-east-1:123456789012"
DATASET_GROUP_ARN = f"{PREFIX}:dataset-group/shop"
RECIPE_ARN = "arn:aws:personalize:::recipe/aws-user-personalization"
OTHER_RECIPE_ARN = "arn:aws:personalize:::recipe/aws-personalized-ranking"
SOLUTION_ARN = f"{PREFIX}:solution/shop-up"
VERSION_ARN = f"{SOLUTION_ARN}/v-new"
OLD_VERSION_ARN = f"{SOLUTION_ARN}/v-old"
CAMPAIGN_ARN = f"{PREFIX}:campaign/shop-up"
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/app/{'0' * 8}"
LOGICAL_ID = "Resource"
# What CreateSolution/CreateCampaign add to the declared tags for `event(...)`'s resource.
OWNER_TAG = {"tagKey": constants.OWNER_TAG, "tagValue": f"{STACK_ID}/{LOGICAL_ID}"}
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()


def at(seconds_after_t0: float) -> dt.datetime:
    """A botocore-style timestamp `seconds_after_t0` after the fake clock's start."""
    return dt.datetime.fromtimestamp(T0 + seconds_after_t0, tz=dt.UTC)


class FakeClock:
    def __init__(self, start: float = T0) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class Harness:
    """A stubbed Personalize client, a fake clock and the collected log lines, as `Deps`."""

    def __init__(self) -> None:
        self.client = boto3.client(
            "personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        self.stubber = Stubber(self.client)
        self.clock = FakeClock()
        self.logs: list[str] = []
        self.deps = Deps(personalize=self.client, now=self.clock.now, log=self.logs.append)

    def expect(self, operation: str, params: dict[str, Any], response: dict[str, Any] | None = None) -> None:
        """The next call must be `operation` with exactly `params`; it answers `response`."""
        self.stubber.add_response(operation, response or {}, params)

    def fail(
        self, operation: str, code: str, params: dict[str, Any] | None = None, status: int = 400
    ) -> None:
        self.stubber.add_client_error(
            operation,
            service_error_code=code,
            service_message=f"{code} (stub)",
            http_status_code=status,
            expected_params=params,
        )

    def on_event(self, event: dict[str, Any]) -> Any:
        return entry.handle_on_event(event, self.deps)

    def is_complete(self, event: dict[str, Any]) -> Any:
        return entry.handle_is_complete(event, self.deps)


@contextmanager
def harness() -> Iterator[Harness]:
    h = Harness()
    with h.stubber:
        yield h
        h.stubber.assert_no_pending_responses()


def event(
    request_type: str,
    resource_type: str,
    props: dict[str, str],
    *,
    physical_id: str | None = None,
    old_props: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """A CloudFormation event as the Provider framework passes it (isComplete: with `Data`)."""
    raw: dict[str, Any] = {
        "RequestType": request_type,
        "ResourceType": resource_type,
        "LogicalResourceId": logical_id,
        "StackId": stack_id,
        "RequestId": "request-1",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f", **props},
    }
    if physical_id is not None:
        raw["PhysicalResourceId"] = physical_id
    if old_props is not None:
        raw["OldResourceProperties"] = old_props
    if data is not None:
        raw["Data"] = data
    return raw


def then_complete(on_event_response: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """isComplete's event: the onEvent event plus onEvent's result, as the framework builds it."""
    return {**raw, **on_event_response}

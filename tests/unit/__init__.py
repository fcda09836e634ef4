"""Unit tests of the Lambda handlers.

Lifecycle tests run the handlers against the stateful fake Personalize (`simulation/`), served
over HTTP to a real boto3 client, and assert what exists afterwards and how many calls of each
kind were made, never their order. A few request-shape tests keep botocore's `Stubber` (its
model validates every request and response) for states the fake cannot reach.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import boto3
from botocore.stub import Stubber

from lambda_handlers import entry
from lambda_handlers.deps import Deps
from simulation.clock import VirtualClock
from simulation.cloudformation.stack_api import ResourceRecord, ResourceRecords, StackApi
from simulation.personalize import FakePersonalize
from simulation.personalize_server import FakePersonalizeServer

PREFIX: Final = "arn:aws:personalize:us-east-1:111111111111"
SOLUTION_ARN: Final = f"{PREFIX}:solution/shop-up"
CAMPAIGN_ARN: Final = f"{PREFIX}:campaign/shop-up"
RECIPE_ARN: Final = "arn:aws:personalize:::recipe/aws-user-personalization"
OTHER_RECIPE_ARN: Final = "arn:aws:personalize:::recipe/aws-personalized-ranking"
STACK_ID: Final = f"arn:aws:cloudformation:us-east-1:111111111111:stack/app/{'0' * 8}"
LOGICAL_ID: Final = "Resource"
OWNER: Final = "app/Resource"  # the owner tag value of `event(...)`'s resource: stack name/logical id
OWNER_TAG: Final = {"tagKey": "personalize-cdk:owner", "tagValue": OWNER}
POLL_SECONDS: Final = 30  # the Provider's query interval
MAX_POLLS: Final = 500


class OwnStack:
    """The handlers' own stack as CloudFormation records it (the deploy simulator's StackApi):
    every Delete a test sends through `World`/`Stubbed` is one CloudFormation sent, so its
    resource is DELETE_IN_PROGRESS with that id; `records` may say otherwise."""

    def __init__(self, stack_id: str = STACK_ID) -> None:
        self.status = "UPDATE_COMPLETE"
        self.records = ResourceRecords()
        name = stack_id.split("/")[1]
        self.api = StackApi(stack_id, name, lambda: self.status, lambda: self.records)

    def sends(self, raw: dict[str, Any]) -> None:
        if raw.get("RequestType") == "Delete":
            self.deleting(str(raw["LogicalResourceId"]), str(raw.get("PhysicalResourceId") or ""))

    def deleting(self, logical_id: str, physical_id: str) -> None:
        self.records.records[logical_id] = ResourceRecord(
            "Custom::Resource", physical_id, "DELETE_IN_PROGRESS", 0.0
        )


class World:
    """One account: a virtual clock, the fake Personalize over HTTP, the handlers' Deps."""

    def __init__(self, server: FakePersonalizeServer, clock: VirtualClock) -> None:
        self.fake: FakePersonalize = server.fake
        self.clock = clock
        self.logs: list[str] = []
        self.stack = OwnStack()
        self.stack.status = "CREATE_IN_PROGRESS"
        self.deps = Deps(
            personalize=server.client(),
            now=clock.now,
            log=self.logs.append,
            make_cloudformation=lambda: self.stack.api,
            stack_id=STACK_ID,
        )
        self.dataset_group = self.fake.seed_dataset_group("shop")

    @property
    def stack_status(self) -> str:
        """What DescribeStacks of the events' stack answers."""
        return self.stack.status

    @stack_status.setter
    def stack_status(self, value: str) -> None:
        self.stack.status = value

    def on_event(self, raw: dict[str, Any]) -> Any:
        self.stack.sends(raw)
        return entry.handle_on_event(raw, self.deps)

    def is_complete(self, raw: dict[str, Any]) -> Any:
        self.stack.sends(raw)
        return entry.handle_is_complete(raw, self.deps)

    @contextmanager
    def serving(self, stack_id: str) -> Iterator[None]:
        """The handlers as another stack's Provider runs them: that stack's id in their environment."""
        own = self.deps
        self.deps = dataclasses.replace(own, stack_id=stack_id)
        try:
            yield
        finally:
            self.deps = own

    def run(self, raw: dict[str, Any]) -> dict[str, Any]:
        """onEvent, then isComplete every 30 virtual seconds until complete, as the Provider does:
        the onEvent result with the final Data."""
        result = self.on_event(raw)
        poll = then_complete(result, raw)
        for _ in range(MAX_POLLS):
            answer = self.is_complete(poll)
            if answer["IsComplete"]:
                return {**result, "Data": {**result["Data"], **answer.get("Data", {})}}
            self.clock.advance(POLL_SECONDS)
        raise AssertionError(f"not complete after {MAX_POLLS} polls")

    def count(self, operation: str) -> int:
        """Successful calls of `operation` so far."""
        return len(self.fake.calls_named(operation, only_ok=True))

    def counts(self) -> dict[str, int]:
        """Successful mutating calls by operation (Create/Update/Delete/Stop/Tag)."""
        found: dict[str, int] = {}
        for call in self.fake.mutating_calls():
            found[call.operation] = found.get(call.operation, 0) + 1
        return found

    def describe(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.fake.call(operation, params)

    def tags(self, arn: str) -> dict[str, str]:
        answer = self.fake.call("ListTagsForResource", {"resourceArn": arn})
        return {t["tagKey"]: t["tagValue"] for t in answer["tags"]}


@contextmanager
def world() -> Iterator[World]:
    clock = VirtualClock()
    with FakePersonalizeServer(FakePersonalize(clock)) as server:
        yield World(server, clock)


class Stubbed:
    """A `Stubber`-backed client: for request/response shapes only, never for lifecycles."""

    def __init__(self) -> None:
        client = boto3.client(
            "personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        self.stubber = Stubber(client)
        self.clock = VirtualClock()
        self.logs: list[str] = []
        self.stack = OwnStack()
        self.stack.status = "CREATE_IN_PROGRESS"
        self.deps = Deps(
            personalize=client,
            now=self.clock.now,
            log=self.logs.append,
            make_cloudformation=lambda: self.stack.api,
            stack_id=STACK_ID,
        )

    def answer(self, operation: str, response: dict[str, Any], params: dict[str, Any] | None = None) -> None:
        self.stubber.add_response(operation, response, params)

    def fail(self, operation: str, code: str, status: int = 400) -> None:
        self.stubber.add_client_error(
            operation, service_error_code=code, service_message=f"{code} (stub)", http_status_code=status
        )

    def on_event(self, raw: dict[str, Any]) -> Any:
        self.stack.sends(raw)
        return entry.handle_on_event(raw, self.deps)

    def is_complete(self, raw: dict[str, Any]) -> Any:
        self.stack.sends(raw)
        return entry.handle_is_complete(raw, self.deps)


@contextmanager
def stubbed() -> Iterator[Stubbed]:
    stub = Stubbed()
    with stub.stubber:
        yield stub
        stub.stubber.assert_no_pending_responses()


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
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:f", **props},
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


def at(seconds_after_start: float) -> dt.datetime:
    """A botocore-style timestamp `seconds_after_start` after the virtual clock's start."""
    return dt.datetime.fromtimestamp(VirtualClock().now() + seconds_after_start, tz=dt.UTC)

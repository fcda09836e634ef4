"""The import handler against the fake Personalize: a create deferred behind another running import."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from lambda_handlers import constants, contract, entry
from lambda_handlers.deps import Deps
from lambda_handlers.errors import DeployError
from tests.unit import PREFIX, event, then_complete, world

DATASET = f"{PREFIX}:dataset/shop/INTERACTIONS"
ROLE = "arn:aws:iam::111111111111:role/data"


class Stack:
    """The own stack's status, as DescribeStacks answers it."""

    def __init__(self, status: str) -> None:
        self.status = status

    def describe_stacks(self, *, StackName: str) -> Mapping[str, Any]:  # noqa: N803 - the API name
        return {"Stacks": [{"StackId": StackName, "StackStatus": self.status}]}


def props(version: str) -> dict[str, str]:
    return contract.DatasetImport(
        dataset_arn=DATASET,
        data_location=f"s3://b/datasets/interactions/{version}/i.csv",
        data_version=version,
        job_prefix="shop-interactions",
        role_arn=ROLE,
    ).to_properties()


def update() -> dict[str, Any]:
    return event(
        "Update",
        constants.DATASET_IMPORT_TYPE,
        props("bbbbbbbb"),
        physical_id=f"{DATASET}/import",
        old_props=props("aaaaaaaa"),
        logical_id="InteractionsImport",
    )


def deferred(w: Any, stack: Stack) -> tuple[Deps, dict[str, Any]]:
    """GIVEN another import of the dataset still running when the Update's onEvent comes."""
    w.fake.call(
        "CreateDatasetImportJob",
        {"jobName": "by-hand", "datasetArn": DATASET, "dataSource": {"dataLocation": "s3://b/x.csv"}},
    )
    deps = dataclasses.replace(w.deps, make_cloudformation=lambda: stack)
    raw = update()
    answer = entry.handle_on_event(raw, deps)
    assert answer["Data"]["WaitingFor"].endswith("dataset-import-job/by-hand")
    assert len(w.fake.calls_named("CreateDatasetImportJob", only_ok=True)) == 1  # only the hand-made one
    return deps, then_complete(dict(answer), raw)


def test_a_deferred_import_starts_once_the_other_ended_and_completes() -> None:
    with world() as w:
        stack = Stack("UPDATE_IN_PROGRESS")
        deps, poll = deferred(w, stack)
        # WHEN isComplete polls while the other import runs THEN it waits, creating nothing
        assert entry.handle_is_complete(poll, deps)["IsComplete"] is False
        # AND once the other ended, it creates its job (one), then completes when that one is ACTIVE
        w.clock.advance(w.fake.durations.import_job)
        assert entry.handle_is_complete(poll, deps)["IsComplete"] is False
        w.clock.advance(w.fake.durations.import_job)
        done = entry.handle_is_complete(poll, deps)
        assert done["IsComplete"] is True and done["Data"]["Status"] == "ACTIVE"
        (created,) = w.fake.calls_named("CreateDatasetImportJob", only_ok=True)[1:]
        assert created.params["jobName"].startswith("shop-interactions-bbbbbbbb-")


def test_fails_when_the_stack_moved_on_while_the_import_waited() -> None:
    with world() as w:
        stack = Stack("UPDATE_IN_PROGRESS")
        deps, poll = deferred(w, stack)
        # WHEN another resource failed meanwhile (the stack rolls back) and the other import ended
        stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        w.clock.advance(w.fake.durations.import_job)
        # THEN the cancelled operation's waiter stops and imports nothing over the rollback
        with pytest.raises(DeployError, match="this operation was cancelled"):
            entry.handle_is_complete(poll, deps)
        assert len(w.fake.calls_named("CreateDatasetImportJob", only_ok=True)) == 1


def test_a_delete_does_nothing() -> None:
    with world() as w:
        raw = event(
            "Delete", constants.DATASET_IMPORT_TYPE, props("aaaaaaaa"), physical_id=f"{DATASET}/import"
        )
        assert entry.handle_on_event(raw, w.deps)["PhysicalResourceId"] == f"{DATASET}/import"
        assert w.fake.mutating_calls() == []
        assert any("cannot be deleted" in line for line in w.logs)


def test_fails_when_the_other_import_outlasts_the_links_budget() -> None:
    with world() as w:
        w.fake.durations.import_job = 3 * 3600
        deps, poll = deferred(w, Stack("UPDATE_ROLLBACK_IN_PROGRESS"))
        # WHEN the other import still runs when this link's budget is spent
        w.clock.advance(constants.LINK_SECONDS)
        # THEN it fails naming the job it waited for, before CloudFormation's hour ends, importing nothing
        with pytest.raises(DeployError, match=r"dataset-import-job/by-hand was still importing after 55 min"):
            entry.handle_is_complete(poll, deps)
        assert len(w.fake.calls_named("CreateDatasetImportJob", only_ok=True)) == 1

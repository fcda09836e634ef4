"""Custom::PersonalizeBatchJob against the fake Personalize: names, once per run, waits, failures."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_handlers import batch_job, contract
from lambda_handlers.constants import LINK_SECONDS, Attr
from lambda_handlers.errors import DeployError
from tests.unit import PREFIX, World, event

BUCKET = "data-bucket"
INPUT = f"s3://{BUCKET}/batch/lists/input/abc/users.jsonl"


def setup(w: World, recipe: str = "aws-user-personalization") -> str:
    solution = w.fake.seed_solution(w.dataset_group, "shop-lists", recipe)
    return w.fake.seed_solution_version(solution)


def props(version_arn: str, **changes: Any) -> dict[str, str]:
    spec = contract.BatchJob(
        kind="recommendations",
        job_prefix="shop-lists",
        solution_version_arn=version_arn,
        input=INPUT,
        input_version="abc",
        bucket=BUCKET,
        output_root="batch/lists/",
        trigger="t1",
        role_arn="arn:aws:iam::111111111111:role/personalize",
    )
    return {**spec.to_properties(), **changes}


def test_a_job_name_changes_exactly_with_trigger_input_or_version():
    # GIVEN one run's inputs WHEN any one of trigger, input or version changes THEN the name does
    base = batch_job.job_name("shop-lists", "t1", "abc", "v1")
    assert base == batch_job.job_name("shop-lists", "t1", "abc", "v1")
    assert (
        len(
            {
                base,
                *(
                    batch_job.job_name("shop-lists", *x)
                    for x in [("t2", "abc", "v1"), ("t1", "abd", "v1"), ("t1", "abc", "v2")]
                ),
            }
        )
        == 4
    )
    # AND a long prefix is cut so the name fits Personalize's 63 characters
    assert len(batch_job.job_name("x" * 80, "t", "i", "v")) == 63


def test_a_job_runs_once_and_a_repeated_create_finds_it(w: World):
    # GIVEN an ACTIVE version
    version = setup(w)
    raw = event("Create", "Custom::PersonalizeBatchJob", props(version))
    # WHEN the Create runs to completion, then arrives again
    first = w.run(raw)
    again = w.run(raw)
    # THEN one job ran, the repeat found it, and both name the output under trigger and version id
    assert w.count("CreateBatchInferenceJob") == 1
    assert first["PhysicalResourceId"] == again["PhysicalResourceId"]
    assert (
        first["Data"][Attr.OUTPUT_LOCATION] == f"s3://{BUCKET}/batch/lists/t1/{version.rsplit('/', 1)[-1]}/"
    )
    assert first["Data"][Attr.STATUS] == "ACTIVE"


def test_a_lost_create_answer_is_looked_up_not_sent_twice(w: World):
    # GIVEN the create's answer is lost after Personalize made the job
    version = setup(w)
    w.fake.lose_answer("CreateBatchInferenceJob")
    # WHEN the Create runs
    w.run(event("Create", "Custom::PersonalizeBatchJob", props(version)))
    # THEN one job exists
    assert w.count("CreateBatchInferenceJob") == 1
    assert len(w.fake.call("ListBatchInferenceJobs", {})["batchInferenceJobs"]) == 1


def test_a_link_hands_over_at_its_budget_and_the_last_fails_naming_the_job(w: World):
    # GIVEN a job that takes longer than a link (the fake's jobs take durations.batch_job)
    w.fake.durations.batch_job = 3 * LINK_SECONDS
    version = setup(w)
    started = w.on_event(event("Create", "Custom::PersonalizeBatchJob", props(version)))
    job_arn = started["Data"][Attr.JOB_ARN]
    link = {**props(version), "LinkIndex": "1", "JobArn": job_arn, "LinkSeconds": "600"}
    data = {Attr.JOB_ARN: job_arn, Attr.STARTED_AT: str(int(w.clock.now()))}
    # WHEN link 1 polls past its budget THEN it hands over, complete, with the job still running
    w.clock.advance(601)
    handed = w.is_complete(event("Create", "Custom::PersonalizeBatchJob", link, data=data))
    assert handed["IsComplete"] and handed["Data"][Attr.STATUS] == "IN PROGRESS"
    # WHEN the last link's budget is spent THEN it fails, naming the job and what to do
    last = {**link, "IsLast": "true"}
    with pytest.raises(DeployError, match=r"batch inference job shop-lists-\w{8} not finished after 120 min"):
        w.is_complete(event("Create", "Custom::PersonalizeBatchJob", last, data=data))


def test_fails_when_personalize_fails_the_job_with_its_reason_first(w: World):
    # GIVEN the next job fails in Personalize
    version = setup(w)
    w.fake.fail_next_batch_job("Input is not JSON")
    # WHEN the Create runs THEN the failure leads with Personalize's reason
    with pytest.raises(DeployError, match=r"^Input is not JSON \(batch inference job shop-lists-"):
        w.run(event("Create", "Custom::PersonalizeBatchJob", props(version)))


def test_delete_makes_no_call(w: World):
    # GIVEN a job's resource WHEN it is deleted THEN nothing is called (jobs cannot be stopped or deleted)
    before = len(w.fake.calls)
    gone = w.run(
        event("Delete", "Custom::PersonalizeBatchJob", props(f"{PREFIX}:solution/x/1"), physical_id="id")
    )
    assert gone["PhysicalResourceId"] == "id" and len(w.fake.calls) == before


def test_fails_when_segments_run_on_a_recipe_without_affinity_in_the_fake(w: World):
    # GIVEN a user-personalization version WHEN a segment job is asked of it THEN Personalize refuses it
    version = setup(w)
    with pytest.raises(DeployError, match="USER_SEGMENTATION"):
        w.run(event("Create", "Custom::PersonalizeBatchJob", props(version, Kind="segments")))
    # AND on an affinity version it runs
    affinity = w.fake.seed_solution_version(
        w.fake.seed_solution(w.dataset_group, "shop-seg", "aws-item-affinity")
    )
    done = w.run(event("Create", "Custom::PersonalizeBatchJob", props(affinity, Kind="segments")))
    assert ":batch-segment-job/shop-lists-" in done["PhysicalResourceId"]

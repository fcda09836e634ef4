"""The fake's batch inference and batch segment jobs against botocore's model and API reference."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from botocore.model import StructureShape

from lambda_handlers.constants import Status
from simulation.clock import VirtualClock
from simulation.personalize import FakePersonalize, PersonalizeError
from simulation.personalize.batch import IN_PROGRESS, PENDING, output_body

MODEL = botocore.session.get_session().get_service_model("personalize")
ROLE = "arn:aws:iam::111111111111:role/personalize"


def documented(shape: str) -> set[str]:
    found = MODEL.shape_for(shape)
    assert isinstance(found, StructureShape)
    return {
        s.strip() for s in re.findall(r"<li>\s*<p>([^<]+)</p>\s*</li>", found.members["status"].documentation)
    }


@pytest.mark.parametrize("shape", ["BatchInferenceJob", "BatchSegmentJob"])
def test_batch_statuses_are_those_the_model_documents(shape):
    # GIVEN botocore's documentation of the job's status THEN the handler's and the fake's lists match it
    assert documented(shape) == {*Status.BATCH_RUNNING, Status.ACTIVE, Status.CREATE_FAILED}
    assert (PENDING, IN_PROGRESS) == Status.BATCH_RUNNING


def version(fake: FakePersonalize, recipe: str) -> str:
    group = fake.seed_dataset_group(f"g-{recipe}")
    return fake.seed_solution_version(fake.seed_solution(group, f"s-{recipe}", recipe))


def request(version_arn: str, name: str = "job") -> dict[str, Any]:
    return {
        "jobName": name,
        "solutionVersionArn": version_arn,
        "jobInput": {"s3DataSource": {"path": "s3://b/in/users.jsonl"}},
        "jobOutput": {"s3DataDestination": {"path": "s3://b/out/"}},
        "roleArn": ROLE,
    }


def test_a_job_goes_pending_in_progress_active_and_a_name_is_used_once():
    # GIVEN an ACTIVE user-personalization version
    fake = FakePersonalize(VirtualClock())
    arn = fake.call("CreateBatchInferenceJob", request(version(fake, "aws-user-personalization")))[
        "batchInferenceJobArn"
    ]
    # THEN the job's statuses follow the clock, as the model spells them
    seen = []
    for _ in range(3):
        seen.append(
            fake.call("DescribeBatchInferenceJob", {"batchInferenceJobArn": arn})["batchInferenceJob"][
                "status"
            ]
        )
        fake.clock.advance(fake.durations.batch_job / 2)
    assert seen == ["PENDING", "IN PROGRESS", "ACTIVE"]
    # AND its name cannot be used again
    with pytest.raises(PersonalizeError, match="already exists"):
        fake.call(
            "CreateBatchInferenceJob",
            request(fake.call("ListBatchInferenceJobs", {})["batchInferenceJobs"][0]["solutionVersionArn"]),
        )


@pytest.mark.parametrize(
    ("operation", "recipe"),
    [
        ("CreateBatchInferenceJob", "aws-trending-now"),
        ("CreateBatchInferenceJob", "aws-next-best-action"),
        ("CreateBatchInferenceJob", "aws-item-affinity"),
        ("CreateBatchSegmentJob", "aws-user-personalization"),
    ],
)
def test_fails_when_a_job_asks_a_recipe_for_what_it_cannot_make(operation, recipe):
    # GIVEN an ACTIVE version of the recipe WHEN the job is asked of it THEN InvalidInputException
    fake = FakePersonalize(VirtualClock())
    with pytest.raises(PersonalizeError) as caught:
        fake.call(operation, request(version(fake, recipe)))
    assert caught.value.code == "InvalidInputException"


def test_list_filters_by_solution_version_and_output_has_one_line_per_input_line():
    # GIVEN two segment jobs on two affinity versions
    fake = FakePersonalize(VirtualClock())
    first, second = version(fake, "aws-item-affinity"), version(fake, "aws-item-attribute-affinity")
    fake.call("CreateBatchSegmentJob", request(first, "a"))
    fake.call("CreateBatchSegmentJob", request(second, "b"))
    # THEN listing by one version finds its job only
    found = fake.call("ListBatchSegmentJobs", {"solutionVersionArn": first})["batchSegmentJobs"]
    assert [j["jobName"] for j in found] == ["a"]
    # AND a segment output names users per input line
    body = output_body("batch-segment-job", b'{"itemId": "1"}\n{"itemId": "2"}\n', 2).decode().splitlines()
    assert len(body) == 2 and '"usersList"' in body[0] and '"input": {"itemId": "1"}' in body[0]

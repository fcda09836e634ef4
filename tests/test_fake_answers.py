"""The fake Personalize answers only what botocore's output shapes allow; a wrong answer fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulation.clock import VirtualClock
from simulation.personalize import FakePersonalize, InvalidAnswerError
from simulation.personalize.operations import OPERATIONS
from simulation.personalize.validation import answer_problems, service_model
from simulation.personalize_server import FakePersonalizeServer

GROUP = "arn:aws:personalize:us-east-1:111111111111:dataset-group/dg"


def answering(fake: FakePersonalize, operation: str, answer: dict[str, Any]) -> None:
    """Make the fake's handler of `operation` answer `answer` (a bug planted in the fake)."""
    fake.operations[operation] = lambda _store, _params: answer


def test_every_answer_of_a_first_deploy_fits_its_output_shape():
    # GIVEN the fake, its answers checked as they leave
    fake = FakePersonalize(VirtualClock())
    group = fake.seed_dataset_group("dg")
    # WHEN it answers a few reads THEN nothing is refused
    assert fake.call("DescribeDatasetGroup", {"datasetGroupArn": group})["datasetGroup"]["status"] == "ACTIVE"
    assert fake.call("ListDatasets", {"datasetGroupArn": group})["datasets"]
    assert fake.invalid_answers == []


def test_fails_when_an_answer_lacks_a_required_member():
    # GIVEN a fake whose ListTagsForResource forgets a tag's required tagValue
    fake = FakePersonalize(VirtualClock())
    answering(fake, "ListTagsForResource", {"tags": [{"tagKey": "team"}]})
    # WHEN it answers THEN it refuses, naming the member, and records it
    with pytest.raises(InvalidAnswerError, match=r"ListTagsForResource: .*tagValue"):
        fake.call("ListTagsForResource", {"resourceArn": GROUP})
    assert len(fake.invalid_answers) == 1


def test_fails_when_an_answer_has_a_wrong_type_or_a_value_outside_its_enum():
    fake = FakePersonalize(VirtualClock())
    version = {"solutionVersionArn": f"{GROUP}x", "trainingMode": "PARTIAL", "trainingHours": "two"}
    answering(fake, "DescribeSolutionVersion", {"solutionVersion": version})
    with pytest.raises(InvalidAnswerError) as failure:
        fake.call("DescribeSolutionVersion", {"solutionVersionArn": f"{GROUP}x"})
    message = str(failure.value)
    assert "'PARTIAL' at 'solutionVersion.trainingMode' is not one of [FULL, UPDATE, AUTOTRAIN]" in message
    assert "solutionVersion.trainingHours" in message


def test_fails_when_the_served_fake_answers_wrong_the_client_sees_an_error_and_the_server_exit_fails():
    # GIVEN the fake served over HTTP with a planted wrong answer
    fake = FakePersonalize(VirtualClock())
    answering(fake, "ListTagsForResource", {"tags": [{"tagKey": "team"}]})
    leaving = pytest.raises(InvalidAnswerError, match="outside botocore's output shapes")
    # WHEN an unmodified boto3 client asks THEN it gets an error, never the wrong answer
    # AND leaving the server fails the test that used it
    with (
        leaving,
        FakePersonalizeServer(fake) as server,
        pytest.raises(ClientError, match="FakeInvalidAnswer"),
    ):
        server.client().list_tags_for_resource(resourceArn=GROUP)


def test_answer_checks_skip_patterns_real_answers_break():
    # GIVEN an import job answer naming an IAM role, which the model's `Arn` pattern (personalize) rejects
    operation = service_model().operation_model("DescribeDatasetImportJob")
    job = {"datasetImportJob": {"roleArn": "arn:aws:iam::111111111111:role/import", "importMode": "FULL"}}
    # THEN it is a valid answer
    assert answer_problems(operation, job) == []


def test_every_operation_the_fake_implements_has_an_output_shape_to_check_against():
    # GIVEN every operation the fake's resource families register
    model = service_model()
    implemented = set(OPERATIONS)
    # THEN each is an operation of botocore's model, so `call` checks its answers
    assert implemented
    assert sorted(implemented - set(model.operation_names)) == []

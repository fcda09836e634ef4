"""The simulator's DescribeStacks: the handlers' own-stack status during deploys and deletes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from simulation.cloudformation.stack_api import StackApi

STACK_ID = "arn:aws:cloudformation:us-east-1:111111111111:stack/app/0000"


def test_describe_stacks_answers_the_current_status_by_id_or_name() -> None:
    # GIVEN a stack being deleted
    status = ["DELETE_IN_PROGRESS"]
    api = StackApi(STACK_ID, "app", lambda: status[0])
    # WHEN asked by id and by name THEN the API's shape with the current status
    for name in (STACK_ID, "app"):
        assert api.describe_stacks(StackName=name) == {
            "Stacks": [{"StackId": STACK_ID, "StackName": "app", "StackStatus": "DELETE_IN_PROGRESS"}]
        }
    assert api.calls == [STACK_ID, "app"]


def test_a_deleted_stack_answers_to_its_id() -> None:
    # GIVEN a deleted stack / WHEN asked by its StackId / THEN it answers DELETE_COMPLETE
    api = StackApi(STACK_ID, "app", lambda: "DELETE_COMPLETE")
    assert api.describe_stacks(StackName=STACK_ID)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


@pytest.mark.parametrize(
    ("name", "status"), [("other", "CREATE_COMPLETE"), ("app", "NOT_CREATED"), ("app", "DELETE_COMPLETE")]
)
def test_fails_when_the_stack_does_not_exist(name: str, status: str) -> None:
    # GIVEN another stack's name, a stack never created, or a deleted stack asked by name
    # WHEN described THEN ValidationError
    api = StackApi(STACK_ID, "app", lambda: status)
    with pytest.raises(ClientError) as failure:
        api.describe_stacks(StackName=name)
    assert failure.value.response["Error"] == {
        "Code": "ValidationError",
        "Message": f"Stack with id {name} does not exist",
    }

import json
from typing import Any

import pytest

from lambda_handlers import constants
from lambda_handlers.errors import DeployError
from tests.unit import PREFIX, SOLUTION_ARN, World, event

GROUP_ARN = f"{PREFIX}:dataset-group/shop"
START = "1767225600"  # the virtual clock's start in epoch seconds


def props(version_arn: str, **changes: str) -> dict[str, str]:
    return {
        "SolutionVersionArn": version_arn,
        "Trigger": "import 2026-01",
        "TrainingMode": "FULL",
        "Gates": "{}",
        "LinkSeconds": "3300",
        "LinkIndex": "2",
        "IsLast": "false",
        "MaxWaitMinutes": "180",
        "SolutionName": "up",
        **changes,
    }


def wait_event(request_type: str, props: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    return event(request_type, constants.TRAINING_WAIT_TYPE, props, **kwargs)


def training(w: World) -> str:
    """A version created 2 minutes ago, training for another 35 minutes."""
    w.fake.seed_solution(GROUP_ARN, "shop-up")
    return w.fake.seed_solution_version(SOLUTION_ARN, status="CREATE IN_PROGRESS")


def test_on_event_makes_no_call_and_names_the_link(w):
    # GIVEN a wait link WHEN created THEN its id is {version}/wait-{index}, Data starts its clock
    arn = f"{SOLUTION_ARN}/abcd1234"
    result = w.on_event(wait_event("Create", props(arn)))
    assert result == {
        "PhysicalResourceId": f"{arn}/wait-2",
        "Data": {"SolutionVersionArn": arn, "StartedAt": START},
    }
    assert w.fake.calls == []


def test_complete_once_active_with_the_config_name_as_metric_dimension(w):
    arn = training(w)
    result = w.run(wait_event("Create", props(arn)))
    assert result["Data"]["Status"] == "ACTIVE"
    emf = [json.loads(line) for line in w.logs if line.startswith('{"_aws"')]
    assert [line["Solution"] for line in emf] == ["up"]


def test_a_link_that_is_not_last_hands_over_at_its_deadline(w):
    arn = training(w)
    result = w.run(wait_event("Create", props(arn, LinkSeconds="600")))
    assert result["Data"] == {
        "SolutionVersionArn": arn,
        "StartedAt": START,
        "Status": "CREATE IN_PROGRESS",
        "Summary": "",
    }


def test_fails_when_the_last_link_reaches_its_deadline_and_keeps_the_version_training(w):
    # GIVEN the last link, 10 minutes of budget, a version created 2 minutes before it started
    arn = training(w)
    # WHEN its deadline passes THEN the deploy fails, counting minutes from the version's creation
    with pytest.raises(DeployError) as failure:
        w.run(wait_event("Create", props(arn, LinkSeconds="600", IsLast="true")))
    assert failure.value.message == (
        f"training of solution up not finished after 12 min (max_wait_minutes 180): version {arn} "
        "is CREATE IN_PROGRESS; raise training.max_wait_minutes or redeploy later: the next deploy picks "
        "the same version up without retraining"
    )
    # AND the version carries the tag that makes the rollback leave it training
    assert w.tags(arn) == {constants.KEEP_TRAINING_TAG: "true"}


def test_delete_makes_no_call(w):
    arn = f"{SOLUTION_ARN}/abcd1234"
    result = w.run(wait_event("Delete", props(arn), physical_id=f"{arn}/wait-2"))
    assert result["PhysicalResourceId"] == f"{arn}/wait-2"
    assert w.fake.calls == []

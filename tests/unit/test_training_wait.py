import json
from typing import Any

import pytest

from lambda_handlers import constants
from lambda_handlers.errors import DeployError
from tests.unit import T0, VERSION_ARN, Harness, at, then_complete
from tests.unit import event as make_event

PROPS = {
    "SolutionVersionArn": VERSION_ARN,
    "Trigger": "import 2026-01",
    "TrainingMode": "FULL",
    "Gates": "{}",
    "LinkSeconds": "3300",
    "LinkIndex": "2",
    "IsLast": "false",
    "MaxWaitMinutes": "180",
    "SolutionName": "up",
}
WAIT_ID = f"{VERSION_ARN}/wait-2"


def event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, constants.TRAINING_WAIT_TYPE, props or PROPS, **kwargs)


def version(status: str, created: float = -6000) -> dict[str, Any]:
    return {
        "solutionVersion": {
            "solutionVersionArn": VERSION_ARN,
            "status": status,
            "trainingMode": "FULL",
            "creationDateTime": at(created),
            "lastUpdatedDateTime": at(0),
        }
    }


def started(h: Harness, props: dict[str, str] | None = None) -> dict[str, Any]:
    raw = event("Create", props)
    return then_complete(h.on_event(raw), raw)


def test_on_event_makes_no_call_and_names_the_link(h):
    # GIVEN a wait link WHEN created THEN its id is {version}/wait-{index}, Data starts its clock
    result = h.on_event(event("Create"))
    assert result == {
        "PhysicalResourceId": WAIT_ID,
        "Data": {"SolutionVersionArn": VERSION_ARN, "StartedAt": str(int(T0))},
    }


def test_is_complete_when_active_uses_the_solution_name_for_metrics(h):
    raw = started(h)
    h.expect("describe_solution_version", {"solutionVersionArn": VERSION_ARN}, version("ACTIVE"))
    h.expect(
        "get_solution_metrics",
        {"solutionVersionArn": VERSION_ARN},
        {"solutionVersionArn": VERSION_ARN, "metrics": {"coverage": 0.3}},
    )
    result = h.is_complete(raw)
    assert result["Data"]["Status"] == "ACTIVE"
    assert json.loads(h.logs[-2])["Solution"] == "up"


def test_a_link_that_is_not_last_hands_over_at_its_deadline(h):
    raw = started(h)
    h.clock.advance(3300)
    h.expect("describe_solution_version", {"solutionVersionArn": VERSION_ARN}, version("CREATE IN_PROGRESS"))
    assert h.is_complete(raw)["Data"] == {
        "SolutionVersionArn": VERSION_ARN,
        "Status": "CREATE IN_PROGRESS",
        "Summary": "",
    }


def test_fails_when_the_last_link_reaches_its_deadline_with_elapsed_minutes(h):
    # GIVEN the last link, and a version created 100 min before this link started
    raw = started(h, {**PROPS, "IsLast": "true"})
    h.clock.advance(3300)
    h.expect("describe_solution_version", {"solutionVersionArn": VERSION_ARN}, version("CREATE IN_PROGRESS"))
    h.expect(
        "tag_resource",
        {"resourceArn": VERSION_ARN, "tags": [{"tagKey": constants.KEEP_TRAINING_TAG, "tagValue": "true"}]},
    )
    # WHEN its deadline passes THEN the deploy fails, counting minutes from the version's creation
    # (and tags the version so the rollback leaves it training)
    with pytest.raises(DeployError) as failure:
        h.is_complete(raw)
    assert failure.value.message == (
        f"training of solution up not finished after 155 min (max_wait_minutes 180): version {VERSION_ARN} "
        "is CREATE IN_PROGRESS; raise training.max_wait_minutes or redeploy later: the next deploy picks "
        "the same version up without retraining"
    )


def test_delete_makes_no_call(h):
    raw = event("Delete", physical_id=WAIT_ID)
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == WAIT_ID
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}

import json
from typing import Any

import pytest

from lambda_handlers import constants
from lambda_handlers.errors import DeployError
from tests.unit import (
    DATASET_GROUP_ARN,
    OTHER_RECIPE_ARN,
    OWNER_TAG,
    RECIPE_ARN,
    SOLUTION_ARN,
    STACK_ID,
    VERSION_ARN,
    Harness,
    then_complete,
)
from tests.unit import event as make_event

ADOPTED_ID = f"adopted:{SOLUTION_ARN}"
PROPS = {
    "Name": "shop-up",
    "DatasetGroupArn": DATASET_GROUP_ARN,
    "RecipeArn": RECIPE_ARN,
    "EventType": "",
    "SolutionConfig": "{}",
    "PerformHPO": "false",
    "AutoTrainingSchedule": "",
    "Tags": "[]",
}
DATA = {"SolutionArn": SOLUTION_ARN, "Adopted": "false"}


def event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, constants.SOLUTION_TYPE, props or PROPS, **kwargs)


def solution(
    status: str = "ACTIVE",
    *,
    auto: bool = False,
    schedule: str | None = None,
    recipe: str = RECIPE_ARN,
    update: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "shop-up",
        "solutionArn": SOLUTION_ARN,
        "recipeArn": recipe,
        "datasetGroupArn": DATASET_GROUP_ARN,
        "performAutoTraining": auto,
        "status": status,
    }
    if schedule:
        body["solutionConfig"] = {"autoTrainingConfig": {"schedulingExpression": schedule}}
    if update:
        body["latestSolutionUpdate"] = update
    return {"solution": body}


CREATE_PARAMS = {
    "name": "shop-up",
    "datasetGroupArn": DATASET_GROUP_ARN,
    "recipeArn": RECIPE_ARN,
    "performHPO": False,
    "performAutoTraining": False,
    "tags": [OWNER_TAG],
}


def expect_tags(h: Harness, *tags: dict[str, str]) -> None:
    """ListTagsForResource of the solution: an unrelated tag plus `tags`."""
    found = [{"tagKey": "team", "tagValue": "data-science"}, *tags]
    h.expect("list_tags_for_resource", {"resourceArn": SOLUTION_ARN}, {"tags": found})


def test_create_makes_the_solution_with_auto_training_off(h):
    # GIVEN no auto-training schedule WHEN created THEN CreateSolution says performAutoTraining False
    # (and tags the solution with its owner: this stack and logical id)
    h.expect("create_solution", CREATE_PARAMS, {"solutionArn": SOLUTION_ARN})
    result = h.on_event(event("Create"))
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}


def test_create_passes_schedule_config_event_type_hpo_and_tags(h):
    # GIVEN a schedule, a config, an event type, HPO and tags WHEN created THEN all reach the API
    props = {
        **PROPS,
        "EventType": "click",
        "PerformHPO": "true",
        "SolutionConfig": '{"algorithmHyperParameters": {"hidden_dimension": "100"}}',
        "AutoTrainingSchedule": "rate(14 days)",
        "Tags": '[{"tagKey": "team", "tagValue": "recs"}]',
    }
    h.expect(
        "create_solution",
        {
            "name": "shop-up",
            "datasetGroupArn": DATASET_GROUP_ARN,
            "recipeArn": RECIPE_ARN,
            "performHPO": True,
            "performAutoTraining": True,
            "eventType": "click",
            "solutionConfig": {
                "algorithmHyperParameters": {"hidden_dimension": "100"},
                "autoTrainingConfig": {"schedulingExpression": "rate(14 days)"},
            },
            "tags": [{"tagKey": "team", "tagValue": "recs"}, OWNER_TAG],
        },
        {"solutionArn": SOLUTION_ARN},
    )
    assert h.on_event(event("Create", props))["PhysicalResourceId"] == SOLUTION_ARN


def test_create_adopts_an_existing_solution_and_turns_its_auto_training_off(h):
    # GIVEN the notebook's solution (same group and recipe, auto-training on) WHEN created
    h.fail("create_solution", "ResourceAlreadyExistsException")
    expect_tags(h)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True, schedule="rate(7 days)"))
    h.expect("update_solution", {"solutionArn": SOLUTION_ARN, "performAutoTraining": False})
    result = h.on_event(event("Create"))
    # THEN it is adopted (released on delete) and auto-training is switched off
    assert result == {
        "PhysicalResourceId": ADOPTED_ID,
        "Data": {"SolutionArn": SOLUTION_ARN, "Adopted": "true"},
    }


def test_create_adopts_without_update_when_auto_training_already_matches(h):
    h.fail("create_solution", "ResourceAlreadyExistsException")
    expect_tags(h)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=False))
    assert h.on_event(event("Create"))["PhysicalResourceId"] == ADOPTED_ID


def test_fails_when_the_name_is_taken_by_a_solution_with_another_recipe(h):
    # GIVEN a same-named solution with another recipe WHEN created THEN a clear failure
    h.fail("create_solution", "ResourceAlreadyExistsException")
    expect_tags(h)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(recipe=OTHER_RECIPE_ARN))
    with pytest.raises(DeployError) as failure:
        h.on_event(event("Create"))
    assert failure.value.message.startswith(f"solution shop-up already exists with recipe {OTHER_RECIPE_ARN}")
    assert (
        "give this solution another name (physical_name) or delete the existing one" in failure.value.message
    )


def test_a_duplicated_create_continues_with_its_own_solution_instead_of_adopting_it(h):
    # GIVEN the solution an earlier delivery of this Create made (it carries our owner tag)
    h.fail("create_solution", "ResourceAlreadyExistsException", CREATE_PARAMS)
    expect_tags(h, OWNER_TAG)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("CREATE IN_PROGRESS"))
    # WHEN the Create comes again THEN the plain ARN: the stack deletes it, never releases it
    raw = event("Create")
    result = h.on_event(raw)
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}
    h.expect("list_solution_versions", {"solutionArn": SOLUTION_ARN}, {"solutionVersions": []})
    h.expect("delete_solution", {"solutionArn": SOLUTION_ARN})
    h.on_event(event("Delete", physical_id=result["PhysicalResourceId"]))


def test_a_duplicated_create_fixes_the_auto_training_of_its_own_solution(h):
    # GIVEN our own solution, ACTIVE, whose auto-training differs from the declared one
    h.fail("create_solution", "ResourceAlreadyExistsException")
    expect_tags(h, OWNER_TAG)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True))
    h.expect("update_solution", {"solutionArn": SOLUTION_ARN, "performAutoTraining": False})
    # WHEN the Create comes again THEN reconciled as an Update would, and kept as ours
    assert h.on_event(event("Create")) == {"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}


@pytest.mark.parametrize(
    ("stack_id", "logical_id"),
    [(STACK_ID.replace("/app/", "/other-app/"), "Resource"), (STACK_ID, "OtherSolution")],
    ids=["another-stack", "another-logical-id"],
)
def test_a_solution_owned_by_another_resource_is_adopted_and_released(h, stack_id, logical_id):
    # GIVEN a same-named solution made by another stack, or another resource of this stack
    other = {"tagKey": constants.OWNER_TAG, "tagValue": f"{stack_id}/{logical_id}"}
    h.fail("create_solution", "ResourceAlreadyExistsException")
    expect_tags(h, other)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=False))
    # WHEN created THEN adopted: the stack's delete releases it without a call
    result = h.on_event(event("Create"))
    assert result == {
        "PhysicalResourceId": ADOPTED_ID,
        "Data": {"SolutionArn": SOLUTION_ARN, "Adopted": "true"},
    }
    h.on_event(event("Delete", physical_id=result["PhysicalResourceId"]))
    assert any("releasing adopted solution" in line for line in h.logs)


def test_a_declared_owner_tag_is_replaced_by_the_real_owner(h):
    # GIVEN a config that declares the owner tag itself WHEN created THEN only the real owner is sent
    props = {**PROPS, "Tags": json.dumps([{"tagKey": constants.OWNER_TAG, "tagValue": "forged"}])}
    h.expect("create_solution", CREATE_PARAMS, {"solutionArn": SOLUTION_ARN})
    assert h.on_event(event("Create", props))["PhysicalResourceId"] == SOLUTION_ARN


def test_is_complete_waits_until_the_solution_is_active(h):
    # GIVEN a solution being created WHEN polled THEN not complete, then complete with its Data
    raw = then_complete({"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}, event("Create"))
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("CREATE IN_PROGRESS"))
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("ACTIVE"))
    assert h.is_complete(raw) == {"IsComplete": False}
    assert h.is_complete(raw) == {"IsComplete": True, "Data": DATA}


def test_is_complete_waits_for_the_latest_solution_update(h):
    # GIVEN an adopted solution whose UpdateSolution is running WHEN polled THEN wait for it
    raw = then_complete({"PhysicalResourceId": ADOPTED_ID, "Data": {}}, event("Create"))
    running = {"status": "CREATE IN_PROGRESS", "performAutoTraining": False}
    done = {"status": "ACTIVE", "performAutoTraining": False}
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True, update=running))
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True, update=done))
    assert h.is_complete(raw) == {"IsComplete": False}
    assert h.is_complete(raw) == {
        "IsComplete": True,
        "Data": {"SolutionArn": SOLUTION_ARN, "Adopted": "true"},
    }


def test_is_complete_reissues_the_update_when_auto_training_still_differs(h):
    # GIVEN an onEvent UpdateSolution that met ResourceInUse WHEN polled THEN it is issued again
    raw = then_complete({"PhysicalResourceId": ADOPTED_ID, "Data": {}}, event("Create"))
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True))
    h.expect("update_solution", {"solutionArn": SOLUTION_ARN, "performAutoTraining": False})
    assert h.is_complete(raw) == {"IsComplete": False}


def test_fails_when_the_auto_training_update_failed(h):
    raw = then_complete({"PhysicalResourceId": ADOPTED_ID, "Data": {}}, event("Create"))
    failed = {"status": "CREATE FAILED", "performAutoTraining": False, "failureReason": "quota"}
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution(auto=True, update=failed))
    with pytest.raises(DeployError, match="solution shop-up: auto-training update failed: quota"):
        h.is_complete(raw)


def test_fails_when_the_solution_is_create_failed(h):
    raw = then_complete({"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}, event("Create"))
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("CREATE FAILED"))
    with pytest.raises(DeployError, match=r"^solution shop-up failed: CREATE FAILED"):
        h.is_complete(raw)


def test_fails_when_an_immutable_property_changes(h):
    # GIVEN a new recipe under the same name WHEN updated THEN refused with what to do
    raw = event("Update", {**PROPS, "RecipeArn": OTHER_RECIPE_ARN}, physical_id=SOLUTION_ARN, old_props=PROPS)
    with pytest.raises(DeployError) as failure:
        h.on_event(raw)
    assert failure.value.message == (
        "solution shop-up: RecipeArn cannot change on an existing solution; "
        "give the solution a new name to create a new one"
    )


def test_update_of_the_schedule_calls_update_solution(h):
    # GIVEN auto-training turned on WHEN updated THEN UpdateSolution with the schedule, same id
    new = {**PROPS, "AutoTrainingSchedule": "rate(3 days)", "SolutionConfig": "{ }"}
    h.expect(
        "update_solution",
        {
            "solutionArn": SOLUTION_ARN,
            "performAutoTraining": True,
            "solutionUpdateConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
        },
    )
    result = h.on_event(event("Update", new, physical_id=SOLUTION_ARN, old_props=PROPS))
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": DATA}
    h.expect(
        "describe_solution",
        {"solutionArn": SOLUTION_ARN},
        solution(
            update={
                "status": "ACTIVE",
                "performAutoTraining": True,
                "solutionUpdateConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
            }
        ),
    )
    assert h.is_complete(then_complete(result, event("Update", new, physical_id=SOLUTION_ARN)))["IsComplete"]


def test_update_of_tags_only_calls_nothing(h):
    new = {**PROPS, "Tags": '[{"tagKey": "a", "tagValue": "b"}]'}
    result = h.on_event(event("Update", new, physical_id=ADOPTED_ID, old_props=PROPS))
    assert result == {
        "PhysicalResourceId": ADOPTED_ID,
        "Data": {"SolutionArn": SOLUTION_ARN, "Adopted": "true"},
    }


def test_update_with_a_new_name_creates_the_new_solution(h):
    # GIVEN a renamed solution (and a new recipe) WHEN updated THEN a new solution is created
    new = {**PROPS, "Name": "shop-up-2", "RecipeArn": OTHER_RECIPE_ARN}
    arn2 = SOLUTION_ARN + "-2"
    h.expect(
        "create_solution",
        {
            "name": "shop-up-2",
            "datasetGroupArn": DATASET_GROUP_ARN,
            "recipeArn": OTHER_RECIPE_ARN,
            "performHPO": False,
            "performAutoTraining": False,
            "tags": [OWNER_TAG],
        },
        {"solutionArn": arn2},
    )
    assert (
        h.on_event(event("Update", new, physical_id=SOLUTION_ARN, old_props=PROPS))["PhysicalResourceId"]
        == arn2
    )


def test_delete_stops_training_versions_then_deletes_and_waits(h):
    # GIVEN a solution with a version still training WHEN deleted
    h.expect(
        "list_solution_versions",
        {"solutionArn": SOLUTION_ARN},
        {
            "solutionVersions": [
                {"solutionVersionArn": VERSION_ARN, "status": "CREATE IN_PROGRESS"},
                {"solutionVersionArn": VERSION_ARN + "x", "status": "ACTIVE"},
            ]
        },
    )
    h.expect("stop_solution_version_creation", {"solutionVersionArn": VERSION_ARN})
    h.expect("delete_solution", {"solutionArn": SOLUTION_ARN})
    raw = event("Delete", physical_id=SOLUTION_ARN)
    # THEN the training stops, the solution is deleted, and isComplete waits for it to go
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == SOLUTION_ARN
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("DELETE IN_PROGRESS"))
    h.fail("describe_solution", "ResourceNotFoundException", {"solutionArn": SOLUTION_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": False}
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_delete_in_use_is_tried_again_by_is_complete(h):
    # GIVEN a version still stopping (ResourceInUse) WHEN deleted THEN isComplete retries the delete
    h.expect("list_solution_versions", {"solutionArn": SOLUTION_ARN}, {"solutionVersions": []})
    h.fail("delete_solution", "ResourceInUseException", {"solutionArn": SOLUTION_ARN})
    raw = event("Delete", physical_id=SOLUTION_ARN)
    result = h.on_event(raw)
    h.expect("describe_solution", {"solutionArn": SOLUTION_ARN}, solution("ACTIVE"))
    h.expect("list_solution_versions", {"solutionArn": SOLUTION_ARN}, {"solutionVersions": []})
    h.fail("delete_solution", "ResourceInUseException", {"solutionArn": SOLUTION_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": False}


def test_delete_of_a_missing_solution_succeeds(h):
    h.fail("list_solution_versions", "ResourceNotFoundException", {"solutionArn": SOLUTION_ARN})
    raw = event("Delete", physical_id=SOLUTION_ARN)
    result = h.on_event(raw)
    h.fail("describe_solution", "ResourceNotFoundException", {"solutionArn": SOLUTION_ARN})
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_delete_of_an_adopted_solution_releases_it_without_a_call(h):
    raw = event("Delete", physical_id=ADOPTED_ID)
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == ADOPTED_ID
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}
    assert any("releasing adopted solution" in line for line in h.logs)

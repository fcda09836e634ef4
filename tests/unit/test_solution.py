import json
import re
from typing import Any
from unittest.mock import ANY

import pytest

from lambda_handlers import constants
from lambda_handlers.errors import DeployError
from tests.unit import OTHER_RECIPE_ARN, OWNER, PREFIX, RECIPE_ARN, SOLUTION_ARN, STACK_ID, World, event

GROUP_ARN = f"{PREFIX}:dataset-group/shop"
PROPS = {
    "Name": "shop-up",
    "DatasetGroupArn": GROUP_ARN,
    "RecipeArn": RECIPE_ARN,
    "EventType": "",
    "SolutionConfig": "{}",
    "PerformHPO": "false",
    "AutoTrainingSchedule": "",
    "Tags": "[]",
}
ADOPTED_ID = f"adopted:{SOLUTION_ARN}"
DATA = {"SolutionArn": SOLUTION_ARN, "Adopted": "false"}
ADOPTED_DATA = {"SolutionArn": SOLUTION_ARN, "Adopted": "true"}
STARTED = {**DATA, "StartedAt": ANY}  # onEvent records when the wait began


def solution_event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return event(request_type, constants.SOLUTION_TYPE, props or PROPS, **kwargs)


def described(w: World) -> dict[str, Any]:
    return w.describe("DescribeSolution", solutionArn=SOLUTION_ARN)["solution"]


def test_create_makes_the_solution_with_auto_training_off_and_the_owner_tag(w):
    # GIVEN no solution of that name WHEN created and polled to completion
    result = w.run(solution_event("Create"))
    # THEN one solution, ACTIVE, auto-training off, tagged with this stack and logical id
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": STARTED}
    solution = described(w)
    assert (solution["status"], solution["performAutoTraining"]) == ("ACTIVE", False)
    assert w.tags(SOLUTION_ARN) == {"personalize-cdk:owner": OWNER}
    assert w.counts() == {"CreateSolution": 1}


def test_create_passes_schedule_config_event_type_hpo_and_tags(w):
    # GIVEN a schedule, a config, an event type, HPO and tags WHEN created
    props = {
        **PROPS,
        "EventType": "click",
        "PerformHPO": "true",
        "SolutionConfig": '{"algorithmHyperParameters": {"hidden_dimension": "100"}}',
        "AutoTrainingSchedule": "rate(14 days)",
        "Tags": '[{"tagKey": "team", "tagValue": "recs"}]',
    }
    w.run(solution_event("Create", props))
    # THEN all reach the solution
    solution = described(w)
    assert (solution["eventType"], solution["performHPO"], solution["performAutoTraining"]) == (
        "click",
        True,
        True,
    )
    assert solution["solutionConfig"] == {
        "algorithmHyperParameters": {"hidden_dimension": "100"},
        "autoTrainingConfig": {"schedulingExpression": "rate(14 days)"},
    }
    assert w.tags(SOLUTION_ARN) == {"team": "recs", "personalize-cdk:owner": OWNER}


def test_create_adopts_the_notebooks_solution_and_turns_its_auto_training_off(w):
    # GIVEN the notebook's solution (same group and recipe, auto-training on)
    w.fake.seed_solution(GROUP_ARN, "shop-up", perform_auto_training=True)
    # WHEN created and polled to completion
    result = w.run(solution_event("Create"))
    # THEN adopted (released on delete), its auto-training recorded, then off; nothing created
    assert result == {"PhysicalResourceId": ADOPTED_ID, "Data": {**ADOPTED_DATA, "StartedAt": ANY}}
    assert described(w)["performAutoTraining"] is False
    assert w.counts() == {"TagResource": 1, "UpdateSolution": 1}


def test_create_adopts_without_update_when_auto_training_already_matches(w):
    w.fake.seed_solution(GROUP_ARN, "shop-up")
    assert w.run(solution_event("Create"))["PhysicalResourceId"] == ADOPTED_ID
    assert w.counts() == {"TagResource": 1}  # the record of what it had


def test_fails_when_the_name_is_taken_by_a_solution_with_another_recipe(w):
    # GIVEN a same-named solution with another recipe WHEN created THEN a clear failure
    w.fake.seed_solution(GROUP_ARN, "shop-up", recipe="aws-personalized-ranking")
    with pytest.raises(DeployError) as failure:
        w.on_event(solution_event("Create"))
    assert failure.value.message == (
        f"solution shop-up already exists with recipe {OTHER_RECIPE_ARN} in dataset group {GROUP_ARN}; "
        "give this solution another name (physical_name) or delete the existing one"
    )
    assert w.counts() == {}


def test_a_duplicated_create_continues_with_its_own_solution_and_the_delete_deletes_it(w):
    # GIVEN the solution an earlier delivery of this Create made (it carries our owner tag)
    w.on_event(solution_event("Create"))
    # WHEN the Create comes again THEN the plain ARN, no second solution
    result = w.run(solution_event("Create"))
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": STARTED}
    assert w.counts() == {"CreateSolution": 1}
    # AND the stack's delete deletes it (never releases it)
    w.run(solution_event("Delete", physical_id=result["PhysicalResourceId"]))
    assert not w.fake.exists(SOLUTION_ARN)


@pytest.mark.parametrize(
    ("stack_id", "logical_id", "expected"),
    [
        (
            STACK_ID.replace("/app/", "/other-app/"),
            "Resource",
            "belongs to stack other-app (logical id Resource)",
        ),
        (STACK_ID, "OtherSolution", "belongs to this stack as OtherSolution, not Resource"),
    ],
    ids=["another-stack", "another-logical-id"],
)
def test_fails_when_the_solution_is_owned_by_another_resource(w, stack_id, logical_id, expected):
    # GIVEN a same-named solution made by another stack, or by another resource of this stack
    with w.serving(stack_id):
        w.on_event(solution_event("Create", stack_id=stack_id, logical_id=logical_id))
    # WHEN created THEN refused at once, naming the owner, and that solution is left as it is
    with pytest.raises(DeployError, match=re.escape(expected)):
        w.run(solution_event("Create"))
    assert w.fake.exists(SOLUTION_ARN)
    assert w.counts() == {"CreateSolution": 1}  # counts successful calls: the refused one met AlreadyExists


def test_a_declared_owner_tag_is_replaced_by_the_real_owner(w):
    props = {**PROPS, "Tags": json.dumps([{"tagKey": constants.OWNER_TAG, "tagValue": "forged"}])}
    w.on_event(solution_event("Create", props))
    assert w.tags(SOLUTION_ARN) == {"personalize-cdk:owner": OWNER}


def test_is_complete_waits_until_the_solution_is_active(w):
    # GIVEN a solution just created (the fake takes 30 s)
    raw = solution_event("Create")
    poll = {**raw, **w.on_event(raw)}
    # WHEN polled at once THEN not complete; 30 s later THEN complete with its Data
    assert w.is_complete(poll) == {"IsComplete": False}
    w.clock.advance(30)
    assert w.is_complete(poll) == {"IsComplete": True, "Data": DATA}


def test_fails_when_an_immutable_property_changes(w):
    # GIVEN a new recipe under the same name WHEN updated THEN refused with what to do, no call
    raw = solution_event(
        "Update", {**PROPS, "RecipeArn": OTHER_RECIPE_ARN}, physical_id=SOLUTION_ARN, old_props=PROPS
    )
    with pytest.raises(DeployError) as failure:
        w.on_event(raw)
    assert failure.value.message == (
        "solution shop-up: RecipeArn cannot change on an existing solution; "
        "give the solution a new name to create a new one"
    )
    assert w.fake.calls == []


def test_an_equivalent_solution_config_spelling_is_no_change(w):
    # GIVEN the same solutionConfig written with other whitespace WHEN updated THEN no call
    w.run(solution_event("Create"))
    new = {**PROPS, "SolutionConfig": "{ }"}
    result = w.run(solution_event("Update", new, physical_id=SOLUTION_ARN, old_props=PROPS))
    assert result["PhysicalResourceId"] == SOLUTION_ARN
    assert w.counts() == {"CreateSolution": 1}


def test_update_of_the_schedule_turns_auto_training_on(w):
    # GIVEN our solution, auto-training off WHEN the schedule is declared
    w.run(solution_event("Create"))
    new = {**PROPS, "AutoTrainingSchedule": "rate(3 days)"}
    result = w.run(solution_event("Update", new, physical_id=SOLUTION_ARN, old_props=PROPS))
    # THEN one UpdateSolution, same physical id, and the solution retrains every 3 days
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": STARTED}
    solution = described(w)
    assert solution["performAutoTraining"] is True
    assert solution["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(3 days)"}
    assert w.counts() == {"CreateSolution": 1, "UpdateSolution": 1}


def test_update_of_tags_only_calls_nothing(w):
    w.fake.seed_solution(GROUP_ARN, "shop-up")
    new = {**PROPS, "Tags": '[{"tagKey": "a", "tagValue": "b"}]'}
    result = w.run(solution_event("Update", new, physical_id=ADOPTED_ID, old_props=PROPS))
    assert result == {"PhysicalResourceId": ADOPTED_ID, "Data": {**ADOPTED_DATA, "StartedAt": ANY}}
    assert w.counts() == {}


def test_update_with_a_new_name_creates_the_new_solution(w):
    # GIVEN our solution WHEN renamed (with a new recipe) THEN a second solution; the old one
    # stays for CloudFormation's Delete of the old physical id
    w.run(solution_event("Create"))
    new = {**PROPS, "Name": "shop-up-2", "RecipeArn": OTHER_RECIPE_ARN}
    result = w.run(solution_event("Update", new, physical_id=SOLUTION_ARN, old_props=PROPS))
    assert result["PhysicalResourceId"] == f"{SOLUTION_ARN}-2"
    assert w.fake.exists(SOLUTION_ARN) and w.fake.exists(f"{SOLUTION_ARN}-2")
    assert w.counts() == {"CreateSolution": 2}


def test_delete_stops_the_version_still_training_then_deletes_the_solution(w):
    # GIVEN our solution with a version still training
    w.run(solution_event("Create"))
    version = w.fake.seed_solution_version(SOLUTION_ARN, status="CREATE IN_PROGRESS")
    # WHEN deleted and polled (DeleteSolution is refused while the version is stopping)
    result = w.run(solution_event("Delete", physical_id=SOLUTION_ARN))
    # THEN the training stopped, and the solution (with its versions) is gone
    assert result["PhysicalResourceId"] == SOLUTION_ARN
    assert not w.fake.exists(SOLUTION_ARN) and not w.fake.exists(version)
    assert w.count("StopSolutionVersionCreation") == 1
    assert w.count("DeleteSolution") == 1


def test_delete_of_a_missing_solution_succeeds(w):
    result = w.run(solution_event("Delete", physical_id=SOLUTION_ARN))
    assert result["PhysicalResourceId"] == SOLUTION_ARN
    assert w.counts() == {}


def test_delete_of_an_adopted_solution_with_nothing_recorded_releases_it_without_a_write(w):
    w.fake.seed_solution(GROUP_ARN, "shop-up")
    w.run(solution_event("Delete", physical_id=ADOPTED_ID))
    assert w.fake.exists(SOLUTION_ARN)
    assert w.counts() == {}
    assert any("releasing adopted solution" in line for line in w.logs)


# ---- request and response shapes the fake cannot produce (Stubber) --------------------------


def solution_shape(**fields: Any) -> dict[str, Any]:
    return {"solution": {"name": "shop-up", "solutionArn": SOLUTION_ARN, "recipeArn": RECIPE_ARN, **fields}}


def test_fails_when_the_solution_is_create_failed(stub):
    raw = {**solution_event("Create"), "PhysicalResourceId": SOLUTION_ARN, "Data": DATA}
    stub.answer("describe_solution", solution_shape(status="CREATE FAILED"), {"solutionArn": SOLUTION_ARN})
    with pytest.raises(DeployError) as failure:
        stub.is_complete(raw)
    assert failure.value.message == "solution shop-up failed: Personalize gives no reason (see the console)"


def test_fails_when_the_auto_training_update_failed(stub):
    # GIVEN an adopted solution whose UpdateSolution to the declared auto-training (off) FAILED
    raw = {**solution_event("Create"), "PhysicalResourceId": ADOPTED_ID, "Data": {}}
    failed = {"status": "CREATE FAILED", "performAutoTraining": False, "failureReason": "quota"}
    answer = solution_shape(status="ACTIVE", performAutoTraining=True, latestSolutionUpdate=failed)
    stub.answer("describe_solution", answer, {"solutionArn": SOLUTION_ARN})
    # WHEN polled THEN the deploy fails with Personalize's reason
    with pytest.raises(DeployError) as failure:
        stub.is_complete(raw)
    assert failure.value.message == "solution shop-up: auto-training update failed: quota"


def test_update_of_tags_on_our_solution_tags_and_untags_only_the_config_keys(w):
    # GIVEN our solution, made with tags a=1 and b=2 (and the owner tag)
    old = {**PROPS, "Tags": '[{"tagKey": "a", "tagValue": "1"}, {"tagKey": "b", "tagValue": "2"}]'}
    w.run(solution_event("Create", old))
    # WHEN the config changes a, drops b and adds c
    new = {**PROPS, "Tags": '[{"tagKey": "a", "tagValue": "9"}, {"tagKey": "c", "tagValue": "3"}]'}
    result = w.run(solution_event("Update", new, physical_id=SOLUTION_ARN, old_props=old))
    # THEN one TagResource (a, c), one UntagResource (b); the owner tag stays; nothing else written
    assert result == {"PhysicalResourceId": SOLUTION_ARN, "Data": STARTED}
    assert w.counts() == {"CreateSolution": 1, "TagResource": 1, "UntagResource": 1}
    tags = w.describe("ListTagsForResource", resourceArn=SOLUTION_ARN)["tags"]
    assert {t["tagKey"]: t["tagValue"] for t in tags} == {"a": "9", "c": "3", "personalize-cdk:owner": OWNER}


def test_delete_of_an_adopted_solution_gives_its_auto_training_back_once_even_delivered_twice(w):
    # GIVEN the notebook's solution (auto-training on) adopted, auto-training turned off
    w.fake.seed_solution(GROUP_ARN, "shop-up", perform_auto_training=True)
    w.run(solution_event("Create"))
    assert described(w)["performAutoTraining"] is False
    # WHEN its Delete is delivered twice
    for _ in range(2):
        assert w.run(solution_event("Delete", physical_id=ADOPTED_ID))["PhysicalResourceId"] == ADOPTED_ID
    # THEN auto-training is on again with its schedule, the record removed, the solution kept
    assert described(w)["performAutoTraining"] is True
    assert described(w)["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(7 days)"}
    assert w.describe("ListTagsForResource", resourceArn=SOLUTION_ARN)["tags"] == []
    assert w.counts() == {"TagResource": 1, "UpdateSolution": 2, "UntagResource": 1}

"""The one reading of a solution's auto-training (`lambda_handlers.auto_training`).

DescribeSolution answers come from botocore's `Stubber` (which checks them against the service
model's output shape) where the fake cannot make them (a failed update, an answer without a
schedule), and from the fake over HTTP for the lifecycle of an update.
"""

# Fixtures are imported by name and then requested as parameters: F811 is expected here.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lambda_handlers import contract
from lambda_handlers.auto_training import AutoTraining, Reading, read
from tests.fixtures import clock, fake_personalize, personalize_client  # noqa: F401

SOLUTION_ARN = "arn:aws:personalize:us-east-1:111111111111:solution/shop-up"
RECIPE_ARN = "arn:aws:personalize:::recipe/aws-user-personalization"
OFF = AutoTraining(False, "")
WEEKLY = AutoTraining(True, "rate(7 days)")
EVERY_3_DAYS = AutoTraining(True, "rate(3 days)")


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("personalize", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def described(stubbed: tuple[Any, Stubber], **fields: Any) -> dict[str, Any]:
    """A DescribeSolution answer, as botocore's model lets it be, through a real client."""
    client, stubber = stubbed
    answer = {"solution": {"name": "shop-up", "solutionArn": SOLUTION_ARN, "recipeArn": RECIPE_ARN, **fields}}
    stubber.add_response("describe_solution", answer, {"solutionArn": SOLUTION_ARN})
    return dict(client.describe_solution(solutionArn=SOLUTION_ARN)["solution"])


def weekly_solution(**fields: Any) -> dict[str, Any]:
    config = {"autoTrainingConfig": {"schedulingExpression": "rate(7 days)"}}
    return {"status": "ACTIVE", "performAutoTraining": True, "solutionConfig": config, **fields}


def update(status: str, *, auto: bool, schedule: str | None = None, **fields: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"status": status, "performAutoTraining": auto, **fields}
    if schedule is not None:
        summary["solutionUpdateConfig"] = {"autoTrainingConfig": {"schedulingExpression": schedule}}
    return summary


@pytest.mark.parametrize("pending_status", ["CREATE PENDING", "CREATE IN_PROGRESS"])
def test_an_update_in_progress_is_pending_and_the_old_setting_stays_in_force(stubbed, pending_status):
    # GIVEN a weekly auto-training solution whose update to "off" has not finished
    answer = described(stubbed, **weekly_solution(latestSolutionUpdate=update(pending_status, auto=False)))
    # WHEN read
    reading = read(answer)
    # THEN the old setting is in force and the update's is reported as pending
    assert reading == Reading(in_force=WEEKLY, pending=OFF)


def test_a_failed_update_leaves_the_solutions_own_setting_and_nothing_pending(stubbed):
    # GIVEN a weekly solution whose update to every 3 days FAILED
    failed = update("CREATE FAILED", auto=True, schedule="rate(3 days)", failureReason="quota")
    answer = described(stubbed, **weekly_solution(latestSolutionUpdate=failed))
    # WHEN read THEN the top level stands and nothing is pending
    assert read(answer) == Reading(in_force=WEEKLY, pending=None)


def test_an_active_update_is_read_from_the_solution_not_from_the_update_summary(stubbed):
    # GIVEN an answer whose solution fields and ACTIVE update summary disagree (the reading's choice)
    done = update("ACTIVE", auto=True, schedule="rate(3 days)")
    answer = described(stubbed, **weekly_solution(latestSolutionUpdate=done))
    # WHEN read THEN the solution's own fields are in force, and an ACTIVE update is not pending
    assert read(answer) == Reading(in_force=WEEKLY, pending=None)


def test_absent_members_take_the_api_defaults(stubbed):
    # GIVEN an answer with neither performAutoTraining nor a schedule, never updated
    answer = described(stubbed, status="ACTIVE")
    # WHEN read THEN auto-training is on every 7 days, as CreateSolution's defaults are
    expected = AutoTraining(contract.API_DEFAULT_AUTO_TRAINING, contract.API_DEFAULT_SCHEDULE)
    assert read(answer) == Reading(in_force=expected, pending=None)


def test_the_fake_applies_an_update_only_once_it_is_active(fake_personalize, personalize_client, clock):
    # GIVEN an ACTIVE solution of the fake without auto-training
    group = fake_personalize.seed_dataset_group("shop")
    arn = personalize_client.create_solution(
        name="shop-up", datasetGroupArn=group, recipeArn=RECIPE_ARN, performAutoTraining=False
    )["solutionArn"]
    clock.advance(fake_personalize.durations.solution_create)
    # WHEN auto-training is turned on every 3 days
    personalize_client.update_solution(
        solutionArn=arn,
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
    )
    # THEN while the update runs it is pending and "off" stays in force
    first = read(personalize_client.describe_solution(solutionArn=arn)["solution"])
    assert first == Reading(in_force=OFF, pending=EVERY_3_DAYS)
    # AND once it is ACTIVE it is in force, nothing pending
    clock.advance(fake_personalize.durations.solution_update)
    then = read(personalize_client.describe_solution(solutionArn=arn)["solution"])
    assert then == Reading(in_force=EVERY_3_DAYS, pending=None)

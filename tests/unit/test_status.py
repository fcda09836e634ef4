"""Terminal statuses are an allow-list, read against botocore's model, in both spellings."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.model import StructureShape

from lambda_handlers.constants import LINK_SECONDS, Status
from lambda_handlers.errors import DeployError
from lambda_handlers.kernel import status
from lambda_handlers.kernel.wait import Budget
from tests.unit import SOLUTION_ARN
from tests.unit.test_solution import solution_event, solution_shape
from tests.unit.test_training_wait import props as wait_props
from tests.unit.test_training_wait import wait_event

MODEL = botocore.session.get_session().get_service_model("personalize")
STATE = re.compile(r"\b(?:(?:CREATE|DELETE) (?:PENDING|IN_PROGRESS|FAILED|STOPPING|STOPPED)|ACTIVE)\b")
KEY = "latestCampaignUpdate"


def documented(shape: str) -> set[str]:
    """The states botocore's model lists (in prose) for a shape's `status` member."""
    found = MODEL.shape_for(shape)
    assert isinstance(found, StructureShape)
    return set(STATE.findall(found.members["status"].documentation))


def test_the_model_types_status_as_a_plain_string_so_its_documentation_is_the_source():
    # GIVEN botocore's Personalize model
    shape = MODEL.shape_for("Status")
    # THEN the status fields have no enum to derive from (the docstring says so)
    assert shape.type_name == "string" and "enum" not in shape.metadata


def test_known_statuses_are_those_the_model_documents():
    # GIVEN the states documented for the resources and updates the handlers wait on
    resources = ("Campaign", "Solution", "SolutionVersion")
    updates = ("CampaignUpdateSummary", "SolutionUpdateSummary")
    listed = set().union(*(documented(s) for s in resources + updates))
    # THEN our allow-lists name exactly those states
    assert listed == status.KNOWN
    # AND an update ends ACTIVE or CREATE FAILED
    for shape in updates:
        assert documented(shape) - {*Status.CREATING, *Status.DELETING} == status.UPDATE_TERMINAL


def test_both_spellings_of_the_reference_are_one_status():
    # GIVEN the underscore spelling of StopSolutionVersionCreation's page
    page = re.sub(r"<[^>]+>", " ", MODEL.operation_model("StopSolutionVersionCreation").documentation)
    assert "CREATE_STOPPED" in page
    # THEN each reads as the spaced spelling, IN_PROGRESS kept
    assert status.canonical("CREATE_STOPPED") == Status.STOPPED[1]
    assert status.canonical("CREATE_IN_PROGRESS") == "CREATE IN_PROGRESS"
    assert status.canonical("CREATE IN_PROGRESS") == "CREATE IN_PROGRESS"
    assert status.canonical(None) == ""


def test_an_underscored_update_in_progress_is_still_waited_on():
    logged: list[str] = []
    campaign = {"status": "ACTIVE", KEY: {"status": "CREATE_PENDING"}}
    assert status.ready(campaign, what="campaign c", update_key=KEY, log=logged.append) is False
    assert not status.is_idle(campaign, KEY)
    assert logged == []


def test_an_unknown_update_status_polls_with_one_log_line():
    # GIVEN an ACTIVE campaign whose latest update has a status no page lists (was counted as done)
    logged: list[str] = []
    campaign = {"status": "ACTIVE", KEY: {"status": "CREATE QUEUED"}}
    # WHEN its wait polls
    done = status.ready(campaign, what="campaign c", update_key=KEY, log=logged.append)
    # THEN it keeps waiting, says so once, and no write is attempted meanwhile
    assert done is False
    assert logged == ["campaign c: unknown latest update status 'CREATE QUEUED', waiting as if in progress"]
    assert not status.is_idle(campaign, KEY)


def test_an_unknown_resource_status_polls_with_one_log_line():
    logged: list[str] = []
    solution = {"status": "CREATE QUEUED"}
    done = status.ready(solution, what="solution s", update_key="latestSolutionUpdate", log=logged.append)
    assert done is False
    assert logged == ["solution s: unknown status 'CREATE QUEUED', waiting as if in progress"]


def test_an_ended_update_and_a_never_updated_resource_are_ready():
    for update in ({"status": "ACTIVE"}, {"status": "CREATE FAILED"}, {}):
        campaign = {"status": "ACTIVE", KEY: update}
        assert status.ready(campaign, what="campaign c", update_key=KEY, log=pytest.fail) is True


def test_fails_when_the_wait_outlives_its_budget_naming_the_unknown_status():
    # GIVEN a wait that began an hour ago on an update in a status no page lists
    campaign = {"status": "ACTIVE", KEY: {"status": "CREATE QUEUED"}}
    budget = Budget(started_at=0.0, seconds=3300)
    # WHEN it polls past its budget
    with pytest.raises(DeployError) as failure:
        status.ready(campaign, what="campaign c", update_key=KEY, log=lambda _: None, budget=budget, now=3600)
    # THEN CloudFormation's failure names both statuses waited on
    assert failure.value.message.startswith(
        "campaign c still ACTIVE (latest update CREATE QUEUED) after 55 min"
    )


def test_fails_when_a_known_status_cannot_become_active():
    with pytest.raises(DeployError, match="is DELETE PENDING, expected ACTIVE"):
        status.ready({"status": "DELETE_PENDING"}, what="campaign c", update_key=KEY, log=pytest.fail)


# ---- through the solution handler --------------------------------------------------------------
START = 1767225600  # the virtual clock's start in epoch seconds
QUEUED = {"status": "CREATE QUEUED", "performAutoTraining": False}


def polled(stub, started_at: int) -> dict:
    """The solution's isComplete, its onEvent having started the wait at `started_at`."""
    data = {"SolutionArn": SOLUTION_ARN, "Adopted": "false", "StartedAt": str(started_at)}
    raw = {**solution_event("Create"), "PhysicalResourceId": SOLUTION_ARN, "Data": data}
    answer = solution_shape(status="ACTIVE", performAutoTraining=False, latestSolutionUpdate=QUEUED)
    stub.answer("describe_solution", answer, {"solutionArn": SOLUTION_ARN})
    return raw


def test_an_unknown_solution_update_status_polls_where_it_used_to_count_as_done(stub):
    # GIVEN an ACTIVE solution, auto-training off as declared, its latest update in an unknown status
    raw = polled(stub, START)
    # WHEN isComplete polls THEN it keeps waiting, with one log line naming the status
    assert stub.is_complete(raw) == {"IsComplete": False}
    assert [line for line in stub.logs if "CREATE QUEUED" in line] == [
        "solution shop-up: unknown latest update status 'CREATE QUEUED', waiting as if in progress"
    ]


def test_fails_when_the_solution_wait_reaches_its_deadline_naming_the_unknown_update_status(stub):
    # GIVEN the same solution, its wait begun LINK_SECONDS ago
    raw = polled(stub, START - LINK_SECONDS)
    # WHEN isComplete polls THEN CloudFormation gets a failure naming both statuses
    with pytest.raises(DeployError) as failure:
        stub.is_complete(raw)
    assert failure.value.message.startswith(
        "solution shop-up still ACTIVE (latest update CREATE QUEUED) after 55 min"
    )


def test_an_unknown_version_status_keeps_the_wait_link_polling_with_one_log_line(stub):
    # GIVEN a wait link on a version in a status no page lists
    version = f"{SOLUTION_ARN}/abcd1234"
    answer = {"solutionVersion": {"solutionVersionArn": version, "status": "CREATE QUEUED"}}
    stub.answer("describe_solution_version", answer, {"solutionVersionArn": version})
    raw = {**wait_event("Create", wait_props(version)), "Data": {"StartedAt": str(START)}}
    # WHEN it polls inside its budget THEN it waits, saying why once
    assert stub.is_complete(raw) == {"IsComplete": False}
    assert [line for line in stub.logs if "CREATE QUEUED" in line] == [
        f"solution version {version}: unknown status 'CREATE QUEUED', waiting as if in progress"
    ]

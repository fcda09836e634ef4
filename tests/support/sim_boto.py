"""Unmodified boto3 CloudFormation and SSM clients whose requests the deploy simulator answers.

`ops.reader.Boto3Stack` is the code `make status` and `make drift` run in an account; over these
clients it reads a simulated stack, so the requests it sends (operation, parameters, after
botocore's own validation) are the real ones. Answers come from `SimulatedStack` and have the
shapes of the API references' outputs (DescribeStacks `Stacks`, DescribeStackEvents
`StackEvents` newest first, DescribeStackResources `StackResources`, GetTemplate `TemplateBody`,
SSM GetParameters `Parameters` / `InvalidParameters`). botocore's `before-call` event lets a
handler answer instead of the network, as botocore's own Stubber does.

`stack_name` is the name the reader asks for (the config's); the simulator's stack answers to
it and to its id, `stack_id(stack_name)`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from ops.reader import StackNotFoundError
from simulation.cloudformation.intrinsics import ACCOUNT_ID, REGION
from tests.support.sim_reader import SimulatedStack

Answer = Callable[[Mapping[str, Any]], dict[str, Any]]


def stack_id(stack_name: str) -> str:
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{stack_name}/{uuid.uuid5(uuid.NAMESPACE_URL, stack_name)}"


class _MissingError(Exception):
    pass


def _cloudformation(reader: SimulatedStack, stack_name: str) -> dict[str, Answer]:
    def own(params: Mapping[str, Any]) -> None:
        if params.get("StackName") not in (stack_name, stack_id(stack_name)):
            raise _MissingError(f"Stack with id {params.get('StackName')} does not exist")
        try:
            reader.stack()
        except StackNotFoundError:
            raise _MissingError(f"Stack with id {params.get('StackName')} does not exist") from None

    def describe_stacks(params: Mapping[str, Any]) -> dict[str, Any]:
        own(params)
        info = reader.stack()
        return {
            "Stacks": [
                {
                    "StackName": stack_name,
                    "StackId": stack_id(stack_name),
                    "StackStatus": info.status,
                    "StackStatusReason": info.reason,
                }
            ]
        }

    def describe_stack_events(params: Mapping[str, Any]) -> dict[str, Any]:
        own(params)
        events = [
            {"LogicalResourceId": e.logical_id, "ResourceStatus": e.status, "ResourceStatusReason": e.reason}
            for e in reversed(reader.sim.events)
        ]
        return {"StackEvents": events}

    def describe_stack_resources(params: Mapping[str, Any]) -> dict[str, Any]:
        own(params)
        found = [
            {
                "LogicalResourceId": r.logical_id,
                "ResourceType": r.type,
                "PhysicalResourceId": r.physical_id,
                "ResourceStatus": r.status,
            }
            for r in reader.resources().values()
        ]
        return {"StackResources": found}

    def get_template(params: Mapping[str, Any]) -> dict[str, Any]:
        own(params)
        return {"TemplateBody": json.dumps(reader.template())}

    return {
        "DescribeStacks": describe_stacks,
        "DescribeStackEvents": describe_stack_events,
        "DescribeStackResources": describe_stack_resources,
        "GetTemplate": get_template,
    }


def _ssm(reader: SimulatedStack) -> dict[str, Answer]:
    def get_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
        names = list(params["Names"])
        found = reader.parameters(names)
        return {
            "Parameters": [{"Name": n, "Value": v, "Type": "String"} for n, v in found.items()],
            "InvalidParameters": [n for n in names if n not in found],
        }

    return {"GetParameters": get_parameters}


def _answered(service: Literal["cloudformation", "ssm"], answers: dict[str, Answer]) -> Any:
    client = boto3.session.Session(
        region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client(service)

    def keep(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["api_params"] = dict(params)  # `before-call` sees the serialized request only

    def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        if model.name not in answers:
            raise NotImplementedError(f"{service}:{model.name} is not answered by the simulator")
        try:
            return AWSResponse("", 200, HTTPHeaders(), None), answers[model.name](context["api_params"])
        except _MissingError as exc:
            error = {"Error": {"Code": "ValidationError", "Message": str(exc)}}
            return AWSResponse("", 400, HTTPHeaders(), None), error

    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-parameter-build.{service_id}", keep)
    client.meta.events.register(f"before-call.{service_id}", answer)
    return client


def simulated_clients(reader: SimulatedStack, stack_name: str) -> tuple[Any, Any]:
    """(cloudformation, ssm) boto3 clients answered from `reader`'s simulated stack."""
    return _answered("cloudformation", _cloudformation(reader, stack_name)), _answered("ssm", _ssm(reader))

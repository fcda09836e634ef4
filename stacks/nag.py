"""cdk-nag (AwsSolutions) acknowledgments: each names one finding on one construct and why.

cdk-nag 3 finding ids embed logical ids, so the ids are computed from the constructs they
concern rather than typed out: a rename changes both sides together.
"""

from aws_cdk import Acknowledgment, CfnResource, Stack, Token, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from stacks.data_layer import DataLayer
from stacks.provider import PROVIDER_ID, PersonalizeProvider

BASIC_EXECUTION_ROLE = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def _pseudo(stack: Stack) -> dict[str, str]:
    """Partition, region and account as cdk-nag spells them in finding ids: `<AWS::Region>` in an
    environment-agnostic stack, the literal value (`eu-west-1`) in a stack with a concrete env."""
    values = {"Partition": stack.partition, "Region": stack.region, "AccountId": stack.account}
    return {k: f"<AWS::{k}>" if Token.is_unresolved(v) else v for k, v in values.items()}


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason))


def _arn_ref(fn: lambda_.IFunction) -> str:
    child = fn.node.default_child
    assert isinstance(child, CfnResource)
    return f"<{Stack.of(fn).get_logical_id(child)}.Arn>"


def acknowledge_provider(provider: PersonalizeProvider, solution_names: list[str]) -> None:
    framework = provider.provider.node
    for fid in ("framework-onEvent", "framework-isComplete", "framework-onTimeout"):
        fn = framework.find_child(fid)
        _ack(
            fn,
            BASIC_EXECUTION_ROLE,
            "aws-cdk-lib's Provider framework function; this managed policy grants CloudWatch Logs "
            "writes only",
        )
    for target in (provider.on_event, provider.is_complete):
        _ack(
            provider.provider,
            f"AwsSolutions-IAM5[Resource::{_arn_ref(target)}:*]",
            "the framework invokes our handler by qualified ARN (versions/aliases): ':*' covers only them",
        )
    for fid in ("framework-isComplete", "framework-onTimeout"):
        fn = framework.find_child(fid)
        assert isinstance(fn, lambda_.Function)
        _ack(
            provider.provider,
            f"AwsSolutions-IAM5[Resource::{_arn_ref(fn)}:*]",
            "the waiter state machine invokes the framework's own functions by qualified ARN",
        )
    _ack(
        provider.provider,
        "AwsSolutions-SF2",
        "the waiter state machine only polls isComplete every 30 s; traces would add cost, not insight "
        "(each poll is logged by the handler)",
    )
    _ack(
        provider.provider,
        "AwsSolutions-IAM5[Resource::*]",
        "the waiter state machine's CloudWatch Logs delivery actions (logs:CreateLogDelivery and "
        "friends) take no resource ARN",
    )
    env = _pseudo(Stack.of(provider))
    for name in solution_names:
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::arn:{env['Partition']}:personalize:{env['Region']}:"
            f"{env['AccountId']}:solution/{name}/*]",
            f"solution versions of {name} get ids Personalize generates under the solution's ARN",
        )


def acknowledge_data_layer(data: DataLayer) -> None:
    if not hasattr(data, "bucket"):
        return
    bucket_child = data.bucket.node.default_child
    assert isinstance(bucket_child, CfnResource)
    bucket_id = Stack.of(data).get_logical_id(bucket_child)
    _ack(
        data.bucket,
        "AwsSolutions-S1",
        "holds only training CSVs that Personalize reads; reads are auditable with CloudTrail data "
        "events, and a log bucket would need its own log bucket",
    )
    _ack(
        data.role,
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/datasets/*]",
        "Personalize reads the content-hashed CSV keys under datasets/ only",
    )
    if not any(child.node.id.endswith("DataCopy") for child in data.node.children):
        return
    provider = Stack.of(data).node.try_find_child(PROVIDER_ID)
    assert isinstance(provider, PersonalizeProvider)
    _ack(
        provider.role,
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/datasets/*]",
        "the data copy writes and prunes the content-hashed data files under datasets/ of this stack's "
        "own data bucket; their keys are known only at deploy time",
    )

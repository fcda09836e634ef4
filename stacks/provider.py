"""The one Provider per stack that serves every Personalize custom resource.

A provider per resource would cost five Lambda functions and a state machine each; one shared
provider keeps the function count constant however many solutions a stack declares. Its
construct path and function names never change: CloudFormation refuses a changed ServiceToken.
"""

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from lambda_handlers import constants
from stacks.permissions import STACK_ACTIONS, STACK_SID, HandlerPolicy

REPO_ROOT = Path(__file__).resolve().parent.parent
PROVIDER_ID = "PersonalizeProvider"

# The asset holds only the lambda_handlers package, so `lambda_handlers.entry` imports as in tests.
ASSET_EXCLUDE = ["*", ".*", "!lambda_handlers", "!lambda_handlers/**", "**/__pycache__", "**/*.pyc"]


class PersonalizeProvider(Construct):
    """onEvent + isComplete Lambdas over the lambda_handlers package, and the Provider."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Personalize custom resource handlers (onEvent, isComplete)",
        )
        # What the handlers may do: each construct with a custom resource registers its part.
        self.policy = HandlerPolicy(self.role, self)
        code = lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE)
        self.on_event = self._function(
            "OnEvent",
            "lambda_handlers.entry.on_event",
            code,
            Duration.seconds(constants.HANDLER_TIMEOUT_SECONDS),
        )
        self.is_complete = self._function(
            "IsComplete",
            "lambda_handlers.entry.is_complete",
            code,
            Duration.seconds(constants.HANDLER_TIMEOUT_SECONDS),
        )
        framework_logs = logs.LogGroup(
            self,
            "FrameworkLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event,
            is_complete_handler=self.is_complete,
            query_interval=Duration.seconds(constants.QUERY_INTERVAL_SECONDS),
            total_timeout=Duration.seconds(constants.PROVIDER_TOTAL_TIMEOUT_SECONDS),
            log_group=framework_logs,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=framework_logs, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        self.policy.allow(STACK_SID, STACK_ACTIONS, [Stack.of(self).stack_id])

    def _function(self, fid: str, handler: str, code: lambda_.Code, timeout: Duration) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{fid}Logs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group.grant_write(self.role)
        return lambda_.Function(
            self,
            fid,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            timeout=timeout,
            memory_size=256,
            role=self.role,
            log_group=log_group,
            # One JSON object per record, the request's fields as keys (`lambda_handlers.logs`);
            # INFO: the level the handlers log at.
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            description=f"Personalize custom resources: {handler}",
            # The handlers serve events of this stack only, and ask CloudFormation about it only.
            environment={constants.STACK_ID_ENV: Stack.of(self).stack_id},
        )

    @property
    def service_token(self) -> str:
        return self.provider.service_token


def personalize_provider(scope: Construct) -> PersonalizeProvider:
    """Find or create the stack's single provider."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(PROVIDER_ID)
    if isinstance(existing, PersonalizeProvider):
        return existing
    return PersonalizeProvider(stack, PROVIDER_ID)

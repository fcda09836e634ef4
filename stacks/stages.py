"""One deployment of a config, the same whether `cdk deploy -c config=...` or a pipeline stage
deploys it: same stack name (set explicitly, a Stage never prefixes it), same account and
region (the config's `env`), same cdk-nag checks.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from stacks.config_model import AppConfig
from stacks.drift_role import DriftReaderTrust
from stacks.personalize_stack import PersonalizeStack


def personalize_stack(
    scope: Construct, config: AppConfig, *, drift_reader: DriftReaderTrust | None = None
) -> PersonalizeStack:
    """The config's PersonalizeStack, its construct id = its stack name = `resolved_stack_name`."""
    return PersonalizeStack(scope, config.resolved_stack_name, config=config, drift_reader=drift_reader)


class PersonalizeStage(cdk.Stage):
    """A pipeline stage: the config's stack in the config's account and region.

    Props (keyword-only): config — a validated stage config; its `env` is required;
    drift_reader — the pipeline's drift step role, the only principal the stack's read-only
    drift role trusts (None: no drift role).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        drift_reader: DriftReaderTrust | None = None,
    ) -> None:
        if config.env is None:
            raise ValueError(f"stage {construct_id}: the config has no env (account, region)")
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=config.env.account, region=config.env.region),
        )
        self.stack = personalize_stack(self, config, drift_reader=drift_reader)
        # Validation plugins belong to one Stage: the app's do not reach a nested stage.
        cdk.Validations.of(self).add_plugins(AwsSolutionsChecks())


def env_var_name(logical_id: str) -> str:
    """`SolutionUserPersonalization` → `SOLUTION_USER_PERSONALIZATION` (a valid env var name)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", logical_id).upper()


def outputs_for_pipeline(stack: PersonalizeStack) -> Mapping[str, cdk.CfnOutput]:
    """Env var name → the stack's export outputs (trained versions with metrics, ARNs), read-only."""
    outputs = {
        env_var_name(stack.resolve(child.logical_id)): child
        for child in stack.exports.node.children
        if isinstance(child, cdk.CfnOutput)
    }
    return MappingProxyType(dict(sorted(outputs.items())))

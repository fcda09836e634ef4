"""One deployment of a config, the same whether `cdk deploy -c config=...` or a pipeline stage
deploys it: same stack name (set explicitly, a Stage never prefixes it), same account and
region (the config's `env`), same cdk-nag checks.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from stacks.config_model import AppConfig
from stacks.personalize_stack import PersonalizeStack

# A pseudo parameter as cdk-nag writes it in a finding id of an environment-agnostic stack.
_PSEUDO = re.compile(r"<AWS::(Partition|Region|AccountId)>")


def personalize_stack(scope: Construct, config: AppConfig) -> PersonalizeStack:
    """The config's PersonalizeStack, its construct id = its stack name = `resolved_stack_name`."""
    stack = PersonalizeStack(scope, config.resolved_stack_name, config=config)
    acknowledge_with_env_literals(stack)
    return stack


class PersonalizeStage(cdk.Stage):
    """A pipeline stage: the config's stack in the config's account and region.

    Props (keyword-only): config — a validated stage config; its `env` is required.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        if config.env is None:
            raise ValueError(f"stage {construct_id}: the config has no env (account, region)")
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=config.env.account, region=config.env.region),
        )
        self.stack = personalize_stack(self, config)
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


def _acknowledged(construct: IConstruct) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY and isinstance(entry.data, dict):
            found.update({str(k): str(v) for k, v in entry.data.items()})
    return found


def acknowledge_with_env_literals(stack: cdk.Stack) -> None:
    """Repeat pseudo-parameter acknowledgments with this stack's literal partition/region/account.

    Acknowledgments are written for an environment-agnostic stack (`<AWS::Region>`); with a
    concrete env, cdk-nag's finding ids carry the literals instead (`eu-west-1`). Same finding,
    same reason: only the spelling of the id differs. A no-op for environment-agnostic stacks.
    """
    literals: dict[str, Any] = {
        "Partition": stack.partition,
        "Region": stack.region,
        "AccountId": stack.account,
    }
    if any(cdk.Token.is_unresolved(v) for v in literals.values()):
        return
    for construct in stack.node.find_all():
        for rule_id, reason in _acknowledged(construct).items():
            if not _PSEUDO.search(rule_id):
                continue
            literal_id = _PSEUDO.sub(lambda m: str(literals[m.group(1)]), rule_id)
            cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=literal_id, reason=reason))

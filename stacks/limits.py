"""The hard limits a deploy of this stack meets, checked at synth so that a config past one
fails there, naming the limit, instead of at deploy.

- CloudFormation: 500 resources and 200 outputs per stack (CDK itself refuses more than 500
  with a traceback, so resources and outputs are counted on the construct tree, before
  `app.synth()`), 1,000,000 bytes per template (uploaded through S3).
- IAM: a managed policy holds 6,144 characters and a role's inline policies 10,240 together,
  whitespace not counted, *after* CloudFormation resolved every ARN: sizes are computed with a
  real-length account id, the longest partition and region names (or the stack's own), and
  stand-ins for resource ARNs at least as long as real ones.
- The custom resource response (4,096 bytes) does not grow with the number of resources: see
  `bench/scale.py` for its worst case.

Adjustable Personalize quotas are warnings, not limits: `quota_warnings`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, CfnResource, Stack

from stacks.config_model import AppConfig
from stacks.config_model.errors import Problem


@dataclass(frozen=True)
class Limit:
    name: str
    value: int


RESOURCES = Limit("CloudFormation resources per stack", 500)
OUTPUTS = Limit("CloudFormation outputs per stack", 200)
TEMPLATE_BYTES = Limit("CloudFormation template size", 1_000_000)
MANAGED_POLICY_CHARS = Limit("IAM managed policy size", 6_144)
ROLE_INLINE_CHARS = Limit("IAM inline policies per role", 10_240)
RESPONSE_BYTES = Limit("custom resource response size", 4_096)
HARD_LIMITS = (RESOURCES, OUTPUTS, TEMPLATE_BYTES, MANAGED_POLICY_CHARS, ROLE_INLINE_CHARS, RESPONSE_BYTES)

# Longest names an env-agnostic stack may resolve to (partition aws-us-gov; regions such as
# ap-southeast-5 have 14 characters); an account id always has 12 digits.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_REGION = "ap-southeast-5"
ACCOUNT_STAND_IN = "123456789012"
# CloudFormation-generated physical names: stack name (≤128) + logical id + 13-char suffix; a
# stand-in of 160 characters is at least as long as any generated name in this stack.
PHYSICAL_STAND_IN_LENGTH = 160
FIX_HINT = (
    "lower training.max_wait_minutes (fewer wait links per solution) or split the solutions "
    "across configs (one stack each)"
)


def tree_problems(stack: Stack, config: AppConfig) -> list[Problem]:
    """Resources and outputs of the built stack, before CDK's synth refuses them with a traceback."""
    resources = sum(isinstance(c, CfnResource) for c in stack.node.find_all())
    outputs = sum(isinstance(c, CfnOutput) for c in stack.node.find_all())
    problems: list[Problem] = []
    counts = (
        f"{len(config.solutions)} solutions, {len(config.campaigns)} campaigns, {len(config.filters)} filters"
    )
    if resources > RESOURCES.value:
        problems.append(
            Problem(
                "solutions",
                f"{counts} need {resources} resources; past the {RESOURCES.name} limit "
                f"({RESOURCES.value}): {FIX_HINT}",
            )
        )
    if outputs > OUTPUTS.value:
        problems.append(
            Problem(
                "solutions",
                f"{counts} need {outputs} outputs; past the {OUTPUTS.name} limit ({OUTPUTS.value}): "
                "split the config into two stacks",
            )
        )
    return problems


@dataclass(frozen=True)
class Environment:
    partition: str
    region: str
    account: str

    @classmethod
    def of(cls, config: AppConfig) -> Environment:
        if config.env is None:
            return cls(LONGEST_PARTITION, LONGEST_REGION, ACCOUNT_STAND_IN)
        region = config.env.region
        partition = (
            "aws-us-gov" if region.startswith("us-gov-") else "aws-cn" if region.startswith("cn-") else "aws"
        )
        return cls(partition, region, config.env.account)


_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class _SizeResolver:
    """Resolves the intrinsics of a policy document to strings at least as long as the real ones."""

    def __init__(self, env: Environment) -> None:
        self.pseudo = {
            "AWS::Partition": env.partition,
            "AWS::Region": env.region,
            "AWS::AccountId": env.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "s" * 128,
        }
        self.env = env

    def physical(self, logical_id: str, attribute: str = "Ref") -> str:
        name = (logical_id + attribute).ljust(PHYSICAL_STAND_IN_LENGTH, "x")
        if attribute == "Ref":
            return name
        env = self.env
        return f"arn:{env.partition}:service:{env.region}:{env.account}:resource/{name}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.pseudo.get(str(arg)) or self.physical(str(arg))
            if key == "Fn::GetAtt":
                lid, attr = (arg if isinstance(arg, list) else str(arg).split(".", 1))[:2]
                return self.physical(str(lid), str(attr))
            if key == "Fn::Join":
                return str(arg[0]).join(str(self.resolve(v)) for v in arg[1])
            if key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                return _SUB.sub(lambda m: self.pseudo.get(m.group(1)) or self.physical(m.group(1)), text)
        return {k: self.resolve(v) for k, v in value.items()}


def policy_chars(document: Any, env: Environment) -> int:
    """Characters IAM counts for a policy document (resolved, no whitespace)."""
    resolved = _SizeResolver(env).resolve(document)
    return len(re.sub(r"\s", "", json.dumps(resolved, separators=(",", ":"))))


def iam_sizes(template: Mapping[str, Any], env: Environment) -> dict[str, int]:
    """`managed:<id>` → characters of each managed policy, `role:<id>` → of its inline policies."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    sizes: dict[str, int] = {}
    for lid, res in resources.items():
        props = res.get("Properties") or {}
        if res["Type"] == "AWS::IAM::ManagedPolicy":
            sizes[f"managed:{lid}"] = policy_chars(props["PolicyDocument"], env)
        elif res["Type"] == "AWS::IAM::Role":
            inline = sum(policy_chars(p["PolicyDocument"], env) for p in props.get("Policies") or [])
            sizes[f"role:{lid}"] = sizes.get(f"role:{lid}", 0) + inline
        elif res["Type"] == "AWS::IAM::Policy":
            chars = policy_chars(props["PolicyDocument"], env)
            for role in props.get("Roles") or []:
                if isinstance(role, dict) and "Ref" in role:
                    key = f"role:{role['Ref']}"
                    sizes[key] = sizes.get(key, 0) + chars
    return sizes


def template_problems(template: Mapping[str, Any], template_bytes: int, env: Environment) -> list[Problem]:
    """IAM policy sizes and the template size of a synthesized stack."""
    problems: list[Problem] = []
    for key, chars in sorted(iam_sizes(template, env).items()):
        kind, lid = key.split(":", 1)
        limit = MANAGED_POLICY_CHARS if kind == "managed" else ROLE_INLINE_CHARS
        if chars > limit.value:
            problems.append(
                Problem(
                    "solutions",
                    f"{lid}: {chars} characters once resolved; past the {limit.name} limit "
                    f"({limit.value}): give fewer solutions or campaigns a physical_name outside "
                    "'{project}-', or split the config",
                )
            )
    if template_bytes > TEMPLATE_BYTES.value:
        problems.append(
            Problem(
                "solutions",
                f"the template has {template_bytes} bytes; past the {TEMPLATE_BYTES.name} limit "
                f"({TEMPLATE_BYTES.value}): {FIX_HINT}",
            )
        )
    return problems


def quota_warnings(config: AppConfig) -> list[Problem]:
    """Personalize's adjustable per-dataset-group quotas: a deploy past one fails with
    LimitExceededException unless the account's quota was raised (then set `quotas:`)."""
    warnings: list[Problem] = []
    for field, count, quota, what in (
        ("solutions", len(config.solutions), config.quotas.solutions, "active solutions"),
        ("campaigns", len(config.campaigns), config.quotas.campaigns, "campaigns"),
        ("filters", len(config.filters), config.quotas.filters, "filters"),
    ):
        if count > quota:
            warnings.append(
                Problem(
                    field,
                    f"{count} {what} in one dataset group; Personalize's quota is {quota} "
                    f"(quotas.{field}). If your account's quota was raised, set quotas.{field}: "
                    f"{count} or more; otherwise the deploy fails with LimitExceededException",
                )
            )
    return warnings

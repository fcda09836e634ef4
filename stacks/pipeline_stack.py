"""The promotion pipeline (CDK Pipelines) in the pipeline account.

Source: the repository through a CodeConnections connection. Synth: installs from this
repository's own files (the Makefile's install targets: `npm ci` from package-lock.json, a venv
from the hashed requirements.txt) and runs the same `cdk synth -c pipeline=...` a person runs.
Self-mutating. Then one stage per stage config, in the file's order: an optional manual approval
before it, and after it a step that prints what was deployed (trained versions with their
metrics, ARNs) from the stage stack's outputs, and a drift check (`make drift`) whose role (a
fixed name) alone may assume the stage stack's read-only role (stacks/drift_role.py); it fails
the stage when something was changed outside CloudFormation.

Nothing a build installs floats: the CDK CLI (self-mutation) and cdk-assets (asset publishing)
are the versions package.json pins, and the asset role, which can reach every stage account's
file-publishing role, may start no CodeBuild project but the asset projects (fence_asset_builds).
Every path put on a build's command line is checked against SHELL_SAFE_PATH and quoted.
"""

import json
import os
import re
from pathlib import Path
from typing import Any

from aws_cdk import Aws, Environment, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config_model import ConfigError, Problem
from stacks.config_model.pipeline import PipelineConfig, PipelineStage, shell_safe_path_problem
from stacks.drift_role import DriftReaderTrust
from stacks.pipeline_nag import ASSET_FENCE_ID, acknowledge_pipeline
from stacks.stages import PersonalizeStage, outputs_for_pipeline
from stacks.template_marker import ROLE_NAME_MAX, drift_role_name

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_COMMANDS = ("make .venv/.installed node_modules/.installed",)
# Ubuntu 24.04 with Node.js 22/24 and Python 3.12 among its runtimes (standard:7.0 has no Node 22):
# https://github.com/aws/aws-codebuild-docker-images/blob/master/ubuntu/standard/8.0/runtimes.yml
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_8_0
RUNTIME_VERSIONS = {"nodejs": "22", "python": "3.12"}
# The CodeBuild actions on a project's builds (each is checked on the `project`): the asset fence
# denies them outside the asset projects.
BUILD_ACTIONS = (
    "codebuild:BatchGetBuilds",
    "codebuild:RetryBuild",
    "codebuild:StartBuild",
    "codebuild:StartBuildBatch",
    "codebuild:StopBuild",
)


def pinned_npm_version(package_name: str) -> str:
    """An exact version from package.json's devDependencies (what `npm ci` installs locally)."""
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    version = str(package["devDependencies"][package_name])
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ValueError(f"package.json pins {package_name} as '{version}': give an exact version")
    return version


def cdk_cli_version() -> str:
    """The CDK CLI pinned in package.json, which self-mutation installs."""
    return pinned_npm_version("aws-cdk")


def cdk_assets_version() -> str:
    """cdk-assets pinned in package.json, which asset publishing installs."""
    return pinned_npm_version("cdk-assets")


def drift_step_role_name(pipeline_name: str, stage: str) -> str:
    """`{pipeline}-{stage}-drift`, the pipeline name cut to fit IAM's 64 characters."""
    suffix = f"-{stage}-drift"
    return pipeline_name[: ROLE_NAME_MAX - len(suffix)] + suffix


def repo_relative(path: Path) -> str:
    """The pipeline file as the synth step names it: relative to the repository root."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return os.path.normpath(str(path))


def synth_commands(pipeline_file: str) -> list[str]:
    return [f"npx --no-install cdk synth -c pipeline='{pipeline_file}'"]


def report_commands(stage: str, variables: list[str]) -> list[str]:
    """Print each output on its own line; values stay quoted (summaries are JSON)."""
    lines = [f"echo 'Deployed to stage {stage}:'"]
    lines += [f"printf '%s = %s\\n' {var} \"${var}\"" for var in variables]
    return lines


def drift_commands(config_path: str) -> list[str]:
    """The drift check of one stage: exit 3 (drifted) fails the pipeline action."""
    return [f"make drift CONFIG='{config_path}' ROLE_ARN=\"$DRIFT_ROLE_ARN\""]


def shell_paths(pipeline: PipelineConfig) -> tuple[str, list[str]]:
    """The pipeline file's and each stage config's path as the builds' commands name them;
    ConfigError naming the field when one could be read by the shell as more than a path."""
    pipeline_file = repo_relative(pipeline.path)
    stage_files = [repo_relative(stage.config_path) for stage in pipeline.stages]
    problems = [
        Problem(field, problem)
        for field, path in [
            ("-c pipeline", pipeline_file),
            *((f"stages[{i}].config", p) for i, p in enumerate(stage_files)),
        ]
        if (problem := shell_safe_path_problem(path))
    ]
    if problems:
        raise ConfigError(str(pipeline.path), problems)
    return pipeline_file, stage_files


def fence_asset_builds(pipeline: pipelines.CodePipeline) -> iam.Policy | None:
    """CDK Pipelines lets the asset role start, stop and read builds of any project (`*`: the
    asset projects are created after it). Deny those actions on every project but the asset
    projects, in a policy of its own (the projects reference the role: an inline statement
    would be a cycle). None when the pipeline publishes no file assets."""
    assets = pipeline.node.try_find_child("Assets")
    role = assets.node.try_find_child("FileRole") if assets else None
    if not isinstance(assets, Construct) or not isinstance(role, iam.Role):
        return None
    projects = sorted(
        (p for p in assets.node.find_all() if isinstance(p, codebuild.Project)), key=lambda p: p.node.path
    )
    fence = iam.Policy(
        assets,
        ASSET_FENCE_ID,
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="OnlyAssetProjects",
                effect=iam.Effect.DENY,
                actions=list(BUILD_ACTIONS),
                not_resources=[p.project_arn for p in projects],
            )
        ],
    )
    # The pipeline runs no action before the fence exists.
    cfn_pipeline = pipeline.pipeline.node.default_child
    assert isinstance(cfn_pipeline, codepipeline.CfnPipeline)
    cfn_pipeline.node.add_dependency(fence)
    return fence


def drift_role_arn(account: str, stack_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{account}:role/{drift_role_name(stack_name)}"


def pseudo_join_as_sub(value: Any) -> dict[str, str] | None:
    """`{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ...]]}` →
    `{"Fn::Sub": "arn:${AWS::Partition}..."}`; None for anything else (other delimiters,
    references to resources)."""
    if not isinstance(value, dict) or set(value) != {"Fn::Join"}:
        return None
    delimiter, parts = value["Fn::Join"]
    if delimiter != "":
        return None
    text = ""
    for part in parts:
        if isinstance(part, str) and "${" not in part:
            text += part
        elif isinstance(part, dict) and str(part.get("Ref", "")).startswith("AWS::") and len(part) == 1:
            text += "${" + part["Ref"] + "}"
        else:
            return None
    return {"Fn::Sub": text}


class PipelineStack(Stack):
    """Props (keyword-only): pipeline — the validated pipeline file with its stage configs."""

    def __init__(self, scope: Construct, construct_id: str, *, pipeline: PipelineConfig) -> None:
        file = pipeline.file
        super().__init__(
            scope,
            construct_id,
            stack_name=file.name,
            env=Environment(account=file.account, region=file.region),
            description=f"Promotion pipeline {file.name}: {' -> '.join(s.ref.name for s in pipeline.stages)} "
            "(personalize-cdk)",
        )
        pipeline_file, self._stage_files = shell_paths(pipeline)
        source = self._source = pipelines.CodePipelineSource.connection(
            file.source.repository, file.source.branch, connection_arn=file.source.connection_arn
        )
        self.synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=list(INSTALL_COMMANDS),
            commands=synth_commands(pipeline_file),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=file.name,
            synth=self.synth,
            self_mutation=True,
            cross_account_keys=True,
            enable_key_rotation=True,
            publish_assets_in_parallel=False,
            cli_version=cdk_cli_version(),
            cdk_assets_cli_version=cdk_assets_version(),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": RUNTIME_VERSIONS}}}
                ),
            ),
        )
        self.stages: list[PersonalizeStage] = []
        for stage, stage_file in zip(pipeline.stages, self._stage_files, strict=True):
            self._add_stage(stage, stage_file)
        self.pipeline.build_pipeline()
        self.asset_fence = fence_asset_builds(self.pipeline)
        acknowledge_pipeline(self.pipeline)
        self._joins_to_subs()

    def _joins_to_subs(self) -> None:
        """CDK Pipelines writes the stages' role ARNs as `Fn::Join` of text and pseudo parameters;
        cfn-lint (E3703) wants the equivalent `Fn::Sub`. Rewrite exactly those, nothing else."""
        cfn = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn, codepipeline.CfnPipeline)
        stages = self.resolve(cfn.stages)  # the L1's own (camelCase) property shape
        for s, stage in enumerate(stages):
            for a, action in enumerate(stage.get("actions", [])):
                for key, value in (action.get("configuration") or {}).items():
                    sub = pseudo_join_as_sub(value)
                    if sub is not None:
                        cfn.add_property_override(f"Stages.{s}.Actions.{a}.Configuration.{key}", sub)

    def _add_stage(self, stage: PipelineStage, stage_file: str) -> None:
        name = stage.ref.name
        trust = DriftReaderTrust(account=self.account, role_name=drift_step_role_name(self.stack_name, name))
        drift_step_role = iam.Role(
            self,
            f"Drift-{name}-Role",
            role_name=trust.role_name,
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"The {name} drift check: the only principal the stage's drift reader role trusts",
        )
        deployed = PersonalizeStage(self, name, config=stage.config, drift_reader=trust)
        outputs = outputs_for_pipeline(deployed.stack)
        pre: list[pipelines.Step] = []
        if stage.ref.approval:
            pre.append(
                pipelines.ManualApprovalStep(
                    f"Approve-{name}",
                    comment=f"Promote to {name} ({stage.config_path.name}): read the impact report first",
                )
            )
        post = pipelines.ShellStep(
            f"Report-{name}",
            env_from_cfn_outputs=dict(outputs),
            commands=report_commands(name, list(outputs)),
        )
        assert stage.config.env is not None  # PersonalizeStage refused a config without one
        role_arn = drift_role_arn(stage.config.env.account, stage.config.resolved_stack_name)
        drift = pipelines.CodeBuildStep(
            f"Drift-{name}",
            input=self._source,
            install_commands=list(INSTALL_COMMANDS),
            commands=drift_commands(stage_file),
            role=drift_step_role,
            env={"DRIFT_ROLE_ARN": role_arn, "AWS_DEFAULT_REGION": stage.config.env.region},
            role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
        )
        drift.add_step_dependency(post)
        self.pipeline.add_stage(deployed, pre=pre, post=[post, drift])
        self.stages.append(deployed)

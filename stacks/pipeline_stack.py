"""The promotion pipeline (CDK Pipelines) in the pipeline account.

Source: the repository through a CodeConnections connection. Synth: installs from this
repository's own files (the Makefile's install targets: `npm ci`, a venv from
requirements.txt) and runs the same `cdk synth -c pipeline=...` a person runs. Self-mutating.
Then one stage per stage config, in the file's order: an optional manual approval before it,
and after it a step that prints what was deployed (trained versions with their metrics, ARNs)
from the stage stack's outputs, and a drift check (`make drift`) that assumes the stage
stack's read-only role (stacks/drift_role.py) and fails the stage when something was changed
outside CloudFormation.
"""

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import Aws, Environment, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config_model.pipeline import PipelineConfig, PipelineStage
from stacks.pipeline_nag import acknowledge_pipeline
from stacks.stages import PersonalizeStage, outputs_for_pipeline
from stacks.template_marker import drift_role_name

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_COMMANDS = ("make .venv/.installed node_modules/.installed",)
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
RUNTIME_VERSIONS = {"nodejs": "20", "python": "3.12"}


def cdk_cli_version() -> str:
    """The CDK CLI pinned in package.json: self-mutation and asset publishing use the same one."""
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    return str(package["devDependencies"]["aws-cdk"])


def repo_relative(path: Path) -> str:
    """The pipeline file as the synth step names it: relative to the repository root."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return os.path.normpath(str(path))


def synth_commands(pipeline_file: str) -> list[str]:
    return [f"npx --no-install cdk synth -c pipeline={pipeline_file}"]


def report_commands(stage: str, variables: list[str]) -> list[str]:
    """Print each output on its own line; values stay quoted (summaries are JSON)."""
    lines = [f"echo 'Deployed to stage {stage}:'"]
    lines += [f"printf '%s = %s\\n' {var} \"${var}\"" for var in variables]
    return lines


def drift_commands(config_path: str) -> list[str]:
    """The drift check of one stage: exit 3 (drifted) fails the pipeline action."""
    return [f'make drift CONFIG={config_path} ROLE_ARN="$DRIFT_ROLE_ARN"']


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
        source = self._source = pipelines.CodePipelineSource.connection(
            file.source.repository, file.source.branch, connection_arn=file.source.connection_arn
        )
        self.synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=list(INSTALL_COMMANDS),
            commands=synth_commands(repo_relative(pipeline.path)),
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
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": RUNTIME_VERSIONS}}}
                ),
            ),
        )
        self.stages: list[PersonalizeStage] = []
        for stage in pipeline.stages:
            self._add_stage(stage)
        self.pipeline.build_pipeline()
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

    def _add_stage(self, stage: PipelineStage) -> None:
        name = stage.ref.name
        deployed = PersonalizeStage(self, name, config=stage.config, drift_reader_account=self.account)
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
            commands=drift_commands(repo_relative(stage.config_path)),
            env={"DRIFT_ROLE_ARN": role_arn, "AWS_DEFAULT_REGION": stage.config.env.region},
            role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
        )
        drift.add_step_dependency(post)
        self.pipeline.add_stage(deployed, pre=pre, post=[post, drift])
        self.stages.append(deployed)

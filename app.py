#!/usr/bin/env python3
"""CDK app: one deployment (`-c config=PATH`, default config/default.yaml) or the pipeline that
promotes stage configs through accounts (`-c pipeline=PATH`, e.g. config/pipeline.yaml).

Only this file reads context; constructs get everything through their props.
"""

import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import cx_api as cxapi
from cdk_nag import AwsSolutionsChecks

from stacks import limits
from stacks.config_model import ConfigError, load_config
from stacks.config_model.pipeline import load_pipeline
from stacks.pipeline_stack import PipelineStack
from stacks.stages import personalize_stack

DEFAULT_CONFIG = "config/default.yaml"


def build_app(config_path: str, app: cdk.App | None = None) -> cdk.App:
    """One PersonalizeStack from one config (the stack a pipeline stage of that config deploys)."""
    app = app or cdk.App()
    personalize_stack(app, load_config(config_path))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    return app


def build_pipeline_app(pipeline_path: str, app: cdk.App | None = None) -> cdk.App:
    """The pipeline stack (in the pipeline account) with one stage per stage config."""
    app = app or cdk.App()
    pipeline = load_pipeline(pipeline_path)
    PipelineStack(app, pipeline.file.name, pipeline=pipeline)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    return app


def check_assembly(assembly: cxapi.CloudAssembly, config_path: str) -> None:
    """IAM policy sizes and template sizes of the synthesized stacks (the limits only a
    synthesized template shows); raises ConfigError naming the limit."""
    config = load_config(config_path)
    env = limits.Environment.of(config)
    for stack in assembly.stacks_recursively:
        template_file = Path(assembly.directory) / stack.template_file
        problems = limits.template_problems(stack.template, template_file.stat().st_size, env)
        if problems:
            raise ConfigError(config_path, problems)


def run(app: cdk.App, config_path: str | None, pipeline_path: str | None) -> int:
    """Synthesize; a bad config or a limit exceeded prints one message (no traceback) and gives 1."""
    try:
        if pipeline_path and config_path:
            print(
                "give either -c config=PATH (one deployment) or -c pipeline=PATH, not both", file=sys.stderr
            )
            return 1
        if pipeline_path:
            build_pipeline_app(str(pipeline_path), app)
            app.synth()
        else:
            path = str(config_path or DEFAULT_CONFIG)
            build_app(path, app)
            check_assembly(app.synth(), path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def main() -> int:
    app = cdk.App()
    config_path = app.node.try_get_context("config")
    pipeline_path = app.node.try_get_context("pipeline")
    return run(app, config_path, pipeline_path)


if __name__ == "__main__":
    sys.exit(main())

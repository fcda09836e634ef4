#!/usr/bin/env python3
"""CDK app: read the config named by `-c config=PATH` (default config/default.yaml), build stacks.

Only this file reads context; constructs get everything through their props.
"""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.config_model import ConfigError, load_config
from stacks.personalize_stack import PersonalizeStack

DEFAULT_CONFIG = "config/default.yaml"


def build_app(config_path: str, app: cdk.App | None = None) -> cdk.App:
    app = app or cdk.App()
    config = load_config(config_path)
    PersonalizeStack(app, config.resolved_stack_name, config=config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    return app


def main() -> int:
    app = cdk.App()
    config_path = app.node.try_get_context("config") or DEFAULT_CONFIG
    try:
        build_app(str(config_path), app)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Open a config's deployed stack in the account of the shell (optionally through an assumed role).

Every failure to reach it (no credentials, no such stack, access denied) becomes one line for
the operator and exit 1: the CLIs print `StackNotFoundError` and never a traceback.
"""

from pathlib import Path
from typing import Any

from ops.reader import Boto3Stack, StackNotFoundError

ROLE_SESSION_NAME = "personalize-cdk-ops"


def open_stack(config_path: str, *, role_arn: str | None = None, session: Any = None) -> Boto3Stack:
    """The config's stack, read with the shell's credentials or with `role_arn` assumed."""
    import boto3  # noqa: PLC0415 - only the real-account path needs it
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from stacks.config_model import load_config  # noqa: PLC0415

    config = load_config(Path(config_path))
    region = config.env.region if config.env else None
    try:
        session = session or boto3.session.Session(region_name=region)
        if role_arn:
            creds = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME)[
                "Credentials"
            ]
            session = boto3.session.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                region_name=session.region_name,
            )
        if session.get_credentials() is None:
            raise StackNotFoundError(
                f"stack {config.resolved_stack_name}: no AWS credentials in this shell "
                "(set AWS_PROFILE or keys)"
            )
        return Boto3Stack(
            config.resolved_stack_name,
            cloudformation=session.client("cloudformation"),
            ssm=session.client("ssm"),
            personalize=session.client("personalize"),
        )
    except (BotoCoreError, ClientError) as exc:
        raise StackNotFoundError(f"stack {config.resolved_stack_name}: {exc}") from None

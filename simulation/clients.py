"""boto3 clients that reach the fake Personalize through `AWS_ENDPOINT_URL_PERSONALIZE`, S3
played by moto, both on the virtual clock.

Retries: every client uses botocore's own `standard` retry mode (its retryable errors, its
retry quota, its jittered exponential backoff). Only the backoff *sleep* is virtual: the
client's standard retry handler is re-registered so that the delay it computes advances the
virtual clock and the request is re-sent at once (`virtual_backoff`). Nothing global is
patched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.retries import standard
from moto import mock_aws
from moto.s3 import models as moto_s3

from simulation.clock import VirtualClock

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

ENDPOINT_ENV: Final = "AWS_ENDPOINT_URL_PERSONALIZE"
REGION: Final = "us-east-1"


def env_vars(endpoint_url: str) -> dict[str, str]:
    """What a process needs to reach the fake with an unmodified boto3 client."""
    return {
        ENDPOINT_ENV: endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }


# What in a shell could send a client elsewhere than the fake and moto, or sign with real keys.
FOREIGN_ENV: Final = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def shell_aside() -> dict[str, str | None]:
    """Every setting of the shell that could reach a real account unset, and the shared config and
    credentials files replaced by empty ones (None: unset): for `environment`."""
    return {
        **dict.fromkeys(FOREIGN_ENV),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


@contextlib.contextmanager
def s3_on(clock: VirtualClock) -> Iterator[None]:
    """S3 played by moto, its timestamps (an object's LastModified) read off the virtual clock.

    Deploys an hour apart in virtual time are milliseconds apart in real time: with moto's own
    clock, files copied by two deploys would share a LastModified second, and what orders
    them by age (the data copy's `keep_imports`) would see a tie real S3 never shows.
    """

    def now() -> datetime:
        return datetime.fromtimestamp(clock.now(), UTC).replace(tzinfo=None)

    saved = moto_s3.utcnow  # type: ignore[attr-defined]  # moto's own import, patched where S3 reads it
    moto_s3.utcnow = now  # type: ignore[attr-defined]
    try:
        with mock_aws():
            yield
    finally:
        moto_s3.utcnow = saved  # type: ignore[attr-defined]


@contextlib.contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables for the block (None: unset); for callers without pytest's monkeypatch."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def virtual_backoff(client: Any, clock: VirtualClock, max_attempts: int) -> None:
    """Keep botocore's standard retry policy, but spend its backoff on the virtual clock."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    events.unregister(event, unique_id=unique_id)
    handler = standard.register_retry_handler(client, max_attempts=max_attempts)
    events.unregister(event, unique_id=unique_id)

    def needs_retry(**kwargs: Any) -> Any:
        delay = handler.needs_retry(**kwargs)
        if isinstance(delay, int | float) and not isinstance(delay, bool) and delay > 0:
            clock.advance(delay)
            return 0
        return delay

    events.register(event, needs_retry, unique_id=unique_id)


@cache
def session() -> boto3.session.Session:
    """One session per process: a new one reads every service model again (~0.1 s a client).

    It still reads the environment at each `client()`: the endpoint comes from the current
    `AWS_ENDPOINT_URL_PERSONALIZE` (checked by `make_world`).
    """
    return boto3.session.Session(region_name=REGION)


def env_client(clock: VirtualClock, max_attempts: int) -> PersonalizeClient:
    """A boto3 client that finds the fake only through `AWS_ENDPOINT_URL_PERSONALIZE`."""
    client = session().client(
        "personalize",
        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}),
    )
    virtual_backoff(client, clock, max_attempts)
    return client

"""What the handlers need from the outside world, in one seam that tests replace."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client


# botocore's standard retry mode gives up after 3 attempts; an exception in onEvent fails the
# operation at once (the framework does not retry). With 30 % of calls throttled, 3 attempts
# fail a call 2.7 % of the time, and a deploy makes ~40 onEvent calls. 8 attempts: at most
# ~71 s of jittered backoff for one call, inside the functions' 2-minute timeout.
MAX_ATTEMPTS: Final = 8
RETRIES: Final = Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})


def s3_client() -> S3Client:
    """Only the data copy calls S3: built when it first does, so other resources never pay for it."""
    return boto3.client("s3", config=RETRIES)


class StackApi(Protocol):
    """The one CloudFormation call the handlers make: DescribeStacks on their own stack
    (`kernel.stack`). boto3's client has it; the deploy simulator answers it too."""

    def describe_stacks(self, *, StackName: str) -> Mapping[str, Any]: ...  # noqa: N803 - the API name


def cloudformation_client() -> StackApi:
    """Built on first use: only a rollback that finds something gone, or a retained delete, asks."""
    return cast("StackApi", boto3.client("cloudformation", config=RETRIES))


@dataclass(frozen=True)
class Deps:
    personalize: PersonalizeClient  # boto3 client
    now: Callable[[], float]  # epoch seconds (virtual in tests)
    log: Callable[[str], None]  # one line each; EMF metric lines go here
    make_s3: Callable[[], S3Client] = field(default=s3_client, repr=False)  # tests pass their own
    make_cloudformation: Callable[[], StackApi] = field(default=cloudformation_client, repr=False)

    @functools.cached_property
    def s3(self) -> S3Client:
        """The S3 client, built on first use (never at import) and kept with these deps."""
        return self.make_s3()

    @functools.cached_property
    def cloudformation(self) -> StackApi:
        """The CloudFormation client (DescribeStacks of the own stack only), built on first use."""
        return self.make_cloudformation()


@functools.cache
def default_deps() -> Deps:
    """The Lambda's dependencies, built on first use (never at import) and kept warm."""
    client = boto3.client("personalize", config=RETRIES)
    return Deps(personalize=client, now=time.time, log=print)

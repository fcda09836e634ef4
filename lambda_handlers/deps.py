"""What the handlers need from the outside world, in one seam that tests replace.

Timeouts and attempts (botocore `standard` retry mode). The handlers' Lambda timeout is
`constants.HANDLER_TIMEOUT_SECONDS` (120 s) and the framework never retries onEvent, so the
worst case of a call must end well inside it:

- one attempt: `CONNECT_TIMEOUT` 3 s + `READ_TIMEOUT` 10 s = 13 s at most (Personalize answers
  its control-plane calls in well under a second: they only start work);
- backoff before retry i (1-based): at most min(2**(i-1), 20) s (botocore's
  `ExponentialBackoff`, throttling scale 1), plus at most 5 s when the service sends
  `x-amz-retry-after`: 1+2+4+8 = 15 s, + 4 x 5 = 20 s;
- so one call with `MAX_ATTEMPTS` = 5 takes at most 5 x 13 + 15 + 20 = 100 s < 120 s (20 s of
  margin for the handler's other calls, which answer in milliseconds unless the network is
  down, and a cold start). The SDK's own defaults (60 s timeouts, more attempts) would let one
  call outlive the function: it would be killed mid-call, and onEvent is never retried.
- 5 attempts still ride out throttling: with 30 % of calls throttled one call fails 0.3**5 =
  0.24 % of the time.

Create* calls go through `creates`, a client that never retries: a 5xx or a timeout does not
say whether the service acted, so `kernel.lost_answers.create_once` looks for what the lost
call may have made (by name and owner tag) before it sends the Create again. Worst case of a
create: `CREATE_ATTEMPTS` (3) x 13 s + backoff 1+2 s + one lookup per lost answer (each a
call above, normally milliseconds).

Copies (CopyObject, UploadPartCopy) go through `s3_copy`, a client whose read timeout covers
the largest copy one call makes: S3 answers a copy only when it is done (`copy_limits`).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

import boto3
from botocore.config import Config

from lambda_handlers import constants, copy_limits, logs

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client


CONNECT_TIMEOUT: Final = 3
READ_TIMEOUT: Final = 10
MAX_ATTEMPTS: Final = 5
RETRIES: Final = Config(
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
)
# Create* calls: one attempt each; the handler looks before it sends another (see the docstring).
ONCE: Final = Config(
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": 1},
)


# Copies: S3 answers when the copy is done; the timeout and attempts come from `copy_limits`.
COPIES: Final = Config(
    connect_timeout=copy_limits.CONNECT_TIMEOUT,
    read_timeout=copy_limits.COPY_READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": copy_limits.COPY_ATTEMPTS},
)


def s3_client() -> S3Client:
    """Only the data copy calls S3: built when it first does, so other resources never pay for it."""
    return boto3.client("s3", config=RETRIES)


def s3_copy_client() -> S3Client:
    """The client for CopyObject / UploadPartCopy only, built when the first copy is made."""
    return boto3.client("s3", config=COPIES)


class StackApi(Protocol):
    """The CloudFormation calls the handlers make, both on their own stack only (`kernel.stack`):
    DescribeStacks and DescribeStackResource. boto3's client has them; the deploy simulator
    answers them too."""

    def describe_stacks(self, *, StackName: str) -> Mapping[str, Any]: ...  # noqa: N803 - the API name

    def describe_stack_resource(
        self,
        *,
        StackName: str,  # noqa: N803 - the API's names
        LogicalResourceId: str,  # noqa: N803
    ) -> Mapping[str, Any]: ...


def cloudformation_client() -> StackApi:
    """Built on first use: a rollback that finds something gone, a retained delete, a Delete asks."""
    return cast("StackApi", boto3.client("cloudformation", config=RETRIES))


@dataclass(frozen=True)
class Deps:
    personalize: PersonalizeClient  # boto3 client
    now: Callable[[], float]  # epoch seconds (virtual in tests)
    log: Callable[[str], None]  # one line each (`default_deps`: a `logs` record, JSON in Lambda)
    make_s3: Callable[[], S3Client] = field(default=s3_client, repr=False)  # tests pass their own
    make_cloudformation: Callable[[], StackApi] = field(default=cloudformation_client, repr=False)
    # The client copies use; `default_deps` passes `s3_copy_client` (None: `s3`, e.g. moto in tests).
    make_s3_copy: Callable[[], S3Client] | None = field(default=None, repr=False)
    # The client Create* calls use: without botocore retries (None: `personalize`, e.g. a Stubber).
    personalize_once: PersonalizeClient | None = field(default=None, repr=False)
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False)  # virtual in tests
    # The function's own stack (`AWS::StackId`, from its environment): the handlers serve events of
    # that stack only, and ask CloudFormation about it only. "" refuses every event.
    stack_id: str = ""
    # Embedded-metric lines: printed bare in Lambda, never a log record (`logs` says why).
    # None: `log` (tests read them there).
    print_metric: Callable[[str], None] | None = field(default=None, repr=False)
    # Why a request failed: an ERROR record in Lambda, so a query can find failures by level.
    # None: `log` (tests read failures with the other lines).
    log_failure: Callable[[str], None] | None = field(default=None, repr=False)

    def metric(self, line: str) -> None:
        """One embedded-metric-format line."""
        (self.print_metric or self.log)(line)

    def failed(self, message: str) -> None:
        """The line that says why a request failed."""
        (self.log_failure or self.log)(message)

    @functools.cached_property
    def s3(self) -> S3Client:
        """The S3 client, built on first use (never at import) and kept with these deps."""
        return self.make_s3()

    @functools.cached_property
    def s3_copy(self) -> S3Client:
        """The S3 client for copies (a read timeout that covers one copy), built on first use."""
        return self.make_s3_copy() if self.make_s3_copy is not None else self.s3

    @functools.cached_property
    def cloudformation(self) -> StackApi:
        """The CloudFormation client (DescribeStacks of the own stack only), built on first use."""
        return self.make_cloudformation()

    @property
    def creates(self) -> PersonalizeClient:
        """The client for Create* calls: one attempt, no botocore retry (see the module docstring)."""
        return self.personalize_once or self.personalize


@functools.cache
def default_deps() -> Deps:
    """The Lambda's dependencies, built on first use (never at import) and kept warm."""
    client = boto3.client("personalize", config=RETRIES)
    once = boto3.client("personalize", config=ONCE)
    return Deps(
        personalize=client,
        now=time.time,
        log=logs.info,
        print_metric=print,
        log_failure=logs.error,
        personalize_once=once,
        make_s3_copy=s3_copy_client,
        stack_id=os.environ.get(constants.STACK_ID_ENV, ""),
    )

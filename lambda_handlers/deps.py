"""What the handlers need from the outside world, in one seam that tests replace."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient


@dataclass(frozen=True)
class Deps:
    personalize: PersonalizeClient  # boto3 client
    now: Callable[[], float]  # epoch seconds (virtual in tests)
    log: Callable[[str], None]  # one line each; EMF metric lines go here


# botocore's standard retry mode gives up after 3 attempts; an exception in onEvent fails the
# operation at once (the framework does not retry). With 30 % of calls throttled, 3 attempts
# fail a call 2.7 % of the time, and a deploy makes ~40 onEvent calls. 8 attempts: at most
# ~71 s of jittered backoff for one call, inside the functions' 2-minute timeout.
MAX_ATTEMPTS: Final = 8


@functools.cache
def default_deps() -> Deps:
    """The Lambda's dependencies, built on first use (never at import) and kept warm."""
    client = boto3.client(
        "personalize", config=Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})
    )
    return Deps(personalize=client, now=time.time, log=print)

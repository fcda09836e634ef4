"""What the handlers need from the outside world, in one seam that tests replace."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient


@dataclass(frozen=True)
class Deps:
    personalize: PersonalizeClient  # boto3 client
    now: Callable[[], float]  # epoch seconds (virtual in tests)
    log: Callable[[str], None]  # one line each; EMF metric lines go here


@functools.cache
def default_deps() -> Deps:
    """The Lambda's dependencies, built on first use (never at import) and kept warm."""
    client = boto3.client("personalize", config=Config(retries={"mode": "standard"}))
    return Deps(personalize=client, now=time.time, log=print)

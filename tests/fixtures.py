"""pytest fixtures: a virtual clock, a fake Personalize served over HTTP, a client at it.

Import them into a conftest.py (or a test module) explicitly:
    from tests.fixtures import clock, fake_personalize, personalize_client  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from simulation.clock import VirtualClock
from simulation.personalize import FakePersonalize
from simulation.personalize_server import FakePersonalizeServer, make_client

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient


@pytest.fixture
def clock() -> VirtualClock:
    """Virtual time starting at 2026-01-01T00:00:00Z."""
    return VirtualClock()


@pytest.fixture
def fake_personalize(clock: VirtualClock) -> Iterator[FakePersonalize]:
    """The fake's state, served over HTTP for this one test at `.endpoint_url`."""
    with FakePersonalizeServer(FakePersonalize(clock)) as server:
        yield server.fake


@pytest.fixture
def personalize_client(fake_personalize: FakePersonalize) -> PersonalizeClient:
    """boto3 client at the fake, no retries (injected throttling stays visible)."""
    assert fake_personalize.endpoint_url is not None
    return make_client(fake_personalize.endpoint_url, max_attempts=1)

"""Fixtures of the deploy scenarios: a `world` per test (see `world.py`), templates per process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from simulation.clock import VirtualClock
from simulation.personalize_server import FakePersonalizeServer
from simulation.personalize_state import FakePersonalize
from tests.scenarios.iam_check import iam_coverage  # noqa: F401 - autouse: IAM covers every handler call
from tests.scenarios.world import ENDPOINT_ENV, World, env_vars, make_world, templates


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Clock + fake Personalize over HTTP + boto3 clients (via AWS_ENDPOINT_URL_PERSONALIZE) + simulator."""
    clock = VirtualClock()
    with FakePersonalizeServer(FakePersonalize(clock)) as server, mock_aws():
        for key, value in env_vars(server.endpoint_url).items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        made = make_world(clock, server)
        assert made.client.meta.endpoint_url == server.endpoint_url, ENDPOINT_ENV
        yield made


@pytest.fixture(scope="session")
def default_template() -> dict[str, Any]:
    return templates.default()


@pytest.fixture
def deployed(world: World, default_template: dict[str, Any]) -> World:
    """A world whose stack holds the default config (first deploy done, CREATE_COMPLETE)."""
    result = world.deploy(default_template)
    assert result.status == "CREATE_COMPLETE", result.failure
    return world

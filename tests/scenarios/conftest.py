"""Fixtures of the deploy scenarios: a `world` per test (see `world.py`), templates per process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulation.clock import VirtualClock
from simulation.personalize import FakePersonalize
from simulation.personalize_server import FakePersonalizeServer
from tests.scenarios.iam_check import Recorder, iam_coverage  # noqa: F401 - autouse: IAM covers every handler call
from tests.scenarios.world import (
    ENDPOINT_ENV,
    Snapshot,
    World,
    env_vars,
    make_world,
    open_world,
    s3_on,
    templates,
)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Clock + fake Personalize over HTTP + boto3 clients (via AWS_ENDPOINT_URL_PERSONALIZE) + simulator."""
    clock = VirtualClock()
    with FakePersonalizeServer(FakePersonalize(clock)) as server, s3_on(clock):
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


@pytest.fixture(scope="session")
def first_deploy(default_template: dict[str, Any]) -> Snapshot:
    """The default config's first deploy, made once per process and IAM-checked like any scenario's."""
    with open_world() as made:
        recorder = Recorder(made)
        with pytest.MonkeyPatch.context() as monkeypatch:
            recorder.wrap(monkeypatch)
            result = made.deploy(default_template)
        assert result.status == "CREATE_COMPLETE", result.failure
        assert recorder.requests, "the IAM recorder saw no handler call"
        assert recorder.denials() == []
        return made.snapshot()


@pytest.fixture
def deployed(world: World, first_deploy: Snapshot) -> World:
    """A world whose stack holds the default config (first deploy done, CREATE_COMPLETE).

    The deploy runs once per process (`first_deploy`); each test gets its own copy of the
    account it left: clock, Personalize, the stack as CloudFormation knows it, and S3.
    """
    world.restore(first_deploy)
    return world

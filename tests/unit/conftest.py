"""Fixtures: `w`, a World over the fake Personalize; `stub`, a Stubber client (tests/unit/__init__.py)."""

from collections.abc import Iterator

import pytest

from tests.unit import Stubbed, World, stubbed, world


@pytest.fixture
def w() -> Iterator[World]:
    with world() as account:
        yield account


@pytest.fixture
def stub() -> Iterator[Stubbed]:
    with stubbed() as client:
        yield client

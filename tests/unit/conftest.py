"""The `h` fixture: a Stubber-backed harness around one handler call (see tests/unit/__init__.py)."""

from collections.abc import Iterator

import pytest

from tests.unit import Harness, harness


@pytest.fixture
def h() -> Iterator[Harness]:
    with harness() as stubbed:
        yield stubbed

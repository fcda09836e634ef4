"""Per-test counts of the calls the fake Personalize answered, for refactors that must not change behaviour.

Loaded by `tests/conftest.py`; it does nothing unless `PERSONALIZE_CALL_COUNTS` names a folder.
Then every test's calls are counted per `Operation:outcome` and each pytest process writes
`<folder>/<worker>.json`. Calls made while a session-scoped fixture is built are counted under
`fixture:<name>`, so the numbers do not depend on which test (or xdist worker) built it first.
`python -m tests.support.call_counts BEFORE AFTER` prints every count that differs.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

ENV = "PERSONALIZE_CALL_COUNTS"

_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
_keys: list[str] = []


def _record(operation: str, outcome: str) -> None:
    if _keys:
        _counts[_keys[-1]][f"{operation}:{outcome}"] += 1


def _install() -> None:
    from simulation.personalize_state import FakePersonalize, PersonalizeError

    original = FakePersonalize.call

    def counted(self: Any, operation: str, params: Any = None) -> Any:
        try:
            answer = original(self, operation, params)
        except PersonalizeError as error:
            _record(operation, error.code)
            raise
        _record(operation, "ok")
        return answer

    FakePersonalize.call = counted  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(ENV):
        _install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    _keys.append(item.nodeid)
    try:
        return (yield)
    finally:
        _keys.pop()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
    session = fixturedef.scope == "session"
    if session:
        _keys.append(f"fixture:{fixturedef.argname}")
    try:
        return (yield)
    finally:
        if session:
            _keys.pop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = os.environ.get(ENV)
    if not folder or not _counts:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(folder).mkdir(parents=True, exist_ok=True)
    body = {key: dict(sorted(counter.items())) for key, counter in sorted(_counts.items())}
    (Path(folder) / f"{worker}.json").write_text(json.dumps(body, indent=1, sort_keys=True))


def load(folder: Path) -> dict[str, dict[str, int]]:
    """Every worker's file in `folder`, merged."""
    merged: dict[str, dict[str, int]] = {}
    for path in sorted(folder.glob("*.json")):
        merged.update(json.loads(path.read_text()))
    return merged


def differences(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> Iterator[str]:
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            yield f"{key}: {'only after' if old is None else 'only before'}"
            continue
        for op in sorted(old.keys() | new.keys()):
            if old.get(op, 0) != new.get(op, 0):
                yield f"{key}: {op} {old.get(op, 0)} -> {new.get(op, 0)}"


def main(argv: list[str]) -> int:
    before, after = load(Path(argv[0])), load(Path(argv[1]))
    diffs = list(differences(before, after))
    total = sum(sum(c.values()) for c in before.values()), sum(sum(c.values()) for c in after.values())
    print(f"{len(before)} tests/fixtures before, {len(after)} after; calls {total[0]} -> {total[1]}")
    for line in diffs:
        print(line)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

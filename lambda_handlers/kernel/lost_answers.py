"""A Create whose answer may be lost: look for what it made before sending it again.

A 5xx or a timeout says nothing about whether Personalize acted (observed AWS behaviour, and
what `FakePersonalize.lose_answer` plays). botocore's retry would send the same Create again:
for a solution or campaign the name then collides (ResourceAlreadyExists, documented), but
nothing documents that a second version of the same name is refused, and a duplicate training
is hours of billing. So Create* calls go through `Deps.creates` (no botocore retry) and here:
on a transient error, `find()` (by name and owner tag) decides whether to send it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeVar

from lambda_handlers import errors

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps

T = TypeVar("T")

CREATE_ATTEMPTS: Final = 3


def create_once(deps: Deps, *, create: Callable[[], T], find: Callable[[], T | None], what: str) -> T:
    """`create()`; after a transient error, what `find()` sees made, else `create()` again.

    Non-transient errors (ResourceAlreadyExists, ResourceInUse, ...) propagate at once: the
    caller decides what they mean. Backoff between attempts: 1 s, 2 s.
    """
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return create()
        except Exception as exc:
            if not errors.is_transient(exc):
                raise
            found = find()
            if found is not None:
                deps.log(f"{what}: answer lost ({errors.describe(exc)}); it was made: not sent again")
                return found
            if attempt == CREATE_ATTEMPTS:
                raise
            deps.log(f"{what}: {errors.describe(exc)}; nothing was made, trying again")
            deps.sleep(float(2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

"""The handlers' ways of meeting an expected Personalize error code: the only places a
ClientError is inspected.

`ignoring(*codes)`: the call may fail with these codes and that is fine (already gone, busy:
retried later). `raising(code, message)`: that code is a terminal failure, said in one line.
`not_found(what)`: `raising` for ResourceNotFound. `over_quota(what, quota)`: `raising` for
LimitExceeded, naming the quota and what to change. Anything else propagates to `entry.py`
(transient → poll again, else fail).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from botocore.exceptions import ClientError

from lambda_handlers.errors import LIMIT_EXCEEDED, NOT_FOUND, DeployError, error_code


@contextmanager
def ignoring(*codes: str) -> Iterator[None]:
    """Swallow a ClientError whose code is one of `codes`; the block simply ends there."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) not in codes:
            raise


@contextmanager
def raising(code: str, message: Callable[[ClientError], str]) -> Iterator[None]:
    """A ClientError of `code` inside the block → DeployError(message(error))."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) != code:
            raise
        raise DeployError(message(exc)) from exc


def not_found(what: str, arn: str = "") -> AbstractContextManager[None]:
    """ResourceNotFound inside the block → DeployError(`{what} not found ({arn})`)."""
    text = f"{what} not found ({arn})" if arn else f"{what} not found"
    return raising(NOT_FOUND, lambda _: text)


def over_quota(what: str, refused: str, quota: str) -> AbstractContextManager[None]:
    """LimitExceeded inside the block → DeployError naming the quota and the way out:
    `{what}: Personalize refused to {refused} (LimitExceededException: {message}); {quota}`."""

    def message(exc: ClientError) -> str:
        text = exc.response.get("Error", {}).get("Message", "")
        return f"{what}: Personalize refused to {refused} ({LIMIT_EXCEEDED}: {text}); {quota}"

    return raising(LIMIT_EXCEEDED, message)


TRAINING_QUOTA = (
    "the account's concurrent-training quota (per account and region, shared with other stacks) is "
    "full: lower max_concurrent_trainings in the config or raise the quota in Service Quotas, then redeploy"
)


def group_quota(field: str, kind: str) -> str:
    """The way out of a per-dataset-group quota (`quotas.solutions`, `quotas.campaigns`)."""
    return (
        f"the dataset group's {kind} quota is full: remove a {kind[:-1]} from the config, or raise the "
        f"quota in Service Quotas and set {field} in the config to the new value, then redeploy"
    )

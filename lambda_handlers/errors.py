"""Errors of the handlers: the terminal `DeployError` and the transient/terminal classification.

A `DeployError` message becomes CloudFormation's failure reason: one line, cause first, at most
`MAX_MESSAGE` characters (the Provider's whole response must stay under 4096 bytes).
"""

from typing import Final

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

MAX_MESSAGE: Final = 500

NOT_FOUND: Final = "ResourceNotFoundException"
IN_USE: Final = "ResourceInUseException"
ALREADY_EXISTS: Final = "ResourceAlreadyExistsException"
LIMIT_EXCEEDED: Final = "LimitExceededException"

TRANSIENT_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
TRANSIENT_EXCEPTIONS: Final = (
    EndpointConnectionError,
    ReadTimeoutError,
    ConnectTimeoutError,
    ConnectionClosedError,
)


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    """Collapse whitespace to single spaces and cut to `limit` characters."""
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class DeployError(Exception):
    """A terminal failure: the operation fails with this message as the reason."""

    def __init__(self, message: str) -> None:
        self.message = one_line(message)
        super().__init__(self.message)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore `ClientError`, else None."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) or None
    return None


def is_transient(exc: BaseException) -> bool:
    """Throttling, 5xx and connection problems: worth another poll, not a failed deploy."""
    if isinstance(exc, TRANSIENT_EXCEPTIONS):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or int(status or 0) >= 500
    return False


def describe(exc: BaseException) -> str:
    """A one-line text for an unexpected exception, cause first."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "call")
        return one_line(f"{error.get('Code', 'Error')} from {operation}: {error.get('Message', '')}")
    return one_line(f"{type(exc).__name__}: {exc}")

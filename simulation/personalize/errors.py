"""The fake's error answers, and the two ways it fails that are not AWS errors."""

from __future__ import annotations


class PersonalizeError(Exception):
    """An error answer: `code` is the model's error shape name (the JSON `__type`)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class InvalidAnswerError(AssertionError):
    """The fake was about to answer what the real service could not (botocore's output shape):
    a bug in the fake, never an AWS error. The HTTP server records it and the world fails."""


class AnswerLost(Exception):  # noqa: N818 - what happened, not an AWS error code
    """The fake acted but sends no answer: the HTTP server drops the connection."""


def invalid(message: str) -> PersonalizeError:
    return PersonalizeError("InvalidInputException", message)


def in_use(message: str) -> PersonalizeError:
    return PersonalizeError("ResourceInUseException", message)


def not_found(arn: str) -> PersonalizeError:
    return PersonalizeError("ResourceNotFoundException", f"Could not find resource with ARN {arn}")


def limit_exceeded(message: str) -> PersonalizeError:
    return PersonalizeError("LimitExceededException", message)


def already_exists(message: str) -> PersonalizeError:
    return PersonalizeError("ResourceAlreadyExistsException", message)

"""Faults a test injects into the fake: failures of the next training, import, campaign create or
update, or batch job; an answer lost after the service acted; one-shot errors; throttling and
server errors at a seeded rate. No locking here: the facade holds the fake's lock around them."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from simulation.personalize.errors import PersonalizeError


class Injector:
    """A seeded coin: a fraction `rate` of eligible requests get the error."""

    def __init__(self, rate: float, seed: int, operations: Iterable[str] | None) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.operations = frozenset(operations) if operations is not None else None

    def hit(self, operation: str) -> bool:
        if self.operations is not None and operation not in self.operations:
            return False
        return self.rng.random() < self.rate


def _pop(queue: list[str]) -> str | None:
    return queue.pop(0) if queue else None


@dataclass
class Faults:
    """What goes wrong next. Part of the account's state: snapshots carry pending faults (and two
    accounts with the same pending faults compare equal)."""

    training: list[tuple[str, str | None]] = field(default_factory=list)  # (reason, solution ARN or any)
    lost_answers: list[tuple[str, str, float]] = field(default_factory=list)  # (operation, how, waited)
    campaign_update: list[str] = field(default_factory=list)
    campaign_create: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    batch: list[str] = field(default_factory=list)
    one_shot: list[tuple[str, PersonalizeError]] = field(default_factory=list)
    throttling: Injector | None = None
    server_error: Injector | None = None

    # ---- what tests ask for ------------------------------------------------------------------
    def fail_next_training(self, reason: str, solution_arn: str | None) -> None:
        """The next version created (of that solution, or of any) ends CREATE FAILED with this reason."""
        self.training.append((reason, solution_arn))

    def lose_answer(self, operation: str, how: str, times: int, waited: float) -> None:
        """The next `times` successful calls of `operation` act, then their answer is lost.

        how="500": the client gets InternalServerError (HTTP 500); how="timeout": the HTTP
        server closes the connection without answering, as a read timeout does (over HTTP only;
        a direct `call` raises `AnswerLost`). Either way botocore's standard retry mode sends
        the request again (botocore/retries/standard.py: HTTP 500 and connection errors are
        transient), and the service sees a second, identical request. Assumed from observed
        AWS behaviour: a 5xx or a timeout says nothing about whether the service acted.
        `waited`: virtual seconds the client spent before it gave up (its read timeout).
        """
        if how not in ("500", "timeout"):
            raise ValueError(f"how must be '500' or 'timeout', not {how!r}")
        self.lost_answers.extend([(operation, how, waited)] * times)

    def inject_error(self, operation: str, code: str, message: str, status: int, times: int) -> None:
        """The next `times` calls of `operation` answer this error (before any rule runs)."""
        for _ in range(times):
            self.one_shot.append((operation, PersonalizeError(code, message, status)))

    def throttle(self, rate: float, seed: int, operations: Iterable[str] | None) -> None:
        """That fraction of requests answer ThrottlingException (HTTP 400); rate 0 turns off."""
        self.throttling = Injector(rate, seed, operations) if rate > 0 else None

    def server_errors(self, rate: float, seed: int, operations: Iterable[str] | None) -> None:
        """That fraction of requests answer InternalServerError (HTTP 500); rate 0 turns off."""
        self.server_error = Injector(rate, seed, operations) if rate > 0 else None

    # ---- what the operations consume ---------------------------------------------------------
    def training_failure(self, solution_arn: str) -> str | None:
        for i, (reason, solution) in enumerate(self.training):
            if solution in (None, solution_arn):
                del self.training[i]
                return reason
        return None

    def campaign_create_failure(self) -> str | None:
        return _pop(self.campaign_create)

    def campaign_update_failure(self) -> str | None:
        return _pop(self.campaign_update)

    def import_failure(self) -> str | None:
        return _pop(self.imports)

    def batch_failure(self) -> str | None:
        return _pop(self.batch)

    def raise_injected(self, operation: str) -> None:
        """A one-shot error for `operation`, else a server error or throttling by their coins."""
        for i, (name, error) in enumerate(self.one_shot):
            if name == operation:
                del self.one_shot[i]
                raise error
        if self.server_error is not None and self.server_error.hit(operation):
            raise PersonalizeError("InternalServerError", "injected server error", 500)
        if self.throttling is not None and self.throttling.hit(operation):
            raise PersonalizeError("ThrottlingException", "Rate exceeded")

    def lost(self, operation: str) -> tuple[str, float] | None:
        """How this successful call's answer is lost (and the client's wait), or None."""
        for i, (name, how, waited) in enumerate(self.lost_answers):
            if name == operation:
                del self.lost_answers[i]
                return how, waited
        return None

"""`FakePersonalize`: Amazon Personalize in memory, the facade over the store, the faults, the
botocore-model checks and the resource families' operation tables."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import ClassVar

from simulation.clock import VirtualClock
from simulation.personalize import batch, datasets, solutions, versions
from simulation.personalize.errors import AnswerLost, InvalidAnswerError, PersonalizeError
from simulation.personalize.operations import OPERATIONS
from simulation.personalize.store import (
    ACCOUNT,
    ACTIVE,
    JSON,
    REGION,
    Call,
    Durations,
    Limits,
    Operation,
    Store,
)
from simulation.personalize.validation import checked_request, shaped_answer


class FakePersonalize(Store):
    """Amazon Personalize in memory. `call(operation, params)` is the whole API; the other public
    methods are test helpers (seeding, faults, assertions) that make no API call and log none."""

    _WIRING: ClassVar[frozenset[str]] = Store._WIRING | {"operations"}

    def __init__(
        self,
        clock: VirtualClock | None = None,
        durations: Durations | None = None,
        limits: Limits | None = None,
        account: str = ACCOUNT,
        region: str = REGION,
    ) -> None:
        super().__init__(clock, durations, limits, account, region)
        # This fake's own copy of the table, so a test can plant a wrong answer in one fake.
        self.operations: dict[str, Operation] = dict(OPERATIONS)

    # ---- the API -----------------------------------------------------------------------------
    def call(self, operation: str, params: JSON | None = None) -> JSON:
        """One API request: validate, maybe inject, apply the rules, answer in the model's shape.

        Raises PersonalizeError. Timestamps in the answer are epoch float seconds.
        """
        params = {} if params is None else params
        with self._lock:
            now = self.clock.now()
            logged = copy.deepcopy(params)
            try:
                result = self._call(operation, params)
            except PersonalizeError as e:
                self.calls.append(Call(operation, logged, now, e.code, e.message))
                raise
            lost = self.faults.lost(operation)
            if lost is not None and lost[1] > 0:
                self.clock.advance(lost[1])
            self.calls.append(Call(operation, logged, now, "ok", answer_lost=lost is not None))
            if lost is not None and lost[0] == "500":
                raise PersonalizeError(
                    "InternalServerError", "injected: the service acted, the answer was lost", 500
                )
            if lost is not None:
                raise AnswerLost(operation)
            return result

    def _call(self, operation: str, params: JSON) -> JSON:
        op = checked_request(operation, params)
        self.faults.raise_injected(operation)
        handler = self.operations.get(operation)
        if handler is None:
            raise PersonalizeError("UnknownOperationException", f"{operation} is not implemented by the fake")
        self._settle()
        result, wrong = shaped_answer(op, handler(self, params))
        if wrong:
            self.invalid_answers.append(f"{operation}: {'; '.join(wrong)}")
            raise InvalidAnswerError(self.invalid_answers[-1])
        return result

    def _settle(self) -> None:
        """Apply everything whose time has come: finished deletions and updates, batch outputs,
        and the automatic trainings whose schedule came due."""
        self.settle_changes()
        batch.deliver_outputs(self)
        versions.auto_train_due(self)

    # ---- faults (see `faults.Faults`) ---------------------------------------------------------
    def fail_next_training(
        self, reason: str = "Training failed: not enough interactions", *, solution_arn: str | None = None
    ) -> None:
        """The next version created (of that solution, or of any) ends CREATE FAILED with this reason."""
        with self._lock:
            self.faults.fail_next_training(reason, solution_arn)

    def lose_answer(self, operation: str, *, how: str = "500", times: int = 1, waited: float = 0.0) -> None:
        """The next `times` successful calls of `operation` act, then their answer is lost."""
        with self._lock:
            self.faults.lose_answer(operation, how, times, waited)

    def fail_next_campaign_update(self, reason: str = "Campaign update failed") -> None:
        """The next UpdateCampaign ends with latestCampaignUpdate CREATE FAILED."""
        with self._lock:
            self.faults.campaign_update.append(reason)

    def fail_next_campaign_create(self, reason: str = "Campaign creation failed") -> None:
        with self._lock:
            self.faults.campaign_create.append(reason)

    def fail_next_import(self, reason: str = "Import failed: invalid CSV") -> None:
        with self._lock:
            self.faults.imports.append(reason)

    def fail_next_batch_job(self, reason: str = "Input file is not valid JSON") -> None:
        """The next batch job created fails with `reason` once it ran."""
        self.faults.batch.append(reason)

    def inject_error(
        self, operation: str, code: str, message: str = "injected", status: int = 400, times: int = 1
    ) -> None:
        """The next `times` calls of `operation` answer this error (before any rule runs)."""
        with self._lock:
            self.faults.inject_error(operation, code, message, status, times)

    def throttle(self, rate: float, seed: int = 0, operations: Iterable[str] | None = None) -> None:
        """That fraction of requests answer ThrottlingException (HTTP 400); rate 0 turns off."""
        with self._lock:
            self.faults.throttle(rate, seed, operations)

    def server_errors(self, rate: float, seed: int = 0, operations: Iterable[str] | None = None) -> None:
        """That fraction of requests answer InternalServerError (HTTP 500); rate 0 turns off."""
        with self._lock:
            self.faults.server_errors(rate, seed, operations)

    # ---- seeding and assertions (no API call, not logged) ------------------------------------
    def seed_dataset_group(self, name: str = "dg", *, with_interactions: bool = True) -> str:
        """An ACTIVE dataset group (and an interactions dataset with an ACTIVE import job)."""
        with self._lock:
            return datasets.seed_dataset_group(self, name, with_interactions=with_interactions)

    def seed_solution(
        self,
        dataset_group_arn: str,
        name: str = "solution",
        recipe: str = "aws-user-personalization",
        *,
        perform_auto_training: bool = False,
    ) -> str:
        """An ACTIVE solution (as if made earlier, e.g. by the notebook)."""
        with self._lock:
            return solutions.seed_solution(
                self, dataset_group_arn, name, recipe, perform_auto_training=perform_auto_training
            )

    def seed_solution_version(
        self,
        solution_arn: str,
        *,
        name: str | None = None,
        training_mode: str = "FULL",
        training_type: str = "MANUAL",
        status: str = ACTIVE,
        metrics: dict[str, float] | None = None,
    ) -> str:
        """A version already trained (ACTIVE), or training (CREATE IN_PROGRESS), or FAILED."""
        with self._lock:
            return versions.seed_solution_version(
                self,
                solution_arn,
                name=name,
                training_mode=training_mode,
                training_type=training_type,
                status=status,
                metrics=metrics,
            )

    def auto_train(self, solution_arn: str) -> str:
        """What the auto-training schedule does: a FULL/AUTOTRAIN version, trainingType AUTOMATIC."""
        with self._lock:
            self._settle()
            return versions.auto_train(self, solution_arn)

    def set_metrics(self, solution_version_arn: str, metrics: dict[str, float]) -> None:
        with self._lock:
            self.get(solution_version_arn, "solution-version").metrics = dict(metrics)

    def status_of(self, arn: str) -> str:
        """The status Describe* would show now (for assertions)."""
        with self._lock:
            self._settle()
            return self.status(self.get(arn))

    def exists(self, arn: str) -> bool:
        with self._lock:
            self._settle()
            return self.find(arn) is not None

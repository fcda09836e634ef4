"""In-memory Amazon Personalize: state and rules, no HTTP.

Requests are validated against botocore's own Personalize service model, answers are cut down
to the model's output shapes (so a summary never carries more than the real summary shape) and
validated against them (`personalize_model`),
and every status is computed lazily from timestamps on the virtual clock.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from botocore.validate import ParamValidator

from simulation.clock import VirtualClock
from simulation.metric_attribution_ops import MetricAttributionOps
from simulation.personalize_batch import BATCH_KINDS, BatchJobs
from simulation.personalize_model import (
    answer_problems,
    constraint_errors,
    project,
    service_model,
    timestamps_in,
)

JSON = dict[str, Any]

ACCOUNT: Final = "111111111111"
REGION: Final = "us-east-1"

PENDING: Final = "CREATE PENDING"
IN_PROGRESS: Final = "CREATE IN_PROGRESS"
ACTIVE: Final = "ACTIVE"
FAILED: Final = "CREATE FAILED"
STOPPING: Final = "CREATE STOPPING"
STOPPED: Final = "CREATE STOPPED"
DELETE_PENDING: Final = "DELETE PENDING"
DELETE_IN_PROGRESS: Final = "DELETE IN_PROGRESS"
CREATING: Final = (PENDING, IN_PROGRESS)

# The metric names of the notebook's GetSolutionMetrics output, with plausible values.
DEFAULT_METRICS: Final[dict[str, float]] = {
    "coverage": 0.2143,
    "mean_reciprocal_rank_at_25": 0.1187,
    "normalized_discounted_cumulative_gain_at_5": 0.1042,
    "normalized_discounted_cumulative_gain_at_10": 0.1356,
    "normalized_discounted_cumulative_gain_at_25": 0.1781,
    "precision_at_5": 0.0412,
    "precision_at_10": 0.0357,
    "precision_at_25": 0.0264,
}

# (name, recipeType, domain or None)
RECIPES: Final = (
    ("aws-user-personalization", "USER_PERSONALIZATION", None),
    ("aws-user-personalization-v2", "USER_PERSONALIZATION", None),
    ("aws-personalized-ranking", "PERSONALIZED_RANKING", None),
    ("aws-personalized-ranking-v2", "PERSONALIZED_RANKING", None),
    ("aws-similar-items", "RELATED_ITEMS", None),
    ("aws-sims", "RELATED_ITEMS", None),
    ("aws-popularity-count", "USER_PERSONALIZATION", None),
    ("aws-trending-now", "USER_PERSONALIZATION", None),
    ("aws-next-best-action", "PERSONALIZED_ACTIONS", None),
    ("aws-item-affinity", "USER_SEGMENTATION", None),
    ("aws-item-attribute-affinity", "USER_SEGMENTATION", None),
    ("aws-ecomm-customers-who-viewed-x-also-viewed", "RELATED_ITEMS", "ECOMMERCE"),
    ("aws-ecomm-recommended-for-you", "USER_PERSONALIZATION", "ECOMMERCE"),
    ("aws-vod-because-you-watched-x", "RELATED_ITEMS", "VIDEO_ON_DEMAND"),
    ("aws-vod-top-picks", "USER_PERSONALIZATION", "VIDEO_ON_DEMAND"),
)
RECIPE_ARN_PREFIX: Final = "arn:aws:personalize:::recipe/"
# CreateSolutionVersion's trainingMode: "The UPDATE option can only be used when ... the input
# solution was trained with the User-Personalization recipe or the legacy HRNN-Coldstart recipe"
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolutionVersion.html). Kept apart
# from the app's recipe table (stacks/config_model/recipes.py) so each checks the other.
UPDATE_MODE_RECIPES: Final = ("aws-user-personalization", "aws-hrnn-coldstart")
EXPLORATION_RECIPES: Final = ("aws-user-personalization", "aws-user-personalization-v2")
DEFAULT_EXPLORATION: Final = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}
DEFAULT_AUTO_TRAINING: Final = "rate(7 days)"
DATASET_TYPES: Final = ("INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS")


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


def _invalid(message: str) -> PersonalizeError:
    return PersonalizeError("InvalidInputException", message)


def _in_use(message: str) -> PersonalizeError:
    return PersonalizeError("ResourceInUseException", message)


def _not_found(arn: str) -> PersonalizeError:
    return PersonalizeError("ResourceNotFoundException", f"Could not find resource with ARN {arn}")


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    operation: str
    params: JSON
    time: float  # virtual epoch seconds
    outcome: str  # "ok" or the error code
    message: str = ""
    answer_lost: bool = False  # the service acted, the client never got this answer

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class Durations:
    """How long things take, in virtual seconds: the fake's one table of durations.

    Illustrative, not measured: no AWS source gives training time by data size or recipe (the
    seed notebook reports "an average of 35 minutes for this recipe with our dataset"; the rest
    are plausible round numbers). Scenario tests and `make rehearse` (which prints them, and takes
    `TRAINING_MINUTES=`) read them from here.
    """

    training: float = 35 * 60
    training_pending: float = 60.0  # a version is CREATE PENDING this long first
    campaign_create: float = 10 * 60
    campaign_update: float = 8 * 60
    import_job: float = 10 * 60
    solution_create: float = 30.0
    solution_update: float = 30.0
    resource_create: float = 30.0  # dataset group, dataset, filter, event tracker
    delete: float = 60.0
    stop: float = 30.0  # CREATE STOPPING -> CREATE STOPPED
    batch_job: float = 20 * 60  # a batch inference or segment job, PENDING to ACTIVE


@dataclass
class Limits:
    """Quotas (the real defaults, adjustable like the real ones)."""

    versions_training: int = 20
    campaigns_per_dataset_group: int = 5
    filters_per_dataset_group: int = 30


@dataclass
class _Change:
    """An UpdateCampaign / UpdateSolution in flight or done."""

    started: float
    done_at: float
    fields: JSON  # the values the resource takes when the change is ACTIVE
    summary: JSON  # what latest*Update shows besides status and times
    failure: str | None = None
    applied: bool = False


@dataclass
class _Res:
    kind: str
    arn: str
    name: str
    seq: int
    created: float
    ready_at: float
    data: JSON
    parent: str = ""  # dataset group of a dataset/solution/filter/tracker, solution of a version
    failure: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    deleted_at: float | None = None
    gone_at: float | None = None
    stop_at: float | None = None
    stopped_at: float | None = None
    change: _Change | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def _phase(start: float, end: float, now: float, failure: str | None) -> str:
    """CREATE PENDING for the first part (≤ 60 s), then IN_PROGRESS, then ACTIVE or FAILED."""
    if now < start + min(60.0, (end - start) / 2):
        return PENDING
    if now < end:
        return IN_PROGRESS
    return FAILED if failure else ACTIVE


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class _Injector:
    """A seeded coin: a fraction `rate` of eligible requests get the error."""

    def __init__(self, rate: float, seed: int, operations: Iterable[str] | None) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.operations = frozenset(operations) if operations is not None else None

    def hit(self, operation: str) -> bool:
        if self.operations is not None and operation not in self.operations:
            return False
        return self.rng.random() < self.rate


MetricsSource = dict[str, float] | Callable[[str], dict[str, float]]

MUTATING_PREFIXES: Final = ("Create", "Update", "Delete", "Stop", "Tag", "Untag")


class FakePersonalize(BatchJobs, MetricAttributionOps):
    """Amazon Personalize in memory. `call(operation, params)` is the whole API."""

    def __init__(
        self,
        clock: VirtualClock | None = None,
        durations: Durations | None = None,
        limits: Limits | None = None,
        account: str = ACCOUNT,
        region: str = REGION,
    ) -> None:
        self.clock = clock or VirtualClock()
        self.durations = durations or Durations()
        self.limits = limits or Limits()
        self.account = account
        self.region = region
        self.calls: list[Call] = []
        self.invalid_answers: list[str] = []  # answers refused by botocore's output shapes (fake bugs)
        self.metrics_for_next_versions: MetricsSource = dict(DEFAULT_METRICS)
        self.endpoint_url: str | None = None  # set by FakePersonalizeServer when serving
        self._model = service_model()
        self._validator = ParamValidator()
        self._lock = threading.RLock()
        self._res: dict[str, _Res] = {}
        self._seq = 0
        self._fail_training: list[tuple[str, str | None]] = []  # (failureReason, solution ARN or any)
        self._lost_answers: list[tuple[str, str, float]] = []  # (operation, how, waited)
        self._fail_campaign_update: list[str] = []
        self._fail_campaign_create: list[str] = []
        self._fail_import: list[str] = []
        self._fail_batch: list[str] = []
        self._one_shot: list[tuple[str, PersonalizeError]] = []
        self._throttle: _Injector | None = None
        self._server_errors: _Injector | None = None
        # The S3 the world holds, as an import job reads it: location → a failureReason when
        # there is nothing to read, else None. None: jobs never look at their data.
        self.data_reader: Callable[[str], str | None] | None = None
        self._auto_trained_until: dict[str, float] = {}  # solution ARN -> start of its current period

    # ---- injection ---------------------------------------------------------------------------
    def fail_next_training(
        self, reason: str = "Training failed: not enough interactions", *, solution_arn: str | None = None
    ) -> None:
        """The next version created (of that solution, or of any) ends CREATE FAILED with this reason."""
        with self._lock:
            self._fail_training.append((reason, solution_arn))

    def _training_failure(self, solution_arn: str) -> str | None:
        for i, (reason, solution) in enumerate(self._fail_training):
            if solution in (None, solution_arn):
                del self._fail_training[i]
                return reason
        return None

    def lose_answer(self, operation: str, *, how: str = "500", times: int = 1, waited: float = 0.0) -> None:
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
        with self._lock:
            self._lost_answers.extend([(operation, how, waited)] * times)

    def fail_next_campaign_update(self, reason: str = "Campaign update failed") -> None:
        """The next UpdateCampaign ends with latestCampaignUpdate CREATE FAILED."""
        with self._lock:
            self._fail_campaign_update.append(reason)

    def fail_next_campaign_create(self, reason: str = "Campaign creation failed") -> None:
        with self._lock:
            self._fail_campaign_create.append(reason)

    def fail_next_import(self, reason: str = "Import failed: invalid CSV") -> None:
        with self._lock:
            self._fail_import.append(reason)

    def inject_error(
        self, operation: str, code: str, message: str = "injected", status: int = 400, times: int = 1
    ) -> None:
        """The next `times` calls of `operation` answer this error (before any rule runs)."""
        with self._lock:
            for _ in range(times):
                self._one_shot.append((operation, PersonalizeError(code, message, status)))

    def throttle(self, rate: float, seed: int = 0, operations: Iterable[str] | None = None) -> None:
        """That fraction of requests answer ThrottlingException (HTTP 400); rate 0 turns off."""
        with self._lock:
            self._throttle = _Injector(rate, seed, operations) if rate > 0 else None

    def server_errors(self, rate: float, seed: int = 0, operations: Iterable[str] | None = None) -> None:
        """That fraction of requests answer InternalServerError (HTTP 500); rate 0 turns off."""
        with self._lock:
            self._server_errors = _Injector(rate, seed, operations) if rate > 0 else None

    # ---- snapshots: one deployed account forked into many tests -------------------------------
    _WIRING: Final = frozenset(
        {"clock", "endpoint_url", "_model", "_validator", "_lock", "data_reader", "object_store"}
    )

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the account (resources, call log, settings, pending injections).

        Everything but the wiring: the clock, the server's address and the botocore model.
        Resources hold absolute virtual times, so a restored copy needs its clock set to the
        time of the snapshot (`World.restore` does).
        """
        with self._lock:
            return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._WIRING})

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Become a copy of the account `snapshot` was taken from."""
        with self._lock:
            vars(self).update(copy.deepcopy(snapshot))

    # ---- call log ----------------------------------------------------------------------------
    def calls_named(self, operation: str, *, only_ok: bool = False) -> list[Call]:
        return [c for c in self.calls if c.operation == operation and (c.ok or not only_ok)]

    def mutating_calls(self, *, include_failed: bool = False) -> list[Call]:
        """Create*/Update*/Delete*/Stop*/Tag*/Untag* calls; successful ones unless asked."""
        return [
            c for c in self.calls if c.operation.startswith(MUTATING_PREFIXES) and (c.ok or include_failed)
        ]

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
            lost = self._lose(operation)
            self.calls.append(Call(operation, logged, now, "ok", answer_lost=lost is not None))
            if lost == "500":
                raise PersonalizeError(
                    "InternalServerError", "injected: the service acted, the answer was lost", 500
                )
            if lost == "timeout":
                raise AnswerLost(operation)
            return result

    def _lose(self, operation: str) -> str | None:
        for i, (name, how, waited) in enumerate(self._lost_answers):
            if name == operation:
                del self._lost_answers[i]
                if waited > 0:
                    self.clock.advance(waited)
                return how
        return None

    def _call(self, operation: str, params: JSON) -> JSON:
        if operation not in self._model.operation_names:
            raise PersonalizeError("UnknownOperationException", f"Unknown operation {operation}")
        op = self._model.operation_model(operation)
        if op.input_shape is not None:
            checked = timestamps_in(op.input_shape, params)
            report = self._validator.validate(checked, op.input_shape)
            if report.has_errors():
                raise PersonalizeError("ValidationException", report.generate_report())
            errors: list[str] = []
            constraint_errors(op.input_shape, params, "", errors)
            if errors:
                n = len(errors)
                raise _invalid(f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(errors))
        for i, (name, error) in enumerate(self._one_shot):
            if name == operation:
                del self._one_shot[i]
                raise error
        if self._server_errors is not None and self._server_errors.hit(operation):
            raise PersonalizeError("InternalServerError", "injected server error", 500)
        if self._throttle is not None and self._throttle.hit(operation):
            raise PersonalizeError("ThrottlingException", "Rate exceeded")
        handler = getattr(self, "_op_" + _snake(operation), None)
        if handler is None:
            raise PersonalizeError("UnknownOperationException", f"{operation} is not implemented by the fake")
        self._settle()
        out = handler(params)
        result: JSON = project(op.output_shape, out)
        wrong = answer_problems(op, result)
        if wrong:
            self.invalid_answers.append(f"{operation}: {'; '.join(wrong)}")
            raise InvalidAnswerError(self.invalid_answers[-1])
        return result

    # ---- test helpers (no API call, not logged) ----------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def seed_dataset_group(self, name: str = "dg", *, with_interactions: bool = True) -> str:
        """An ACTIVE dataset group (and an interactions dataset with an ACTIVE import job)."""
        with self._lock:
            now = self.clock.now()
            dg = self._arn("dataset-group", name)
            self._ensure_new(dg)
            self._add("dataset-group", dg, name, now, now, {"domain": None})
            if with_interactions:
                schema = self._arn("schema", f"{name}-interactions")
                if schema not in self._res:
                    self._add("schema", schema, f"{name}-interactions", now, now, {"schema": "{}"})
                ds = self._dataset_arn(name, "INTERACTIONS")
                self._add(
                    "dataset",
                    ds,
                    f"{name}-interactions",
                    now,
                    now,
                    {"datasetGroupArn": dg, "schemaArn": schema, "datasetType": "INTERACTIONS"},
                    parent=dg,
                )
                job = self._arn("dataset-import-job", f"{name}-import")
                self._add(
                    "dataset-import-job",
                    job,
                    f"{name}-import",
                    now,
                    now,
                    {
                        "datasetArn": ds,
                        "jobName": f"{name}-import",
                        "importMode": "FULL",
                        "dataSource": {"dataLocation": "s3://bucket/interactions.csv"},
                    },
                    parent=ds,
                )
            return dg

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
            now = self.clock.now()
            arn = self._arn("solution", name)
            self._ensure_new(arn)
            config: JSON = {}
            if perform_auto_training:
                config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
            self._add(
                "solution",
                arn,
                name,
                now,
                now,
                {
                    "datasetGroupArn": dataset_group_arn,
                    "recipeArn": RECIPE_ARN_PREFIX + recipe,
                    "performHPO": False,
                    "performAutoML": False,
                    "performAutoTraining": perform_auto_training,
                    "performIncrementalUpdate": False,
                    "solutionConfig": config,
                },
                parent=dataset_group_arn,
            )
            return arn

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
            solution = self._get(solution_arn, "solution")
            now = self.clock.now()
            failure = "seeded failure" if status == FAILED else None
            created = now - 3600 if status != IN_PROGRESS else now - 120
            ready = now if status != IN_PROGRESS else now + self.durations.training
            arn = self._new_version(solution, name, training_mode, training_type, [], created, ready, failure)
            if metrics is not None:
                self._res[arn].metrics = dict(metrics)
            return arn

    def auto_train(self, solution_arn: str) -> str:
        """What the auto-training schedule does: a FULL/AUTOTRAIN version, trainingType AUTOMATIC."""
        with self._lock:
            self._settle()
            solution = self._get(solution_arn, "solution")
            now = self.clock.now()
            return self._new_version(
                solution,
                None,
                "AUTOTRAIN",
                "AUTOMATIC",
                [],
                now,
                now + self.durations.training,
                self._training_failure(solution_arn),
            )

    def set_metrics(self, solution_version_arn: str, metrics: dict[str, float]) -> None:
        with self._lock:
            self._get(solution_version_arn, "solution-version").metrics = dict(metrics)

    def status_of(self, arn: str) -> str:
        """The status Describe* would show now (for assertions)."""
        with self._lock:
            self._settle()
            return self._status(self._get(arn))

    def exists(self, arn: str) -> bool:
        with self._lock:
            self._settle()
            return arn in self._res

    # ---- internals ---------------------------------------------------------------------------
    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:personalize:{self.region}:{self.account}:{kind}/{name}"

    def _dataset_arn(self, group_name: str, dataset_type: str) -> str:
        return self._arn("dataset", f"{group_name}/{dataset_type}")

    @staticmethod
    def _pop(queue: list[str]) -> str | None:
        return queue.pop(0) if queue else None

    def _ensure_new(self, arn: str) -> None:
        if arn in self._res:
            raise PersonalizeError(
                "ResourceAlreadyExistsException", f"Resource with ARN {arn} already exists."
            )

    def _add(  # noqa: PLR0917
        self,
        kind: str,
        arn: str,
        name: str,
        created: float,
        ready_at: float,
        data: JSON,
        *,
        parent: str = "",
        failure: str | None = None,
        tags: list[JSON] | None = None,
    ) -> _Res:
        self._seq += 1
        res = _Res(
            kind,
            arn,
            name,
            self._seq,
            created,
            ready_at,
            data,
            parent,
            failure,
            {t["tagKey"]: t["tagValue"] for t in tags or []},
        )
        self._res[arn] = res
        return res

    def _get(self, arn: str, kind: str | None = None) -> _Res:
        res = self._res.get(arn)
        if res is None or (kind is not None and res.kind != kind):
            raise _not_found(arn)
        return res

    def _of(self, kind: str, parent: str | None = None) -> list[_Res]:
        """Resources of a kind (optionally of one parent), newest first."""
        found = [r for r in self._res.values() if r.kind == kind and (parent is None or r.parent == parent)]
        return sorted(found, key=lambda r: r.seq, reverse=True)

    def _status(self, res: _Res) -> str:
        now = self.clock.now()
        if res.deleted_at is not None:
            assert res.gone_at is not None
            half = (res.gone_at - res.deleted_at) / 2
            return DELETE_PENDING if now < res.deleted_at + half else DELETE_IN_PROGRESS
        if res.stop_at is not None:
            assert res.stopped_at is not None
            return STOPPING if now < res.stopped_at else STOPPED
        if res.kind in BATCH_KINDS:
            return self._batch_status(res, now)
        if res.kind == "solution-version":
            if now < res.created + min(self.durations.training_pending, (res.ready_at - res.created) / 2):
                return PENDING
            return IN_PROGRESS if now < res.ready_at else (FAILED if res.failure else ACTIVE)
        return _phase(res.created, res.ready_at, now, res.failure)

    def _updated(self, res: _Res) -> float:
        """lastUpdatedDateTime: the latest status transition so far."""
        now = self.clock.now()
        pending = 60.0 if res.kind != "solution-version" else self.durations.training_pending
        marks = [res.created, res.created + min(pending, (res.ready_at - res.created) / 2)]
        if res.stop_at is None:
            marks.append(res.ready_at)
        marks += [t for t in (res.stop_at, res.stopped_at, res.deleted_at) if t is not None]
        if res.change is not None:
            marks.append(res.change.started)
            if res.change.applied:
                marks.append(res.change.done_at)
        return max(t for t in marks if t <= now)

    def _view(self, res: _Res) -> JSON:
        status = self._status(res)
        view: JSON = {
            "name": res.name,
            _arn_key(res.kind): res.arn,
            **res.data,
            "status": status,
            "creationDateTime": res.created,
            "lastUpdatedDateTime": self._updated(res),
        }
        if status == FAILED:
            view["failureReason"] = res.failure
        return view

    def _settle(self) -> None:
        """Apply everything whose time has come: finished deletions and finished updates, and the
        automatic trainings whose schedule came due."""
        now = self.clock.now()
        for res in list(self._res.values()):
            if res.arn not in self._res:
                continue
            if res.gone_at is not None and now >= res.gone_at:
                self._purge(res)
            elif res.change and not res.change.applied and now >= res.change.done_at:
                res.change.applied = True
                if res.change.failure is None:
                    res.data.update(copy.deepcopy(res.change.fields))
        self._deliver_batch_outputs()
        for solution in [r for r in self._res.values() if r.kind == "solution"]:
            self._auto_train_due(solution, now)

    def _auto_train_due(self, solution: _Res, now: float) -> None:
        """With performAutoTraining on, a version with `trainingType` AUTOMATIC starts every
        `schedulingExpression` period, counted from when the solution (or the update that turned
        auto-training on) became ACTIVE. Developer guide, "Configuring automatic training"
        (https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html) and
        the API reference's AutoTrainingConfig. Not modelled: the guide's rule that a period without
        newly imported interactions trains nothing."""
        expression = (
            (solution.data.get("solutionConfig") or {})
            .get("autoTrainingConfig", {})
            .get("schedulingExpression")
        )
        if not solution.data.get("performAutoTraining") or not expression or solution.deleted_at is not None:
            self._auto_trained_until.pop(solution.arn, None)
            return
        change = solution.change
        started = change.done_at if change is not None and change.applied else solution.ready_at
        period = int(re.sub(r"\D", "", expression)) * 86400.0
        since = self._auto_trained_until.setdefault(solution.arn, started)
        while since + period <= now:
            since += period
            self._new_version(
                solution,
                None,
                "AUTOTRAIN",
                "AUTOMATIC",
                [],
                since,
                since + self.durations.training,
                self._training_failure(solution.arn),
            )
        self._auto_trained_until[solution.arn] = since

    def _purge(self, res: _Res) -> None:
        self._res.pop(res.arn, None)
        for child in [r for r in self._res.values() if r.parent == res.arn]:
            self._purge(child)

    def _start_delete(self, res: _Res, what: str) -> None:
        status = self._status(res)
        if status in (DELETE_PENDING, DELETE_IN_PROGRESS):
            raise _in_use(f"The {what} {res.arn} is already being deleted.")
        if status in CREATING:
            raise _in_use(f"The {what} {res.arn} is in {status} state; try again later.")
        now = self.clock.now()
        res.deleted_at = now
        res.gone_at = now + self.durations.delete

    def _refuse_if_any(self, children: list[_Res], what: str, res: _Res) -> None:
        if children:
            raise _in_use(
                f"Cannot delete {res.arn}: it still has {len(children)} {what} "
                f"({children[0].arn}); delete them first."
            )

    def _page(self, items: list[Any], params: JSON, key: str) -> JSON:
        start = 0
        token = params.get("nextToken")
        if token:
            match = re.fullmatch(r"page-(\d+)", token)
            if match is None:
                raise PersonalizeError("InvalidNextTokenException", "Invalid next token")
            start = int(match.group(1))
        size = int(params.get("maxResults") or 100)
        out: JSON = {key: items[start : start + size]}
        if start + size < len(items):
            out["nextToken"] = f"page-{start + size}"
        return out

    def _list(self, kind: str, params: JSON, key: str, parent_key: str | None) -> JSON:
        parent = params.get(parent_key) if parent_key else None
        return self._page([self._view(r) for r in self._of(kind, parent)], params, key)

    def _dataset_group(self, arn: str) -> _Res:
        group = self._get(arn, "dataset-group")
        if group.deleted_at is not None:
            raise _in_use(f"The dataset group {arn} is being deleted.")
        return group

    def _has_imported_interactions(self, group_arn: str) -> bool:
        for dataset in self._of("dataset", group_arn):
            if dataset.data.get("datasetType") == "INTERACTIONS":
                for job in self._of("dataset-import-job", dataset.arn):
                    if self._status(job) == ACTIVE:
                        return True
        return False

    def _has_bulk_import(self, dataset_arn: str) -> bool:
        return any(self._status(job) == ACTIVE for job in self._of("dataset-import-job", dataset_arn))

    # ---- dataset groups, schemas, datasets, import jobs --------------------------------------
    def _op_create_dataset_group(self, p: JSON) -> JSON:
        arn = self._arn("dataset-group", p["name"])
        self._ensure_new(arn)
        now = self.clock.now()
        self._add(
            "dataset-group",
            arn,
            p["name"],
            now,
            now + self.durations.resource_create,
            {"roleArn": p.get("roleArn"), "kmsKeyArn": p.get("kmsKeyArn"), "domain": p.get("domain")},
            tags=p.get("tags"),
        )
        return {"datasetGroupArn": arn, "domain": p.get("domain")}

    def _op_describe_dataset_group(self, p: JSON) -> JSON:
        return {"datasetGroup": self._view(self._get(p["datasetGroupArn"], "dataset-group"))}

    def _op_list_dataset_groups(self, p: JSON) -> JSON:
        return self._list("dataset-group", p, "datasetGroups", None)

    def _op_delete_dataset_group(self, p: JSON) -> JSON:
        group = self._get(p["datasetGroupArn"], "dataset-group")
        for kind, what in (
            ("dataset", "datasets"),
            ("solution", "solutions"),
            ("filter", "filters"),
            ("event-tracker", "event trackers"),
        ):
            self._refuse_if_any(self._of(kind, group.arn), what, group)
        self._start_delete(group, "dataset group")
        return {}

    def _op_create_schema(self, p: JSON) -> JSON:
        arn = self._arn("schema", p["name"])
        self._ensure_new(arn)
        now = self.clock.now()
        self._add("schema", arn, p["name"], now, now, {"schema": p["schema"], "domain": p.get("domain")})
        return {"schemaArn": arn}

    def _op_describe_schema(self, p: JSON) -> JSON:
        return {"schema": self._view(self._get(p["schemaArn"], "schema"))}

    def _op_list_schemas(self, p: JSON) -> JSON:
        return self._list("schema", p, "schemas", None)

    def _op_delete_schema(self, p: JSON) -> JSON:
        schema = self._get(p["schemaArn"], "schema")
        users = [r for r in self._of("dataset") if r.data.get("schemaArn") == schema.arn]
        self._refuse_if_any(users, "datasets using it", schema)
        del self._res[schema.arn]  # schemas have no status: gone at once
        return {}

    def _op_create_dataset(self, p: JSON) -> JSON:
        group = self._dataset_group(p["datasetGroupArn"])
        self._get(p["schemaArn"], "schema")
        dataset_type = p["datasetType"].upper()
        if dataset_type not in DATASET_TYPES:
            raise _invalid(f"Invalid datasetType {p['datasetType']}; one of {DATASET_TYPES}")
        arn = self._dataset_arn(group.name, dataset_type)
        self._ensure_new(arn)
        now = self.clock.now()
        self._add(
            "dataset",
            arn,
            p["name"],
            now,
            now + self.durations.resource_create,
            {"datasetGroupArn": group.arn, "schemaArn": p["schemaArn"], "datasetType": dataset_type},
            parent=group.arn,
            tags=p.get("tags"),
        )
        return {"datasetArn": arn}

    def _op_describe_dataset(self, p: JSON) -> JSON:
        return {"dataset": self._view(self._get(p["datasetArn"], "dataset"))}

    def _op_list_datasets(self, p: JSON) -> JSON:
        return self._list("dataset", p, "datasets", "datasetGroupArn")

    def _op_delete_dataset(self, p: JSON) -> JSON:
        dataset = self._get(p["datasetArn"], "dataset")
        running = [j for j in self._of("dataset-import-job", dataset.arn) if self._status(j) in CREATING]
        self._refuse_if_any(running, "import jobs in progress", dataset)
        group = dataset.data["datasetGroupArn"]
        training = [
            v
            for v in self._of("solution-version")
            if v.data["datasetGroupArn"] == group and self._status(v) in (*CREATING, STOPPING)
        ]
        self._refuse_if_any(training, "solution versions training on its dataset group", dataset)
        self._start_delete(dataset, "dataset")
        return {}

    def _op_create_dataset_import_job(self, p: JSON) -> JSON:
        """API reference, CreateDatasetImportJob
        (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html):
        the job's ARN is `dataset-import-job/{jobName}`, so a name is used once
        (ResourceAlreadyExistsException); `importMode` defaults to FULL, and "if you haven't
        imported bulk records into the dataset previously, you can only specify FULL" (also in
        botocore's model, the member's documentation). Statuses: CREATE PENDING > CREATE
        IN_PROGRESS > ACTIVE -or- CREATE FAILED (botocore's model, DatasetImportJob.status), with
        `failureReason` when failed. A job whose data cannot be read fails (`data_reader`)."""
        dataset = self._get(p["datasetArn"], "dataset")
        if dataset.deleted_at is not None:
            raise _in_use(f"The dataset {dataset.arn} is being deleted.")
        arn = self._arn("dataset-import-job", p["jobName"])
        self._ensure_new(arn)
        mode = p.get("importMode", "FULL")
        if mode != "FULL" and not self._has_bulk_import(dataset.arn):
            raise _invalid(
                f"Import mode {mode} is not allowed: no bulk records were imported into {dataset.arn} "
                "before; the first import must be FULL."
            )
        unreadable = self.data_reader(p["dataSource"]["dataLocation"]) if self.data_reader else None
        now = self.clock.now()
        self._add(
            "dataset-import-job",
            arn,
            p["jobName"],
            now,
            now + self.durations.import_job,
            {
                "jobName": p["jobName"],
                "datasetArn": dataset.arn,
                "dataSource": p["dataSource"],
                "roleArn": p.get("roleArn"),
                "importMode": mode,
                "publishAttributionMetricsToS3": p.get("publishAttributionMetricsToS3"),
            },
            parent=dataset.arn,
            failure=unreadable or self._pop(self._fail_import),
            tags=p.get("tags"),
        )
        return {"datasetImportJobArn": arn}

    def _op_describe_dataset_import_job(self, p: JSON) -> JSON:
        job = self._get(p["datasetImportJobArn"], "dataset-import-job")
        return {"datasetImportJob": self._view(job)}

    def _op_list_dataset_import_jobs(self, p: JSON) -> JSON:
        return self._list("dataset-import-job", p, "datasetImportJobs", "datasetArn")

    # ---- solutions and versions --------------------------------------------------------------
    def _recipe_name(self, recipe_arn: str) -> str:
        name = recipe_arn.removeprefix(RECIPE_ARN_PREFIX)
        for recipe, _kind, domain in RECIPES:
            if recipe_arn == RECIPE_ARN_PREFIX + recipe:
                if domain is not None:
                    raise _invalid(
                        f"Recipe {recipe_arn} is for domain dataset groups "
                        "(recommenders), not for custom solutions."
                    )
                return name
        raise PersonalizeError("ResourceNotFoundException", f"Recipe {recipe_arn} not found.")

    @staticmethod
    def _check_schedule(config: JSON) -> None:
        expression = config.get("autoTrainingConfig", {}).get("schedulingExpression")
        if expression is not None:
            days = int(re.sub(r"\D", "", expression))
            if not 1 <= days <= 30:
                raise _invalid(f"schedulingExpression {expression}: rate must be 1-30 days")

    def _op_create_solution(self, p: JSON) -> JSON:
        group = self._dataset_group(p["datasetGroupArn"])
        if p.get("performAutoML"):
            raise _invalid("performAutoML is not supported; choose a recipe.")
        if "recipeArn" not in p:
            raise _invalid("recipeArn is required.")
        self._recipe_name(p["recipeArn"])
        arn = self._arn("solution", p["name"])
        self._ensure_new(arn)
        auto = p.get("performAutoTraining", True)
        config = copy.deepcopy(p.get("solutionConfig", {}))
        if auto and "autoTrainingConfig" not in config:
            config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
        self._check_schedule(config)
        now = self.clock.now()
        self._add(
            "solution",
            arn,
            p["name"],
            now,
            now + self.durations.solution_create,
            {
                "datasetGroupArn": group.arn,
                "recipeArn": p["recipeArn"],
                "performHPO": p.get("performHPO", False),
                "performAutoML": False,
                "performAutoTraining": auto,
                "performIncrementalUpdate": p.get("performIncrementalUpdate", False),
                "eventType": p.get("eventType"),
                "solutionConfig": config,
            },
            parent=group.arn,
            tags=p.get("tags"),
        )
        return {"solutionArn": arn}

    def _solution_view(self, solution: _Res) -> JSON:
        view = self._view(solution)
        versions = self._of("solution-version", solution.arn)
        if versions:
            view["latestSolutionVersion"] = self._view(versions[0])
        change = solution.change
        if change is not None:
            status = _phase(change.started, change.done_at, self.clock.now(), change.failure)
            view["latestSolutionUpdate"] = {
                **change.summary,
                "status": status,
                "creationDateTime": change.started,
                "lastUpdatedDateTime": change.done_at if change.applied else change.started,
                "failureReason": change.failure if status == FAILED else None,
            }
        return view

    def _op_describe_solution(self, p: JSON) -> JSON:
        return {"solution": self._solution_view(self._get(p["solutionArn"], "solution"))}

    def _op_list_solutions(self, p: JSON) -> JSON:
        return self._list("solution", p, "solutions", "datasetGroupArn")

    def _op_update_solution(self, p: JSON) -> JSON:
        solution = self._get(p["solutionArn"], "solution")
        status = self._status(solution)
        if status != ACTIVE:
            raise _in_use(f"The solution {solution.arn} is in {status} state; it must be ACTIVE.")
        if solution.change is not None and not solution.change.applied:
            raise _in_use(f"The solution {solution.arn} has an update in progress.")
        auto = p.get("performAutoTraining", solution.data["performAutoTraining"])
        update_config = copy.deepcopy(p.get("solutionUpdateConfig", {}))
        config = copy.deepcopy(solution.data["solutionConfig"])
        if "autoTrainingConfig" in update_config:
            config["autoTrainingConfig"] = update_config["autoTrainingConfig"]
        if auto and "autoTrainingConfig" not in config:
            config["autoTrainingConfig"] = {"schedulingExpression": DEFAULT_AUTO_TRAINING}
        self._check_schedule(config)
        fields: JSON = {"performAutoTraining": auto, "solutionConfig": config}
        if "performIncrementalUpdate" in p:
            fields["performIncrementalUpdate"] = p["performIncrementalUpdate"]
        now = self.clock.now()
        solution.change = _Change(
            now,
            now + self.durations.solution_update,
            fields,
            {
                "solutionUpdateConfig": update_config or None,
                "performAutoTraining": auto,
                "performIncrementalUpdate": p.get("performIncrementalUpdate"),
            },
        )
        return {"solutionArn": solution.arn}

    def _op_delete_solution(self, p: JSON) -> JSON:
        solution = self._get(p["solutionArn"], "solution")
        versions = self._of("solution-version", solution.arn)
        busy = [v for v in versions if self._status(v) in (*CREATING, STOPPING)]
        self._refuse_if_any(busy, "solution versions still training or stopping", solution)
        version_arns = {v.arn for v in versions}
        users = [c for c in self._of("campaign") if self._campaign_versions(c) & version_arns]
        self._refuse_if_any(users, "campaigns using its versions", solution)
        if solution.change is not None and not solution.change.applied:
            raise _in_use(f"The solution {solution.arn} has an update in progress.")
        self._start_delete(solution, "solution")
        return {}

    def _new_version(  # noqa: PLR0917
        self,
        solution: _Res,
        name: str | None,
        mode: str,
        training_type: str,
        tags: list[JSON],
        created: float,
        ready_at: float,
        failure: str | None,
    ) -> str:
        self._seq += 1
        digest = hashlib.sha256(f"{solution.arn}#{self._seq}".encode()).hexdigest()[:8]
        arn = f"{solution.arn}/{digest}"
        source = self.metrics_for_next_versions
        metrics = source(arn) if callable(source) else dict(source)
        data = {
            "solutionVersionArn": arn,
            "solutionArn": solution.arn,
            "performHPO": solution.data.get("performHPO", False),
            "performAutoML": False,
            "performIncrementalUpdate": solution.data.get("performIncrementalUpdate", False),
            "recipeArn": solution.data["recipeArn"],
            "eventType": solution.data.get("eventType"),
            "datasetGroupArn": solution.data["datasetGroupArn"],
            "solutionConfig": copy.deepcopy(solution.data.get("solutionConfig", {})),
            "trainingMode": mode,
            "trainingType": training_type,
        }
        res = self._add(
            "solution-version",
            arn,
            name or "",
            created,
            ready_at,
            data,
            parent=solution.arn,
            failure=failure,
            tags=tags,
        )
        res.metrics = dict(metrics)
        return arn

    def _version_view(self, version: _Res) -> JSON:
        view = self._view(version)
        if not version.name:
            del view["name"]
        if view["status"] == ACTIVE:
            view["trainingHours"] = round((version.ready_at - version.created) / 3600, 3)
        return view

    def _op_create_solution_version(self, p: JSON) -> JSON:
        solution = self._get(p["solutionArn"], "solution")
        status = self._status(solution)
        if status != ACTIVE:
            raise _in_use(f"The solution {solution.arn} is in {status} state; it must be ACTIVE.")
        mode = p.get("trainingMode", "FULL")
        if mode == "AUTOTRAIN":
            raise _invalid("trainingMode AUTOTRAIN is reserved for automatic training.")
        if not self._has_imported_interactions(solution.data["datasetGroupArn"]):
            raise _invalid(
                f"The dataset group {solution.data['datasetGroupArn']} has no interactions "
                "dataset with an ACTIVE import job; import interactions before training."
            )
        versions = self._of("solution-version", solution.arn)
        if mode == "UPDATE":
            recipe = self._recipe_name(solution.data["recipeArn"])
            if recipe not in UPDATE_MODE_RECIPES:
                raise _invalid(f"trainingMode UPDATE is not supported for recipe {recipe}.")
            if not any(self._status(v) == ACTIVE for v in versions):
                raise _invalid(f"trainingMode UPDATE needs an ACTIVE solution version of {solution.arn}.")
        training = [v for v in versions if self._status(v) in (*CREATING, STOPPING)]
        if training:
            raise _in_use(
                f"The solution {solution.arn} already has a version being created: {training[0].arn}."
            )
        name = p.get("name")
        # botocore's model lists ResourceAlreadyExistsException for CreateSolutionVersion; that a
        # second version of one solution under the same name raises it is assumed (undocumented).
        if name and any(v.name == name for v in versions):
            raise PersonalizeError(
                "ResourceAlreadyExistsException", f"A solution version named {name} already exists."
            )
        in_flight = [v for v in self._of("solution-version") if self._status(v) in CREATING]
        if len(in_flight) >= self.limits.versions_training:
            raise PersonalizeError(
                "LimitExceededException",
                f"Limit of {self.limits.versions_training} solution versions in training reached.",
            )
        now = self.clock.now()
        arn = self._new_version(
            solution,
            name,
            mode,
            "MANUAL",
            p.get("tags", []),
            now,
            now + self.durations.training,
            self._training_failure(solution.arn),
        )
        return {"solutionVersionArn": arn}

    def _op_describe_solution_version(self, p: JSON) -> JSON:
        version = self._get(p["solutionVersionArn"], "solution-version")
        return {"solutionVersion": self._version_view(version)}

    def _op_list_solution_versions(self, p: JSON) -> JSON:
        if "solutionArn" in p:
            self._get(p["solutionArn"], "solution")
        return self._list("solution-version", p, "solutionVersions", "solutionArn")

    def _op_stop_solution_version_creation(self, p: JSON) -> JSON:
        version = self._get(p["solutionVersionArn"], "solution-version")
        status = self._status(version)
        if status not in CREATING:
            raise _invalid(
                f"The solution version {version.arn} is in {status} state; only "
                "CREATE PENDING or CREATE IN_PROGRESS versions can be stopped."
            )
        now = self.clock.now()
        version.stop_at = now
        # Documented: CREATE_PENDING > CREATE_STOPPED, CREATE_IN_PROGRESS > STOPPING > STOPPED.
        version.stopped_at = now if status == PENDING else now + self.durations.stop
        return {}

    def _op_get_solution_metrics(self, p: JSON) -> JSON:
        version = self._get(p["solutionVersionArn"], "solution-version")
        status = self._status(version)
        if status != ACTIVE:
            raise _invalid(
                f"The solution version {version.arn} is in {status} state; metrics "
                "exist only for ACTIVE versions."
            )
        return {"solutionVersionArn": version.arn, "metrics": dict(version.metrics)}

    # ---- campaigns ---------------------------------------------------------------------------
    def _active_version(self, arn: str) -> _Res:
        version = self._get(arn, "solution-version")
        status = self._status(version)
        if status != ACTIVE:
            raise _invalid(f"The solution version {arn} is in {status} state; it must be ACTIVE.")
        return version

    def _campaign_versions(self, campaign: _Res) -> set[str]:
        arns = {campaign.data["solutionVersionArn"]}
        if campaign.change is not None and not campaign.change.applied:
            arns.add(campaign.change.fields["solutionVersionArn"])
        return arns

    def _full_config(self, version_arn: str, config: JSON) -> JSON:
        """campaignConfig as Describe shows it: the API fills in its defaults."""
        solution_arn = version_arn.rsplit("/", 1)[0]
        recipe_arn = ""
        version = self._res.get(version_arn)
        if version is not None:
            recipe_arn = version.data["recipeArn"]
        elif solution_arn in self._res:
            recipe_arn = self._res[solution_arn].data["recipeArn"]
        full: JSON = {
            "enableMetadataWithRecommendations": False,
            "syncWithLatestSolutionVersion": False,
            **copy.deepcopy(config),
        }
        if recipe_arn.removeprefix(RECIPE_ARN_PREFIX) in EXPLORATION_RECIPES:
            full["itemExplorationConfig"] = {**DEFAULT_EXPLORATION, **config.get("itemExplorationConfig", {})}
        return full

    def _campaign_view(self, campaign: _Res) -> JSON:
        view = self._view(campaign)
        view["campaignConfig"] = self._full_config(
            campaign.data["solutionVersionArn"], campaign.data["campaignConfig"]
        )
        change = campaign.change
        if change is not None:
            status = _phase(change.started, change.done_at, self.clock.now(), change.failure)
            fields = change.fields
            view["latestCampaignUpdate"] = {
                "solutionVersionArn": fields["solutionVersionArn"],
                "minProvisionedTPS": fields["minProvisionedTPS"],
                "campaignConfig": self._full_config(fields["solutionVersionArn"], fields["campaignConfig"]),
                "status": status,
                "failureReason": change.failure if status == FAILED else None,
                "creationDateTime": change.started,
                "lastUpdatedDateTime": change.done_at if change.applied else change.started,
            }
        return view

    def _op_create_campaign(self, p: JSON) -> JSON:
        version = self._active_version(p["solutionVersionArn"])
        tps = p.get("minProvisionedTPS", 1)
        if tps < 1:
            raise _invalid("minProvisionedTPS must be at least 1.")
        arn = self._arn("campaign", p["name"])
        self._ensure_new(arn)
        group = version.data["datasetGroupArn"]
        same_group = [c for c in self._of("campaign") if c.data["datasetGroupArn"] == group]
        if len(same_group) >= self.limits.campaigns_per_dataset_group:
            raise PersonalizeError(
                "LimitExceededException",
                f"Limit of {self.limits.campaigns_per_dataset_group} "
                f"campaigns per dataset group reached for {group}.",
            )
        now = self.clock.now()
        self._add(
            "campaign",
            arn,
            p["name"],
            now,
            now + self.durations.campaign_create,
            {
                "solutionVersionArn": version.arn,
                "minProvisionedTPS": tps,
                "campaignConfig": copy.deepcopy(p.get("campaignConfig", {})),
                "datasetGroupArn": group,
            },
            failure=self._pop(self._fail_campaign_create),
            tags=p.get("tags"),
        )
        return {"campaignArn": arn}

    def _op_describe_campaign(self, p: JSON) -> JSON:
        return {"campaign": self._campaign_view(self._get(p["campaignArn"], "campaign"))}

    def _op_list_campaigns(self, p: JSON) -> JSON:
        campaigns = self._of("campaign")
        if "solutionArn" in p:
            prefix = p["solutionArn"] + "/"
            campaigns = [c for c in campaigns if c.data["solutionVersionArn"].startswith(prefix)]
        return self._page([self._view(c) for c in campaigns], p, "campaigns")

    def _op_update_campaign(self, p: JSON) -> JSON:
        campaign = self._get(p["campaignArn"], "campaign")
        status = self._status(campaign)
        if status != ACTIVE:
            raise _in_use(f"The campaign {campaign.arn} is in {status} state; it must be ACTIVE.")
        if campaign.change is not None and not campaign.change.applied:
            raise _in_use(f"The campaign {campaign.arn} has an update in progress.")
        fields = {
            "solutionVersionArn": campaign.data["solutionVersionArn"],
            "minProvisionedTPS": campaign.data["minProvisionedTPS"],
            "campaignConfig": copy.deepcopy(campaign.data["campaignConfig"]),
        }
        if "solutionVersionArn" in p:
            fields["solutionVersionArn"] = self._active_version(p["solutionVersionArn"]).arn
        if "minProvisionedTPS" in p:
            if p["minProvisionedTPS"] < 1:
                raise _invalid("minProvisionedTPS must be at least 1.")
            fields["minProvisionedTPS"] = p["minProvisionedTPS"]
        if "campaignConfig" in p:
            fields["campaignConfig"] = copy.deepcopy(p["campaignConfig"])
        now = self.clock.now()
        campaign.change = _Change(
            now, now + self.durations.campaign_update, fields, {}, self._pop(self._fail_campaign_update)
        )
        return {"campaignArn": campaign.arn}

    def _op_delete_campaign(self, p: JSON) -> JSON:
        campaign = self._get(p["campaignArn"], "campaign")
        if campaign.change is not None and not campaign.change.applied:
            raise _in_use(f"The campaign {campaign.arn} has an update in progress.")
        self._start_delete(campaign, "campaign")
        return {}

    # ---- filters, event trackers -------------------------------------------------------------
    def _op_create_filter(self, p: JSON) -> JSON:
        group = self._dataset_group(p["datasetGroupArn"])
        arn = self._arn("filter", p["name"])
        self._ensure_new(arn)
        if len(self._of("filter", group.arn)) >= self.limits.filters_per_dataset_group:
            raise PersonalizeError(
                "LimitExceededException",
                f"Limit of {self.limits.filters_per_dataset_group} filters per dataset group reached.",
            )
        now = self.clock.now()
        self._add(
            "filter",
            arn,
            p["name"],
            now,
            now + self.durations.resource_create,
            {"datasetGroupArn": group.arn, "filterExpression": p["filterExpression"]},
            parent=group.arn,
            tags=p.get("tags"),
        )
        return {"filterArn": arn}

    def _op_describe_filter(self, p: JSON) -> JSON:
        return {"filter": self._view(self._get(p["filterArn"], "filter"))}

    def _op_list_filters(self, p: JSON) -> JSON:
        return self._list("filter", p, "Filters", "datasetGroupArn")

    def _op_delete_filter(self, p: JSON) -> JSON:
        self._start_delete(self._get(p["filterArn"], "filter"), "filter")
        return {}

    def _op_create_event_tracker(self, p: JSON) -> JSON:
        group = self._dataset_group(p["datasetGroupArn"])
        existing = self._of("event-tracker", group.arn)
        if existing:
            raise PersonalizeError(
                "ResourceAlreadyExistsException",
                f"The dataset group {group.arn} already has an event tracker: {existing[0].arn}.",
            )
        arn = self._arn("event-tracker", p["name"])
        self._ensure_new(arn)
        digest = hashlib.sha256(arn.encode()).hexdigest()
        tracking = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        now = self.clock.now()
        self._add(
            "event-tracker",
            arn,
            p["name"],
            now,
            now + self.durations.resource_create,
            {"datasetGroupArn": group.arn, "trackingId": tracking, "accountId": self.account},
            parent=group.arn,
            tags=p.get("tags"),
        )
        return {"eventTrackerArn": arn, "trackingId": tracking}

    def _op_describe_event_tracker(self, p: JSON) -> JSON:
        tracker = self._get(p["eventTrackerArn"], "event-tracker")
        return {"eventTracker": self._view(tracker)}

    def _op_list_event_trackers(self, p: JSON) -> JSON:
        return self._list("event-tracker", p, "eventTrackers", "datasetGroupArn")

    def _op_delete_event_tracker(self, p: JSON) -> JSON:
        self._start_delete(self._get(p["eventTrackerArn"], "event-tracker"), "event tracker")
        return {}

    # ---- recipes, tags -----------------------------------------------------------------------
    def _recipe_views(self, domain: str | None) -> list[JSON]:
        created = datetime(2019, 6, 10, tzinfo=UTC).timestamp()
        return [
            {
                "name": name,
                "recipeArn": RECIPE_ARN_PREFIX + name,
                "status": ACTIVE,
                "recipeType": kind,
                "domain": recipe_domain,
                "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
                "description": f"{name} recipe",
                "creationDateTime": created,
                "lastUpdatedDateTime": created,
            }
            for name, kind, recipe_domain in RECIPES
            if domain is None or recipe_domain == domain
        ]

    def _op_list_recipes(self, p: JSON) -> JSON:
        return self._page(self._recipe_views(p.get("domain")), p, "recipes")

    def _op_describe_recipe(self, p: JSON) -> JSON:
        for view in self._recipe_views(None):
            if view["recipeArn"] == p["recipeArn"]:
                return {"recipe": view}
        raise _not_found(p["recipeArn"])

    def _op_tag_resource(self, p: JSON) -> JSON:
        res = self._get(p["resourceArn"])
        res.tags.update({t["tagKey"]: t["tagValue"] for t in p["tags"]})
        return {}

    def _op_untag_resource(self, p: JSON) -> JSON:
        res = self._get(p["resourceArn"])
        for key in p["tagKeys"]:
            res.tags.pop(key, None)
        return {}

    def _op_list_tags_for_resource(self, p: JSON) -> JSON:
        res = self._get(p["resourceArn"])
        return {"tags": [{"tagKey": k, "tagValue": v} for k, v in res.tags.items()]}


def _arn_key(kind: str) -> str:
    """dataset-import-job -> datasetImportJobArn."""
    head, *rest = kind.split("-")
    return head + "".join(part.title() for part in rest) + "Arn"

"""The fake's store: resources by ARN, their statuses computed lazily from timestamps on the
virtual clock, the call log, and the helpers every resource family shares (ARNs, listing and
paging, deletion, settling what came due, snapshots)."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final

from simulation.clock import VirtualClock
from simulation.personalize.errors import PersonalizeError, already_exists, in_use, invalid, not_found
from simulation.personalize.faults import Faults

if TYPE_CHECKING:
    from simulation.personalize.batch import ObjectStore

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

BATCH_INFERENCE: Final = "batch-inference-job"
BATCH_SEGMENT: Final = "batch-segment-job"
BATCH_KINDS: Final = (BATCH_INFERENCE, BATCH_SEGMENT)
# botocore's BatchInferenceJob / BatchSegmentJob `status` documentation.
BATCH_PENDING: Final = "PENDING"
BATCH_IN_PROGRESS: Final = "IN PROGRESS"

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

MUTATING_PREFIXES: Final = ("Create", "Update", "Delete", "Stop", "Tag", "Untag")

MetricsSource = dict[str, float] | Callable[[str], dict[str, float]]


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
class Change:
    """An UpdateCampaign / UpdateSolution in flight or done."""

    started: float
    done_at: float
    fields: JSON  # the values the resource takes when the change is ACTIVE
    summary: JSON  # what latest*Update shows besides status and times
    failure: str | None = None
    applied: bool = False


@dataclass
class Resource:
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
    change: Change | None = None
    metrics: dict[str, float] = field(default_factory=dict)


Operation = Callable[["Store", JSON], JSON]


def phase(  # noqa: PLR0917
    start: float,
    end: float,
    now: float,
    failure: str | None,
    pending: float = 60.0,
    names: tuple[str, str] = (PENDING, IN_PROGRESS),
) -> str:
    """CREATE PENDING for the first part (≤ `pending` s), then IN_PROGRESS, then ACTIVE or FAILED."""
    if now < start + min(pending, (end - start) / 2):
        return names[0]
    if now < end:
        return names[1]
    return FAILED if failure else ACTIVE


def arn_key(kind: str) -> str:
    """dataset-import-job -> datasetImportJobArn."""
    head, *rest = kind.split("-")
    return head + "".join(part.title() for part in rest) + "Arn"


class Store:
    """Every resource of one account, and the rules all resource families share."""

    # Not account state: left out of snapshots, kept across a restore.
    _WIRING: ClassVar[frozenset[str]] = frozenset(
        {"clock", "endpoint_url", "_lock", "data_reader", "object_store"}
    )

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
        self.faults = Faults()
        # The S3 the world holds, as an import job reads it: location → a failureReason when
        # there is nothing to read, else None. None: jobs never look at their data.
        self.data_reader: Callable[[str], str | None] | None = None
        self.object_store: ObjectStore | None = None  # where batch jobs read and write
        self.auto_trained_until: dict[str, float] = {}  # solution ARN -> start of its current period
        self._lock = threading.RLock()
        self._res: dict[str, Resource] = {}
        self._seq = 0

    # ---- snapshots: one deployed account forked into many tests -------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the account (resources, call log, settings, pending injections).

        Everything but the wiring: the clock, the server's address and the world's S3.
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

    # ---- resources ---------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:personalize:{self.region}:{self.account}:{kind}/{name}"

    def ensure_new(self, arn: str) -> None:
        if arn in self._res:
            raise already_exists(f"Resource with ARN {arn} already exists.")

    def add(  # noqa: PLR0917
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
    ) -> Resource:
        tag_map = {t["tagKey"]: t["tagValue"] for t in tags or []}
        res = Resource(kind, arn, name, self.next_seq(), created, ready_at, data, parent, failure, tag_map)
        self._res[arn] = res
        return res

    def find(self, arn: str) -> Resource | None:
        return self._res.get(arn)

    def get(self, arn: str, kind: str | None = None) -> Resource:
        res = self._res.get(arn)
        if res is None or (kind is not None and res.kind != kind):
            raise not_found(arn)
        return res

    def remove(self, arn: str) -> None:
        self._res.pop(arn, None)

    def of(self, kind: str, parent: str | None = None) -> list[Resource]:
        """Resources of a kind (optionally of one parent), newest first."""
        found = [r for r in self._res.values() if r.kind == kind and (parent is None or r.parent == parent)]
        return sorted(found, key=lambda r: r.seq, reverse=True)

    def dataset_group(self, arn: str) -> Resource:
        """A dataset group new resources may go into (not being deleted)."""
        group = self.get(arn, "dataset-group")
        if group.deleted_at is not None:
            raise in_use(f"The dataset group {arn} is being deleted.")
        return group

    def active_version(self, arn: str) -> Resource:
        version = self.get(arn, "solution-version")
        status = self.status(version)
        if status != ACTIVE:
            raise invalid(f"The solution version {arn} is in {status} state; it must be ACTIVE.")
        return version

    # ---- statuses and views ------------------------------------------------------------------
    def status(self, res: Resource) -> str:
        now = self.clock.now()
        if res.deleted_at is not None:
            assert res.gone_at is not None
            half = (res.gone_at - res.deleted_at) / 2
            return DELETE_PENDING if now < res.deleted_at + half else DELETE_IN_PROGRESS
        if res.stop_at is not None:
            assert res.stopped_at is not None
            return STOPPING if now < res.stopped_at else STOPPED
        if res.kind in BATCH_KINDS:
            return phase(
                res.created, res.ready_at, now, res.failure, names=(BATCH_PENDING, BATCH_IN_PROGRESS)
            )
        if res.kind == "solution-version":
            return phase(res.created, res.ready_at, now, res.failure, self.durations.training_pending)
        return phase(res.created, res.ready_at, now, res.failure)

    def _updated(self, res: Resource) -> float:
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

    def view(self, res: Resource) -> JSON:
        status = self.status(res)
        view: JSON = {
            "name": res.name,
            arn_key(res.kind): res.arn,
            **res.data,
            "status": status,
            "creationDateTime": res.created,
            "lastUpdatedDateTime": self._updated(res),
        }
        if status == FAILED:
            view["failureReason"] = res.failure
        return view

    def page(self, items: list[Any], params: JSON, key: str) -> JSON:
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

    def listing(self, kind: str, params: JSON, key: str, parent_key: str | None) -> JSON:
        parent = params.get(parent_key) if parent_key else None
        return self.page([self.view(r) for r in self.of(kind, parent)], params, key)

    # ---- deletion and settling ---------------------------------------------------------------
    def start_delete(self, res: Resource, what: str) -> None:
        status = self.status(res)
        if status in (DELETE_PENDING, DELETE_IN_PROGRESS):
            raise in_use(f"The {what} {res.arn} is already being deleted.")
        if status in CREATING:
            raise in_use(f"The {what} {res.arn} is in {status} state; try again later.")
        now = self.clock.now()
        res.deleted_at = now
        res.gone_at = now + self.durations.delete

    @staticmethod
    def refuse_if_any(children: list[Resource], what: str, res: Resource) -> None:
        if children:
            raise in_use(
                f"Cannot delete {res.arn}: it still has {len(children)} {what} "
                f"({children[0].arn}); delete them first."
            )

    def _purge(self, res: Resource) -> None:
        self._res.pop(res.arn, None)
        for child in [r for r in self._res.values() if r.parent == res.arn]:
            self._purge(child)

    def settle_changes(self) -> None:
        """Apply the finished deletions and the finished updates."""
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

    def resources(self) -> list[Resource]:
        return list(self._res.values())

"""One simulated AWS account for a deploy scenario: virtual clock, fake Personalize over HTTP,
boto3 clients found through `AWS_ENDPOINT_URL_PERSONALIZE`, and the deploy simulator.

Retries: every client uses botocore's own `standard` retry mode (its retryable errors, its
retry quota, its jittered exponential backoff). Only the backoff *sleep* is virtual: the
client's standard retry handler is re-registered so that the delay it computes advances the
virtual clock and the request is re-sent at once (`virtual_backoff`). Nothing global is
patched. The handlers' client makes `deps.MAX_ATTEMPTS` attempts, exactly as the Lambda's
(`deps.default_deps`), and their Create* client one (`World.once`, as `Deps.creates`); the
native-resource client plays CloudFormation's own resource handlers, which retry throttling far
longer, so it gets 10.

Config variants of the default config (`templates.*`) are synthesized once per process
through `tests.support.synth` (its cache is keyed by the variant's content-named file).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.retries import standard
from moto import mock_aws
from moto.s3 import models as moto_s3

from lambda_handlers import entry, names
from lambda_handlers.deps import MAX_ATTEMPTS, Deps
from simulation.clock import VirtualClock
from simulation.cloudformation import DeployResult, DeploySimulator
from simulation.cloudformation.provider import Handler, LambdaTimedOut
from simulation.cloudformation.scheduler import Task
from simulation.import_data import s3_reader
from simulation.personalize_server import FakePersonalizeServer
from simulation.personalize_state import Call, Durations, FakePersonalize
from tests.support import synth

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketVersioningStatusType

ENDPOINT_ENV: Final = "AWS_ENDPOINT_URL_PERSONALIZE"
REGION: Final = "us-east-1"
HANDLER_MAX_ATTEMPTS: Final = MAX_ATTEMPTS  # exactly as the Lambda (deps.default_deps)
NATIVE_MAX_ATTEMPTS: Final = 10

# Logical ids and names of the default config's template.
UP_SOLUTION: Final = "SolutionUserPersonalization"
UP_VERSION: Final = "TrainingUserPersonalizationVersion"
UP_LAST_LINK: Final = "TrainingUserPersonalizationWait4"
PR_VERSION: Final = "TrainingPersonalizedRankingVersion"
CAMPAIGN: Final = "CampaignUserPersonalization"
FILTER: Final = "FilterExcludeClicked"
EVENT_TRACKER: Final = "EventTracker"
UP_SOLUTION_NAME: Final = "immersion-day-news-user-personalization"
PR_SOLUTION_NAME: Final = "immersion-day-news-personalized-ranking"
CAMPAIGN_NAME: Final = "immersion-day-news-user-personalization"
ACCOUNT_PREFIX: Final = "arn:aws:personalize:us-east-1:111111111111"


def arn(kind: str, name: str) -> str:
    return f"{ACCOUNT_PREFIX}:{kind}/{name}"


def env_vars(endpoint_url: str) -> dict[str, str]:
    """What a process needs to reach the fake with an unmodified boto3 client."""
    return {
        ENDPOINT_ENV: endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }


@contextlib.contextmanager
def s3_on(clock: VirtualClock) -> Iterator[None]:
    """S3 played by moto, its timestamps (an object's LastModified) read off the virtual clock.

    Deploys an hour apart in virtual time are milliseconds apart in real time: with moto's own
    clock, files copied by two deploys would share a LastModified second, and what orders
    them by age (the data copy's `keep_imports`) would see a tie real S3 never shows.
    """

    def now() -> datetime:
        return datetime.fromtimestamp(clock.now(), UTC).replace(tzinfo=None)

    saved = moto_s3.utcnow  # type: ignore[attr-defined]  # moto's own import, patched where S3 reads it
    moto_s3.utcnow = now  # type: ignore[attr-defined]
    try:
        with mock_aws():
            yield
    finally:
        moto_s3.utcnow = saved  # type: ignore[attr-defined]


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block (for callers without pytest's monkeypatch)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def virtual_backoff(client: Any, clock: VirtualClock, max_attempts: int) -> None:
    """Keep botocore's standard retry policy, but spend its backoff on the virtual clock."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    events.unregister(event, unique_id=unique_id)
    handler = standard.register_retry_handler(client, max_attempts=max_attempts)
    events.unregister(event, unique_id=unique_id)

    def needs_retry(**kwargs: Any) -> Any:
        delay = handler.needs_retry(**kwargs)
        if isinstance(delay, int | float) and not isinstance(delay, bool) and delay > 0:
            clock.advance(delay)
            return 0
        return delay

    events.register(event, needs_retry, unique_id=unique_id)


@cache
def _session() -> boto3.session.Session:
    """One session per process: a new one reads every service model again (~0.1 s a client).

    It still reads the environment at each `client()`: the endpoint comes from the current
    `AWS_ENDPOINT_URL_PERSONALIZE` (checked by `make_world`).
    """
    return boto3.session.Session(region_name=REGION)


def env_client(clock: VirtualClock, max_attempts: int) -> PersonalizeClient:
    """A boto3 client that finds the fake only through `AWS_ENDPOINT_URL_PERSONALIZE`."""
    client = _session().client(
        "personalize",
        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}),
    )
    virtual_backoff(client, clock, max_attempts)
    return client


Hook = Callable[[str, dict[str, Any]], None]


@dataclass
class World:
    """Everything a scenario touches. `hooks` run before each handler invocation."""

    clock: VirtualClock
    server: FakePersonalizeServer
    client: PersonalizeClient  # the handlers' client
    once: PersonalizeClient  # the handlers' client for Create* calls (no botocore retry, as the Lambda's)
    admin: PersonalizeClient  # the test's own client (seeding, inspection)
    s3: S3Client  # S3 played by moto (`s3_on` is active for the world's lifetime)
    sim: DeploySimulator = field(init=False)
    hooks: list[Hook] = field(default_factory=list)
    handlers: tuple[Handler, Handler] | None = None  # None: the real ones (lambda_handlers.entry)
    _in_on_event: bool = field(default=False, init=False)
    _kill_after: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        native = env_client(self.clock, NATIVE_MAX_ATTEMPTS)
        self.sim = DeploySimulator(
            self.clock,
            native,
            handlers=(self._on_event, self._is_complete),
            deps_factory=self.deps,
            s3_client=self.s3,
            assemblies=synth.assemblies,
        )
        self.fake.data_reader = s3_reader(self.s3)
        for handler_client in (self.client, self.once):
            handler_client.meta.events.register("after-call.personalize.*", self._maybe_kill)

    @property
    def fake(self) -> FakePersonalize:
        return self.server.fake

    def deps(self) -> Deps:
        return Deps(
            personalize=self.client,
            now=self.clock.now,
            log=self.sim.logs.append,
            make_s3=lambda: self.s3,
            make_cloudformation=lambda: self.sim.stack_api,
            personalize_once=self.once,
            sleep=self.clock.advance,
        )

    def _on_event(self, event: dict[str, Any], deps: Any) -> Any:
        for hook in list(self.hooks):
            hook("onEvent", event)
        self._in_on_event = True
        try:
            return (self.handlers[0] if self.handlers else entry.handle_on_event)(event, deps)
        finally:
            self._in_on_event = False

    def _maybe_kill(self, http_response: Any, model: Any, **_: Any) -> None:
        """botocore after-call hook: end onEvent as a timed-out Lambda right after the call succeeded."""
        if self._in_on_event and http_response.status_code < 300 and model.name in self._kill_after:
            self._kill_after.remove(model.name)
            raise LambdaTimedOut(model.name)

    def _is_complete(self, event: dict[str, Any], deps: Any) -> Any:
        for hook in list(self.hooks):
            hook("isComplete", event)
        return (self.handlers[1] if self.handlers else entry.handle_is_complete)(event, deps)

    # ---- deploys ------------------------------------------------------------------------------
    def deploy(self, template: Mapping[str, Any]) -> DeployResult:
        return self.sim.deploy(template)

    def mark(self) -> int:
        """Position in the fake's call log (pass to `calls` / `mutations`)."""
        return len(self.fake.calls)

    def calls(self, since: int = 0, operation: str | None = None, *, only_ok: bool = True) -> list[Call]:
        return [
            c
            for c in self.fake.calls[since:]
            if (operation is None or c.operation == operation) and (c.ok or not only_ok)
        ]

    def mutations(self, since: int = 0) -> list[Call]:
        mutating = {id(c) for c in self.fake.mutating_calls()}
        return [c for c in self.fake.calls[since:] if id(c) in mutating]

    def requests(self, logical_id: str, request_type: str | None = None) -> list[dict[str, Any]]:
        """CloudFormation requests the simulator sent for a resource."""
        return [
            r
            for r in self.sim.requests
            if r["LogicalResourceId"] == logical_id and request_type in (None, r["RequestType"])
        ]

    # ---- faults (see tests/test_simulator.py for one use of each) -------------------------------
    def fail_during(self, logical_id: str, after: float, reason: str = "injected failure") -> None:
        """The next operation on `logical_id` runs, and fails `after` seconds in (others run meanwhile)."""
        self.sim.inject_failure(logical_id, reason, after=after)

    def delay_on_event(self, logical_id: str, seconds: float, request_type: str | None = None) -> None:
        """The next onEvent of `logical_id` runs its body `seconds` after CloudFormation sent it."""
        self.sim.delay_on_event(logical_id, seconds, request_type=request_type)

    def lose_answer(self, operation: str, *, how: str = "500", times: int = 1) -> None:
        """The next `operation` acts, then its answer is lost (HTTP 500, or the connection drops)."""
        self.fake.lose_answer(operation, how=how, times=times)

    def kill_on_event_after(self, operation: str) -> None:
        """The next onEvent that calls `operation` successfully is killed right after, by its Lambda timeout."""
        self._kill_after.append(operation)

    def delete_by_hand(self, resource_arn: str) -> None:
        """Someone deletes a campaign or solution in the console between deploys; wait until it is gone."""
        if ":campaign/" in resource_arn:
            self.admin.delete_campaign(campaignArn=resource_arn)
        elif ":solution/" in resource_arn:
            self.admin.delete_solution(solutionArn=resource_arn)
        elif ":dataset-group/" in resource_arn:
            self.admin.delete_dataset_group(datasetGroupArn=resource_arn)
        else:
            raise ValueError(
                f"delete_by_hand handles campaigns, solutions, dataset groups; not {resource_arn}"
            )
        while self.fake.exists(resource_arn):
            self.clock.advance(30)

    # ---- repeats ------------------------------------------------------------------------------
    def deliver_again(self, request: Mapping[str, Any]) -> Task:
        """The Provider gets `request` a second time: another onEvent and its own isComplete waiter.

        The duplicate runs on the simulator's scheduler: called from a hook during a deploy or
        delete, it interleaves with it (and ends before `deploy`/`delete` returns, as cancelled
        waiters do); called between deploys, `sim.scheduler.drain()` runs it. Its answer to
        CloudFormation is ignored (the request was answered already); the task's result is the
        `ProviderOutcome` (a handler error is a FAILED outcome, not an exception).
        """
        return self.sim.scheduler.spawn(
            f"{request['LogicalResourceId']}-again", self.sim.provider.run(copy.deepcopy(dict(request)))
        )

    # ---- snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """This account between deploys: clock, Personalize, the stack as CloudFormation knows it, S3."""
        buckets = []
        for bucket in sorted(b["Name"] for b in self.s3.list_buckets().get("Buckets", [])):
            status = self.s3.get_bucket_versioning(Bucket=bucket).get("Status")
            found = self.s3.list_object_versions(Bucket=bucket)
            if found.get("DeleteMarkers") or found.get("IsTruncated"):
                raise NotImplementedError(f"snapshot of {bucket}: delete markers or over 1000 versions")
            objects = []
            for version in sorted(found.get("Versions", []), key=lambda v: v["LastModified"]):
                answer = self.s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
                modified = version["LastModified"].timestamp()
                objects.append((version["Key"], answer["Body"].read(), answer["ContentType"], modified))
            buckets.append(_Bucket(bucket, status, tuple(objects)))
        return Snapshot(self.clock.now(), self.fake.snapshot(), self.sim.snapshot(), tuple(buckets))

    def restore(self, snapshot: Snapshot) -> None:
        """Become the account `snapshot` was taken of; only on a new world (no deploy, nothing in S3)."""
        if self.sim.history or self.fake.calls or self.s3.list_buckets().get("Buckets"):
            raise RuntimeError("restore into a new world only")
        for bucket in snapshot.buckets:
            self.s3.create_bucket(Bucket=bucket.name)
            if bucket.versioning:
                self.s3.put_bucket_versioning(
                    Bucket=bucket.name, VersioningConfiguration={"Status": bucket.versioning}
                )
        # Oldest first, each at its own time: what orders files by age sees the same order.
        for name, key, body, content_type, modified in sorted(
            ((b.name, *o) for b in snapshot.buckets for o in b.objects), key=lambda o: o[4]
        ):
            self.clock.advance(max(0.0, modified - self.clock.now()))
            self.s3.put_object(Bucket=name, Key=key, Body=body, ContentType=content_type)
        self.clock.advance(snapshot.now - self.clock.now())
        self.fake.restore(snapshot.personalize)
        self.sim.restore(snapshot.stack)

    # ---- inspection ---------------------------------------------------------------------------
    def campaign(self, campaign_arn: str) -> dict[str, Any]:
        return dict(self.admin.describe_campaign(campaignArn=campaign_arn)["campaign"])

    def solution(self, solution_arn: str) -> dict[str, Any]:
        return dict(self.admin.describe_solution(solutionArn=solution_arn)["solution"])

    def version(self, version_arn: str) -> dict[str, Any]:
        return dict(self.admin.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])

    def versions(self, solution_arn: str) -> list[dict[str, Any]]:
        return [
            dict(v) for v in self.admin.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
        ]

    def version_named(self, solution_arn: str, trigger: str) -> str:
        """The ARN of the FULL version the stack trained for `trigger` (the name it gives it)."""
        wanted = names.version_name(trigger, "FULL")
        for summary in self.versions(solution_arn):
            if self.version(summary["solutionVersionArn"]).get("name") == wanted:
                return str(summary["solutionVersionArn"])
        raise AssertionError(f"no version named {wanted} in {solution_arn}")

    def created_versions(self, since: int = 0, solution_arn: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls(since, "CreateSolutionVersion")
            if solution_arn is None or c.params["solutionArn"] == solution_arn
        ]


@dataclass(frozen=True)
class _Bucket:
    name: str
    versioning: BucketVersioningStatusType | None
    objects: tuple[tuple[str, bytes, str, float], ...]  # (key, body, content type, last modified)


@dataclass(frozen=True)
class Snapshot:
    """An account between deploys (`World.snapshot`): forked into each test that starts there."""

    now: float
    personalize: dict[str, Any]
    stack: dict[str, Any]
    buckets: tuple[_Bucket, ...]


@contextlib.contextmanager
def open_world(
    durations: Durations | None = None, handlers: tuple[Handler, Handler] | None = None
) -> Iterator[World]:
    """A world for callers without pytest (the benchmark, simulator tests); scenarios use the `world` fixture."""
    clock = VirtualClock()
    fake = FakePersonalize(clock, durations=durations)
    with FakePersonalizeServer(fake) as server, environment(env_vars(server.endpoint_url)), s3_on(clock):
        yield make_world(clock, server, handlers)


def make_world(
    clock: VirtualClock, server: FakePersonalizeServer, handlers: tuple[Handler, Handler] | None = None
) -> World:
    """Clients are built from the environment: `AWS_ENDPOINT_URL_PERSONALIZE` must point at `server`.

    Call inside `s3_on(clock)`: the S3 client (handlers, simulator, test) reaches moto.
    """
    client = env_client(clock, HANDLER_MAX_ATTEMPTS)
    admin = env_client(clock, 1)
    once = env_client(clock, 1)
    if client.meta.endpoint_url != server.endpoint_url:
        raise RuntimeError(f"{ENDPOINT_ENV} did not reach the client: {client.meta.endpoint_url}")
    s3 = _session().client("s3")
    return World(clock, server, client, once, admin, s3, handlers=handlers)


# ---- templates: the default config and small variants of it --------------------------------
def _raw() -> dict[str, Any]:
    return copy.deepcopy(synth.default_raw_config())


def _synth(raw: dict[str, Any]) -> dict[str, Any]:
    return synth.template(synth.write_config(raw))


def _edit(
    *,
    solution: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    campaign: Mapping[str, Any] | None = None,
    filters: list[dict[str, Any]] | None = None,
    top: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    raw = _raw()
    up = raw["solutions"][0]
    up.update(solution or {})
    up["training"] = {**up.get("training", {}), **(training or {})}
    raw["campaigns"][0].update(campaign or {})
    if filters is not None:
        raw["filters"] = filters
    raw.update(top or {})
    return raw


class templates:  # noqa: N801 - a namespace of cached template builders
    """The templates the scenarios deploy; each is synthesized at most once per process."""

    @staticmethod
    @cache
    def default() -> dict[str, Any]:
        return synth.template()

    @staticmethod
    @cache
    def trigger_changed() -> dict[str, Any]:
        return _synth(_edit(training={"trigger": "v2"}))

    @staticmethod
    @cache
    def gates_changed() -> dict[str, Any]:
        return _synth(_edit(training={"gates": {"normalized_discounted_cumulative_gain_at_10": 0.1}}))

    @staticmethod
    @cache
    def tps_changed() -> dict[str, Any]:
        return _synth(_edit(campaign={"min_provisioned_tps": 2}))

    @staticmethod
    @cache
    def campaign_renamed() -> dict[str, Any]:
        return _synth(_edit(campaign={"physical_name": RENAMED_CAMPAIGN}))

    @staticmethod
    @cache
    def filter_changed() -> dict[str, Any]:
        expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'
        return _synth(_edit(filters=[{"name": "exclude-clicked", "expression": expression}]))

    @staticmethod
    @cache
    def notebook_adoption() -> dict[str, Any]:
        """Existing dataset group; solution and campaign take over the notebook's by name."""
        return _synth(
            _edit(
                solution={"physical_name": NOTEBOOK_SOLUTION},
                campaign={"physical_name": NOTEBOOK_CAMPAIGN},
                top={"dataset_group": {"arn": synth.EXISTING_DATASET_GROUP_ARN}, "datasets": {}},
            )
        )


RENAMED_CAMPAIGN: Final = "news-campaign-v2"
NOTEBOOK_SOLUTION: Final = "news-notebook-solution"
NOTEBOOK_CAMPAIGN: Final = "news-notebook-campaign"
EXISTING_GROUP_NAME: Final = synth.EXISTING_DATASET_GROUP_ARN.rsplit("/", 1)[1]


def seed_notebook(world: World, *, version: bool = True, campaign: bool = False) -> tuple[str, str | None]:
    """What the notebook left behind: a dataset group, an auto-training solution, a manual version."""
    group = world.fake.seed_dataset_group(EXISTING_GROUP_NAME)
    solution = world.fake.seed_solution(group, NOTEBOOK_SOLUTION, perform_auto_training=True)
    version_arn = world.fake.seed_solution_version(solution) if version else None
    if campaign:
        assert version_arn is not None
        world.admin.create_campaign(
            name=NOTEBOOK_CAMPAIGN, solutionVersionArn=version_arn, minProvisionedTPS=1
        )
        world.clock.advance(world.fake.durations.campaign_create + 60)
    return solution, version_arn

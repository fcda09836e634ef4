"""One simulated AWS account: virtual clock, fake Personalize over HTTP, boto3 clients found
through `AWS_ENDPOINT_URL_PERSONALIZE` (`clients.py`), S3 played by moto, and the deploy
simulator. Scenario tests (`tests/scenarios/world.py`) and `make rehearse` deploy into it.

The handlers' client makes `deps.MAX_ATTEMPTS` attempts, exactly as the Lambda's
(`deps.default_deps`), and their Create* client one (`World.once`, as `Deps.creates`); the
native-resource client plays CloudFormation's own resource handlers, which retry throttling far
longer, so it gets 10.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from lambda_handlers import entry, version_names
from lambda_handlers.deps import MAX_ATTEMPTS, Deps
from simulation.clients import ENDPOINT_ENV, env_client, env_vars, environment, s3_on, session, shell_aside
from simulation.clock import VirtualClock
from simulation.cloudformation import DeployResult, DeploySimulator
from simulation.cloudformation.provider import Handler, LambdaTimedOut
from simulation.cloudformation.scheduler import Task
from simulation.import_data import s3_reader
from simulation.personalize_batch import ObjectStore
from simulation.personalize_server import FakePersonalizeServer
from simulation.personalize_state import Call, Durations, FakePersonalize

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketVersioningStatusType

HANDLER_MAX_ATTEMPTS: Final = MAX_ATTEMPTS  # exactly as the Lambda (deps.default_deps)
NATIVE_MAX_ATTEMPTS: Final = 10
STACK_NAME: Final = "TestStack"
Assemblies = Callable[[], Iterable[Path]]


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
    assemblies: Assemblies | None = None  # where deploys find file assets (None: publish none)
    stack_name: str = STACK_NAME
    _in_on_event: bool = field(default=False, init=False)
    _kill_after: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        native = env_client(self.clock, NATIVE_MAX_ATTEMPTS)
        self.sim = DeploySimulator(
            self.clock,
            native,
            handlers=(self._on_event, self._is_complete),
            deps_factory=self.deps,
            stack_name=self.stack_name,
            s3_client=self.s3,
            assemblies=self.assemblies,
        )
        self.fake.data_reader = s3_reader(self.s3)
        for handler_client in (self.client, self.once):
            handler_client.meta.events.register("after-call.personalize.*", self._maybe_kill)
        # Personalize's own S3 access (its role, not the handlers'): a client of its own.
        self._personalize_s3 = session().client("s3")
        self.fake.object_store = ObjectStore(read=self._read_object, write=self._write_object)

    @property
    def fake(self) -> FakePersonalize:
        return self.server.fake

    def _read_object(self, uri: str) -> bytes | None:
        """What a Personalize job reads from S3 (moto): None when the object is not there."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        try:
            return self._personalize_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self._personalize_s3.exceptions.ClientError:
            return None

    def _write_object(self, uri: str, body: bytes) -> None:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        self._personalize_s3.put_object(Bucket=bucket, Key=key, Body=body)

    def deps(self) -> Deps:
        return Deps(
            personalize=self.client,
            now=self.clock.now,
            log=self.sim.logs.append,
            make_s3=lambda: self.s3,
            make_cloudformation=lambda: self.sim.stack_api,
            personalize_once=self.once,
            sleep=self.clock.advance,
            stack_id=self.sim.stack_id,
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
        """The next onEvent that calls `operation` successfully is killed right after (Lambda timeout)."""
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
        wanted = version_names.version_name(trigger, "FULL")
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
    durations: Durations | None = None,
    handlers: tuple[Handler, Handler] | None = None,
    *,
    assemblies: Assemblies | None = None,
    stack_name: str = STACK_NAME,
) -> Iterator[World]:
    """A world for callers without pytest (the benchmark, `make rehearse`); scenarios use the `world`
    fixture. The shell's AWS settings are set aside for the block (`shell_aside`)."""
    clock = VirtualClock()
    with environment(shell_aside()):
        fake = FakePersonalize(clock, durations=durations)
        with FakePersonalizeServer(fake) as server, environment(env_vars(server.endpoint_url)), s3_on(clock):
            yield make_world(clock, server, handlers, assemblies=assemblies, stack_name=stack_name)


def make_world(
    clock: VirtualClock,
    server: FakePersonalizeServer,
    handlers: tuple[Handler, Handler] | None = None,
    *,
    assemblies: Assemblies | None = None,
    stack_name: str = STACK_NAME,
) -> World:
    """Clients are built from the environment: `AWS_ENDPOINT_URL_PERSONALIZE` must point at `server`.

    Call inside `s3_on(clock)`: the S3 client (handlers, simulator, test) reaches moto.
    """
    client = env_client(clock, HANDLER_MAX_ATTEMPTS)
    admin = env_client(clock, 1)
    once = env_client(clock, 1)
    if client.meta.endpoint_url != server.endpoint_url:
        raise RuntimeError(f"{ENDPOINT_ENV} did not reach the client: {client.meta.endpoint_url}")
    s3 = session().client("s3")
    return World(
        clock,
        server,
        client,
        once,
        admin,
        s3,
        handlers=handlers,
        assemblies=assemblies,
        stack_name=stack_name,
    )

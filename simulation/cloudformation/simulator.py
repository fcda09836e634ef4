"""DeploySimulator: CloudFormation plus the Provider framework over a synthesized template.

Model (concurrent, in virtual time, on `scheduler.Scheduler`):

- Independent resources run at the same time: a resource starts as soon as every resource it
  depends on (Ref, GetAtt, Sub, DependsOn) is done; deletes run in the reverse order. Ties
  start in template dependency order and step by logical id, so runs repeat exactly. A custom
  resource operation is the Provider framework's onEvent then isComplete every query
  interval (`provider.py`); a native Personalize resource keeps its modelled create/wait time
  (`native.py`); anything else takes no time.
- Cancellation: when an operation fails, CloudFormation starts nothing new and cancels every
  operation still in progress (event `CREATE_FAILED` "Resource creation cancelled" /
  `UPDATE_FAILED` "Resource update cancelled"; seen in real stack events). A cancelled custom
  resource's late response is ignored, but its waiter (a Step Functions execution nobody
  stops) keeps calling isComplete until it ends on its own, interleaved with the rollback;
  `deploy()` returns once every waiter ended (`DeployStats.wall_seconds` is the time to the
  stack's final status). A cancelled native operation stops.
- First deploy failure: ROLLBACK deletes what was created, the failed resource when it has a
  physical id, and every cancelled one. A cancelled custom resource Create never gave
  CloudFormation a physical id: its Delete carries one CloudFormation made up,
  `<stack name>-<logical id>-<12 characters>` (`generated_physical_id`). That this happens is
  reported in aws-cloudformation/cloudformation-coverage-roadmap#1814 ("Cloudformation-
  generated physical resource ID on stack rollback of in-flight custom resources"),
  remind101/empire#918, and documented by aws/aws-cdk#36951; the Delete can arrive while the
  cancelled onEvent still runs (aws/aws-cdk#26139). The exact format is undocumented; ours is
  assumed after CloudFormation's generated names. A Create whose onEvent failed got the
  framework's marker id: its Delete is answered by the framework without calling the handler.
  The stack ends ROLLBACK_COMPLETE (ROLLBACK_FAILED if a delete fails); the next `deploy`
  starts afresh, as the CDK CLI does.
- Update: properties are resolved against current attributes; only changed resources get an
  operation. Custom resources get an Update (a replacement when it answers another physical
  id); native Personalize resources are replaced when a create-only property changes (failing
  when the Name stays the same, as CloudFormation does for custom-named resources). Cleanup
  then deletes replaced ids and removed resources; cleanup failures do not fail the stack.
- Update failure: rollback is an update back to the old template, in its dependency order:
  every resource updated, failed or cancelled gets an Update back to its old properties
  (custom resources: ResourceProperties = old, OldResourceProperties = new,
  PhysicalResourceId = the id CloudFormation last recorded: from the response, even FAILED;
  a cancelled Update never answered, so the old id); native in-place updates are restored
  without a call. Cleanup then deletes what the update created (new resources, cancelled
  creates with their generated id, replacement ids not kept). A failure during the rollback
  ends UPDATE_ROLLBACK_FAILED; such a stack refuses further deploys.
- `delete()` deletes every resource in reverse dependency order. DeletionPolicy `Retain`
  keeps a resource in every delete; `RetainExceptOnCreate` keeps it except when the delete
  undoes its own creation (a rollback); UpdateReplacePolicy `Retain` keeps a replaced one.

Fault injection for tests: `inject_failure` (now, or `after` seconds into the operation while
others run), `delay_on_event` (the handler body runs later than its invocation), and the
Provider's `LambdaTimedOut` (a handler killed by its Lambda timeout).

Everything not native Personalize and not a `constants.RESOURCE_TYPES` custom resource is
recorded only: physical id `<LogicalId>-phys`; GetAtt `Arn` gives the service's ARN shape
where services check it (IAM role `arn:aws:iam::111111111111:role/<LogicalId>`, Lambda
`...:function:<LogicalId>`, see `generic_arn`), else `arn:aws:<service>:us-east-1:111111111111:
<LogicalId>`; any other attribute `<LogicalId>.<Attr>`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

from lambda_handlers import constants

from .assets import AssetPublisher
from .buckets import S3Buckets
from .graph import dependencies, topological_order
from .intrinsics import ACCOUNT_ID, REGION, ResolveError, Resolver, stringify
from .native import CREATE_ONLY, NATIVE_TYPES, PRIMARY_ATTR, NativeError, NativePersonalize, NativeResult
from .provider import DEFAULT_LAMBDA_TIMEOUT, Clock, Handler, OperationStats, ProviderModel
from .scheduler import Process, Scheduler, Task
from .stack_api import ResourceRecords, StackApi

RESPONSE_URL: Final = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    "arn%3Aaws%3Acloudformation%3Aus-east-1%3A111111111111%3Astack/simulated?X-Amz-Signature=0"
)
CUSTOM_NAMED_REPLACEMENT: Final = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)
REPLACEMENT_REASON: Final = (
    "Requested update requires the creation of a new physical resource; hence creating one."
)
TERMINAL_REFUSING: Final = ("UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED")
CREATE_CANCELLED: Final = "Resource creation cancelled"
UPDATE_CANCELLED: Final = "Resource update cancelled"
_GENERATED_ID_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_T = TypeVar("_T")
_ID_NAMESPACE: Final = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


class StackEvent(NamedTuple):
    """One stack event: (virtual time, logical id, action, status, reason)."""

    time: float
    logical_id: str
    action: str  # CREATE | UPDATE | DELETE | STACK
    status: str  # CloudFormation resource status, e.g. UPDATE_FAILED
    reason: str


@dataclass(frozen=True)
class DeployFailure:
    logical_id: str
    reason: str  # the CloudFormation status reason
    message: str  # the bare error text (a handler's exception message, a native API error)


@dataclass
class OperationRecord:
    """One resource operation of a deploy (custom resources carry the Provider accounting)."""

    logical_id: str
    action: str
    duration: float
    lambda_invocations: int = 0
    state_transitions: int = 0
    framework_invocations: int = 0
    custom: bool = False


@dataclass
class DeployStats:
    """Accounting of one deploy or delete.

    `max_operation_seconds` is the longest custom resource operation (the one-hour wall
    applies to them); `wall_seconds` is the virtual time the whole deploy took.
    """

    lambda_invocations: int = 0
    state_transitions: int = 0
    framework_invocations: int = 0
    max_operation_seconds: float = 0.0
    wall_seconds: float = 0.0
    operations: list[OperationRecord] = field(default_factory=list)

    def durations(self, logical_id: str) -> list[float]:
        """Durations of the operations on one resource, in order."""
        return [op.duration for op in self.operations if op.logical_id == logical_id]


@dataclass
class DeployResult:
    status: str
    failure: DeployFailure | None = None
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)
    outputs: dict[str, Any] = field(default_factory=dict)
    cancelled: list[OperationStats] = field(default_factory=list)  # custom resource ops cancelled

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES")


@dataclass
class DeleteResult:
    status: str
    failure: DeployFailure | None = None
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)


@dataclass(frozen=True)
class Resource:
    """A deployed resource as CloudFormation records it."""

    logical_id: str
    type: str
    properties: Any  # resolved; custom resources: stringified, with ServiceToken
    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)  # template entry (policies)

    @property
    def kind(self) -> str:
        return _kind(self.type)


class _OpFailedError(Exception):
    def __init__(
        self, reason: str, message: str = "", physical_id: str | None = None, *, touched: bool = True
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or reason
        self.physical_id = physical_id
        self.touched = touched  # False: refused before any handler or API call (nothing to roll back)


@dataclass(eq=False)
class _Op:
    """One resource operation of a phase, as CloudFormation tracks it."""

    logical_id: str
    kind: str  # create | update | replace | delete | rollback | none
    old: Resource | None = None
    shell: Resource | None = None  # the resource with its new properties, once resolved
    result: Resource | None = None
    error: _OpFailedError | None = None
    status: str = "running"  # running | done | failed | cancelled
    task: Task | None = None
    stats: OperationStats | None = None  # custom resources
    made: list[str] = field(default_factory=list)  # native: the id the create call answered


@dataclass
class _Run:
    start: float
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)
    failure: DeployFailure | None = None
    cancelled: list[OperationStats] = field(default_factory=list)


def load_template(stack_name: str, cdk_out: str | Path = "cdk.out") -> dict[str, Any]:
    """A synthesized template: `<cdk_out>/<stack_name>.template.json`."""
    loaded: dict[str, Any] = json.loads((Path(cdk_out) / f"{stack_name}.template.json").read_text())
    return loaded


# ARN shapes that services validate (a Personalize import job checks its role ARN).
_ARN_FORMATS: Final[Mapping[str, str]] = {
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{lid}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{lid}",
    "AWS::IAM::User": "arn:aws:iam::{account}:user/{lid}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{lid}",
    "AWS::S3::Bucket": "arn:aws:s3:::{phys}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{lid}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{phys}:*",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{region}:{account}:stateMachine:{lid}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{lid}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{lid}",
}


def generic_arn(rtype: str, lid: str, physical_id: str) -> str:
    """`GetAtt X.Arn` of a recorded-only resource: the service's ARN shape where known."""
    default = (
        "arn:aws:"
        + (rtype.split("::")[1].lower() if "::" in rtype else "unknown")
        + ":{region}:{account}:{lid}"
    )
    template = _ARN_FORMATS.get(rtype, default)
    return template.format(region=REGION, account=ACCOUNT_ID, lid=lid, phys=physical_id)


def _kind(rtype: str) -> str:
    if rtype in constants.RESOURCE_TYPES:
        return "provider"
    if rtype in NATIVE_TYPES:
        return "native"
    return "generic"


def generated_physical_id(stack_name: str, logical_id: str, seed: str) -> str:
    """The physical id CloudFormation makes up for a custom resource whose Create it cancelled."""
    digest = hashlib.sha256(seed.encode()).digest()
    suffix = "".join(_GENERATED_ID_CHARS[b % len(_GENERATED_ID_CHARS)] for b in digest[:12])
    return f"{stack_name}-{logical_id}-{suffix}"


OpStarter = Callable[[str], _Op | None]


class DeploySimulator:
    """Plays `cdk deploy` / `cdk destroy` of one stack in virtual time; see the module docstring."""

    def __init__(
        self,
        clock: Clock,
        personalize_client: Any,
        *,
        query_interval: int = constants.QUERY_INTERVAL_SECONDS,
        operation_timeout: int = constants.PROVIDER_TOTAL_TIMEOUT_SECONDS,
        deps_factory: Callable[[], Any] | None = None,
        handlers: tuple[Handler, Handler] | None = None,
        stack_name: str = "TestStack",
        parameters: Mapping[str, Any] | None = None,
        native_poll_interval: int = 30,
        lambda_timeout: int = DEFAULT_LAMBDA_TIMEOUT,
        s3_client: Any = None,
        assemblies: Callable[[], Iterable[Path]] | None = None,
    ) -> None:
        self.clock = clock
        self.personalize = personalize_client
        self.stack_name = stack_name
        self.stack_id = (
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{stack_name}/"
            f"{uuid.uuid5(_ID_NAMESPACE, stack_name)}"
        )
        self.parameters = dict(parameters or {})
        self.logs: list[str] = []
        self.requests: list[dict[str, Any]] = []  # every CloudFormation request sent to the Provider
        self.events: list[StackEvent] = []  # all events of all deploys and deletes
        self.history: list[DeployResult | DeleteResult] = []
        self.status = "NOT_CREATED"
        self.live_status = "NOT_CREATED"  # what DescribeStacks answers right now, IN_PROGRESS states too
        self.records = ResourceRecords()  # what DescribeStackResource answers, per logical id
        self.stack_api = StackApi(self.stack_id, stack_name, lambda: self.live_status, lambda: self.records)
        self.template: dict[str, Any] | None = None
        self.resources: dict[str, Resource] = {}
        self.scheduler = Scheduler(clock)
        # Run with each template before CloudFormation sees it, as `cdk deploy` publishes assets first.
        self.before_deploy: list[Callable[[Mapping[str, Any]], None]] = []
        self._failures: dict[str, tuple[str, int, float]] = {}
        self._delays: dict[str, list[tuple[str | None, float]]] = {}
        self._request_seq = 0
        self._live: dict[str, Resource] = {}
        if handlers is None:
            from lambda_handlers import entry  # noqa: PLC0415 - written in parallel; optional in tests

            handlers = (entry.handle_on_event, entry.handle_is_complete)
        if deps_factory is None:
            deps_factory = self._default_deps
        self.provider = ProviderModel(
            clock,
            handlers[0],
            handlers[1],
            deps_factory,
            query_interval=query_interval,
            total_timeout=operation_timeout,
            lambda_timeout=lambda_timeout,
            on_event_delay=self._on_event_delay,
        )
        self.native = NativePersonalize(personalize_client, clock, poll_interval=native_poll_interval)
        # With an S3 client: buckets are real, and each deploy first publishes the template's assets.
        self.buckets = S3Buckets(s3_client, stack_name) if s3_client is not None else None
        self.assets = AssetPublisher(s3_client, assemblies) if s3_client and assemblies else None

    def _default_deps(self) -> Any:
        from lambda_handlers.deps import Deps  # noqa: PLC0415 - written in parallel

        return Deps(
            personalize=self.personalize,
            now=self.clock.now,
            log=self.logs.append,
            make_cloudformation=lambda: self.stack_api,
            stack_id=self.stack_id,
        )

    # ---- fault injection ----------------------------------------------------------------------
    def inject_failure(self, logical_id: str, reason: str, *, times: int = 1, after: float = 0.0) -> None:
        """Make the next `times` operations (create, update, rollback update, delete) on a resource fail.

        `after=0`: the operation fails before any handler or API call. `after>0`: it runs as
        usual (others run meanwhile) and fails exactly `after` seconds after it started,
        whatever it did by then (a custom resource fails with the physical id onEvent gave).
        `reason` becomes the status reason.
        """
        self._failures[logical_id] = (reason, times, after)

    def delay_on_event(self, logical_id: str, seconds: float, *, request_type: str | None = None) -> None:
        """The next onEvent of a resource (of that request type) starts `seconds` after it was sent.

        CloudFormation meanwhile goes on: it may cancel the operation and send the rollback's
        Delete or Update before that onEvent ran; its calls then hit the fake late.
        """
        self._delays.setdefault(logical_id, []).append((request_type, seconds))

    def _on_event_delay(self, request: dict[str, Any]) -> float:
        queue = self._delays.get(request["LogicalResourceId"], [])
        for i, (request_type, seconds) in enumerate(queue):
            if request_type in (None, request["RequestType"]):
                del queue[i]
                return seconds
        return 0.0

    # ---- snapshots: one deployed stack forked into many tests ---------------------------------
    _WIRING: Final = frozenset(
        {
            "clock",
            "personalize",
            "native",
            "buckets",
            "assets",
            "provider",
            "scheduler",
            "stack_api",
            "before_deploy",
        }
    )

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of what CloudFormation knows of the stack, between deploys.

        Everything but the wiring (clients, clock, provider model, scheduler, hooks); the
        scheduler must be idle, since a running handler cannot be copied.
        """
        if not self.scheduler.idle:
            raise RuntimeError("a snapshot is taken between deploys: handlers still run")
        state = copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._WIRING})
        state["assets.published"] = list(self.assets.published) if self.assets else []
        return state

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Become a copy of the stack `snapshot` was taken from (S3 and Personalize: the caller's)."""
        state = copy.deepcopy(snapshot)
        published = state.pop("assets.published")
        if self.assets is not None:
            self.assets.published = published
        vars(self).update(state)

    # ---- public API ---------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """Resolved Outputs of the current stack."""
        if self.template is None:
            return {}
        self._live = dict(self.resources)
        resolver = self._resolver(self.template)
        values: dict[str, Any] = {}
        for name, spec in (self.template.get("Outputs") or {}).items():
            if resolver.included(spec):
                values[name] = resolver.resolve(spec.get("Value"))
        return values

    def resolved(self, value: Any) -> Any:
        """`value` (a template fragment) resolved against the current stack, as a service reading
        a deployed property sees it (e.g. EventBridge Scheduler a schedule's target input)."""
        if self.template is None:
            raise ResolveError("no stack deployed")
        self._live = dict(self.resources)
        return self._resolver(self.template).resolve(value)

    def deploy(self, template: Mapping[str, Any]) -> DeployResult:
        """Create the stack, or update it when it exists (the one place a deploy starts)."""
        fresh: dict[str, Any] = json.loads(json.dumps(template))
        for hook in self.before_deploy:
            hook(fresh)
        run = _Run(start=self.clock.now())
        if self.status in TERMINAL_REFUSING:
            reason = f"Stack:{self.stack_id} is in {self.status} state and can not be updated."
            result = DeployResult(self.status, DeployFailure(self.stack_name, reason, reason))
            self.history.append(result)
            return result
        if self.assets is not None:
            self.assets(fresh)  # `cdk deploy` publishes file assets before the stack deploys
        if self.status == "ROLLBACK_COMPLETE":
            self.status, self.template, self.resources = "NOT_CREATED", None, {}
        if self.template is None:
            status = self._create_stack(fresh, run)
        elif fresh == self.template:
            status = "NO_CHANGES"
        else:
            status = self._update_stack(fresh, run)
        return self._finish(run, status)

    def delete(self) -> DeleteResult:
        """Delete the stack (`cdk destroy`)."""
        run = _Run(start=self.clock.now())
        if self.template is None:
            self.status = "DELETE_COMPLETE"
            return DeleteResult("DELETE_COMPLETE")
        self._stack_event(run, "DELETE_IN_PROGRESS", "User Initiated")
        targets = {lid: [res] for lid, res in self.resources.items()}
        ops = self._delete_all(run, self.template, targets, created_now=set())
        for lid, op in ops.items():
            if op.status == "done":
                self.resources.pop(lid, None)
        failed = [op for op in ops.values() if op.status == "failed"]
        for op in failed:
            assert op.error is not None
            run.failure = run.failure or DeployFailure(op.logical_id, op.error.reason, op.error.message)
        status = "DELETE_FAILED" if self.resources else "DELETE_COMPLETE"
        if status == "DELETE_COMPLETE":
            self.template = None
        self.status = status
        self._stack_event(run, status, "")
        run.stats.wall_seconds = self.clock.now() - run.start
        self.scheduler.drain()
        result = DeleteResult(status, run.failure, run.events, run.stats)
        self.history.append(result)
        return result

    # ---- the graph: what runs when --------------------------------------------------------------
    def _run_graph(
        self,
        order: list[str],
        prereqs: Mapping[str, set[str]],
        start: OpStarter,
        *,
        on_failure: str,  # "cancel": cancel what runs, start nothing more | "continue"
    ) -> dict[str, _Op]:
        """Start each node once its prerequisites are done; run until nothing can progress."""
        ops: dict[str, _Op] = {}
        pending = list(order)
        ok: set[str] = set()
        by_task: dict[int, _Op] = {}
        stopped = False

        def settle(op: _Op, task: Task) -> None:
            nonlocal stopped
            if task.error is None:
                op.status, op.result = "done", task.result
                ok.add(op.logical_id)
                return
            if not isinstance(task.error, _OpFailedError):
                raise task.error
            op.status, op.error = "failed", task.error
            if on_failure == "cancel":
                stopped = True
                for other in ops.values():
                    if other.status == "running" and other is not op:
                        self._cancel(other)

        while True:
            started = True
            while started and not stopped:
                started = False
                for lid in list(pending):
                    if stopped or not prereqs.get(lid, set()) <= ok:
                        continue
                    pending.remove(lid)
                    started = True
                    op = start(lid)
                    if op is None:
                        ok.add(lid)
                        continue
                    ops[lid] = op
                    assert op.task is not None
                    by_task[id(op.task)] = op
                    if op.task.done:
                        settle(op, op.task)
            if not any(op.status == "running" for op in ops.values()):
                return ops
            task = self.scheduler.step()
            op_done = by_task.get(id(task)) if task is not None else None
            if task is not None and op_done is not None and op_done.status == "running":
                settle(op_done, task)

    def _cancel(self, op: _Op) -> None:
        op.status = "cancelled"
        if op.stats is not None:  # a custom resource: its onEvent/waiter runs on, nobody listens
            op.stats.cancelled_at = self.clock.now()
        elif op.task is not None:  # a native resource handler stops waiting
            op.task.stop()

    def _spawn(self, op: _Op, process: Process) -> _Op:
        op.task = self.scheduler.spawn(op.logical_id, process)
        return op

    # ---- create -------------------------------------------------------------------------------
    def _create_stack(self, template: dict[str, Any], run: _Run) -> str:
        self._stack_event(run, "CREATE_IN_PROGRESS", "User Initiated")
        self._live, self.records = {}, ResourceRecords()
        resolver = self._resolver(template)
        order = [lid for lid in topological_order(template) if resolver.included(template["Resources"][lid])]
        prereqs = {lid: dependencies(template, lid) & set(order) for lid in order}

        def start(lid: str) -> _Op:
            op = _Op(lid, "create")
            return self._spawn(op, self._create(op, template["Resources"][lid], resolver, run))

        ops = self._run_graph(order, prereqs, start, on_failure="cancel")
        self._note_cancelled(run, ops)
        if not any(op.status in ("failed", "cancelled") for op in ops.values()):
            self.template, self.resources, self.status = template, dict(self._live), "CREATE_COMPLETE"
            return "CREATE_COMPLETE"
        failed = [op for op in ops.values() if op.status == "failed"]
        first = failed[0]
        assert first.error is not None
        run.failure = DeployFailure(first.logical_id, first.error.reason, first.error.message)
        listed = ", ".join(op.logical_id for op in ops.values() if op.status in ("failed", "cancelled"))
        self._stack_event(
            run,
            "ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to create: [{listed}]. Rollback requested by user.",
        )
        targets = {lid: [res] for lid, op in ops.items() if (res := self._left_behind(op)) is not None}
        self.template, self.resources = template, {lid: res[0] for lid, res in targets.items()}
        deleted = self._delete_all(run, template, targets, created_now=set(targets))
        status = "ROLLBACK_COMPLETE"
        for lid, op in deleted.items():
            if op.status == "done":
                self.resources.pop(lid, None)
            else:
                status = "ROLLBACK_FAILED"
        self.status = status
        return status

    def _left_behind(self, op: _Op) -> Resource | None:
        """What a create or update left that CloudFormation will delete (None: nothing it knows of)."""
        if op.status == "done":
            return op.result
        if op.shell is None:
            return None
        if op.status == "failed":
            assert op.error is not None
            if op.error.physical_id:
                return replace(op.shell, physical_id=op.error.physical_id)
            return None
        if op.status == "cancelled":
            if op.shell.kind == "provider":
                self._request_seq += 1
                seed = f"{self.stack_id}/{op.logical_id}/{self._request_seq}"
                return replace(
                    op.shell, physical_id=generated_physical_id(self.stack_name, op.logical_id, seed)
                )
            if op.made:
                return replace(op.shell, physical_id=op.made[0])
        return None

    # ---- update -------------------------------------------------------------------------------
    def _update_stack(self, template: dict[str, Any], run: _Run) -> str:
        assert self.template is not None
        old_template, old = self.template, dict(self.resources)
        self._stack_event(run, "UPDATE_IN_PROGRESS", "User Initiated")
        self._live = dict(old)
        resolver = self._resolver(template)
        order = [lid for lid in topological_order(template) if resolver.included(template["Resources"][lid])]
        prereqs = {lid: dependencies(template, lid) & set(order) for lid in order}

        def start(lid: str) -> _Op:
            body = template["Resources"][lid]
            if lid not in old:
                op = _Op(lid, "create")
                return self._spawn(op, self._create(op, body, resolver, run))
            op = _Op(lid, "update", old=old[lid])
            return self._spawn(op, self._update(op, body, resolver, run))

        ops = self._run_graph(order, prereqs, start, on_failure="cancel")
        self._note_cancelled(run, ops)
        if any(op.status in ("failed", "cancelled") for op in ops.values()):
            return self._rollback_update(old_template, template, old, ops, run)
        self._stack_event(run, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
        targets: dict[str, list[Resource]] = {}
        for lid, res in old.items():
            op = ops.get(lid)
            if lid not in order:
                if res.body.get("DeletionPolicy") not in ("Retain", "RetainExceptOnCreate"):
                    targets[lid] = [res]
                else:
                    self._event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=res.physical_id)
            elif op is not None and op.result is not None and op.result.physical_id != res.physical_id:
                if res.body.get("UpdateReplacePolicy") == "Retain":
                    self._event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=res.physical_id)
                else:
                    targets[lid] = [res]
        self._delete_all(run, old_template, targets, created_now=set(targets))
        self.template = template
        self.resources = {lid: self._live[lid] for lid in order if lid in self._live}
        self.status = "UPDATE_COMPLETE"
        return "UPDATE_COMPLETE"

    def _rollback_update(
        self,
        old_template: dict[str, Any],
        new_template: dict[str, Any],
        old: dict[str, Resource],
        ops: dict[str, _Op],
        run: _Run,
    ) -> str:
        failed = [op for op in ops.values() if op.status == "failed"]
        first = failed[0]
        assert first.error is not None
        run.failure = DeployFailure(first.logical_id, first.error.reason, first.error.message)
        listed = ", ".join(op.logical_id for op in ops.values() if op.status in ("failed", "cancelled"))
        self._stack_event(
            run, "UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to update: [{listed}]."
        )
        cleanup, back = self._rollback_plan(ops)
        restored = dict(old)
        order = [lid for lid in topological_order(old_template) if lid in back]
        prereqs = {lid: dependencies(old_template, lid) & set(order) for lid in order}

        def start(lid: str) -> _Op:
            before, last = back[lid]
            op = _Op(lid, "rollback", old=before, shell=last)
            return self._spawn(op, self._rollback_one(op, run))

        rolled = self._run_graph(order, prereqs, start, on_failure="continue")
        for lid, op in rolled.items():
            before, last = back[lid]
            if op.status != "done" or op.result is None:
                continue
            restored[lid] = op.result
            for pid in dict.fromkeys((last.physical_id, before.physical_id)):
                if pid and pid != op.result.physical_id:
                    cleanup.setdefault(lid, []).append(replace(last, physical_id=pid))
        broken = [op for op in rolled.values() if op.status == "failed"]
        if broken:
            assert broken[0].error is not None
            self.status = "UPDATE_ROLLBACK_FAILED"
            self._stack_event(
                run, "UPDATE_ROLLBACK_FAILED", f"{broken[0].logical_id}: {broken[0].error.reason}"
            )
            self.template = old_template
            self.resources = {**restored, **{op.logical_id: back[op.logical_id][1] for op in broken}}
            return "UPDATE_ROLLBACK_FAILED"
        self._stack_event(run, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
        self._live = {**self._live, **restored}
        self._delete_all(run, new_template, cleanup, created_now=set(cleanup))
        self.template, self.resources, self.status = old_template, restored, "UPDATE_ROLLBACK_COMPLETE"
        return "UPDATE_ROLLBACK_COMPLETE"

    def _rollback_plan(
        self, ops: Mapping[str, _Op]
    ) -> tuple[dict[str, list[Resource]], dict[str, tuple[Resource, Resource]]]:
        """What the cleanup deletes; per resource to roll back: (old, what CloudFormation last recorded)."""
        cleanup: dict[str, list[Resource]] = {}
        back: dict[str, tuple[Resource, Resource]] = {}
        for lid, op in ops.items():
            if op.kind == "create":
                left = self._left_behind(op)
                if left is not None:
                    cleanup[lid] = [left]
                continue
            if op.kind == "none" or op.old is None:
                continue
            if op.status == "failed" and op.error is not None and not op.error.touched:
                continue
            if op.kind == "replace":
                left = self._left_behind(op)
                if left is not None and left.physical_id != op.old.physical_id:
                    cleanup[lid] = [left]
                continue
            last = op.result if op.status == "done" else None
            if last is None:
                physical_id = op.old.physical_id
                if op.status == "failed" and op.error is not None and op.error.physical_id:
                    physical_id = op.error.physical_id
                props = op.shell.properties if op.shell is not None else op.old.properties
                last = replace(op.old, properties=props, physical_id=physical_id)
            back[lid] = (op.old, last)
        return cleanup, back

    # ---- delete -------------------------------------------------------------------------------
    def _delete_all(
        self,
        run: _Run,
        template: Mapping[str, Any],
        targets: Mapping[str, list[Resource]],
        *,
        created_now: set[str],
    ) -> dict[str, _Op]:
        """Delete `targets` (several ids per logical id possible), dependants first, in parallel.

        `created_now`: resources this very operation created (RetainExceptOnCreate deletes them).
        """
        resources = template.get("Resources") or {}
        order = [lid for lid in reversed(topological_order(template)) if lid in targets]
        order += sorted(lid for lid in targets if lid not in resources)
        prereqs: dict[str, set[str]] = {lid: set() for lid in order}
        for lid in order:
            if lid in resources:
                for dep in dependencies(template, lid):
                    if dep in prereqs:
                        prereqs[dep].add(lid)

        def start(lid: str) -> _Op | None:
            policy = targets[lid][0].body.get("DeletionPolicy")
            if policy == "Retain" or (policy == "RetainExceptOnCreate" and lid not in created_now):
                self._event(run, lid, "DELETE", "DELETE_SKIPPED", "", physical_id=targets[lid][0].physical_id)
                self.resources.pop(lid, None)
                return None
            op = _Op(lid, "delete", old=targets[lid][0])
            return self._spawn(op, self._delete_each(op, targets[lid], run))

        return self._run_graph(order, prereqs, start, on_failure="continue")

    def _delete_each(self, op: _Op, resources: list[Resource], run: _Run) -> Process:
        for res in resources:
            yield from self._delete(op, res, run)

    # ---- one resource (processes) -------------------------------------------------------------
    def _create(self, op: _Op, body: Mapping[str, Any], resolver: Resolver, run: _Run) -> Process:
        lid, rtype = op.logical_id, str(body["Type"])
        self._event(run, lid, "CREATE", "CREATE_IN_PROGRESS", "", rtype=rtype)
        started = self.clock.now()
        try:
            props = self._resolve_props(lid, body, resolver)
            op.shell = Resource(lid, rtype, props, "", {}, body)
            res = yield from self._injected(op, self._create_body(op, op.shell, run))
            if op.shell.kind != "provider":
                self._record(run, lid, "CREATE", started)
        except _OpFailedError as exc:
            self._end_event(op, run, "CREATE", "CREATE_FAILED", exc.reason)
            raise
        if op.status == "running":
            self._live[lid] = res
        self._end_event(op, run, "CREATE", "CREATE_COMPLETE", "", physical_id=res.physical_id)
        return res

    def _create_body(self, op: _Op, shell: Resource, run: _Run) -> Generator[float, None, Resource]:
        if shell.kind == "provider":
            return (
                yield from self._run_provider(
                    op, self._request("Create", shell, shell.properties), shell, run
                )
            )
        if shell.kind == "native":
            made = yield from self._native(self.native.create(shell.type, shell.properties, op.made))
            return replace(shell, physical_id=made.physical_id, attributes=made.attributes)
        made_id = self.buckets.create(shell.logical_id, shell.type) if self.buckets else None
        return replace(shell, physical_id=made_id or f"{shell.logical_id}-phys")

    def _update(self, op: _Op, body: Mapping[str, Any], resolver: Resolver, run: _Run) -> Process:
        assert op.old is not None
        old, lid, rtype = op.old, op.logical_id, str(body["Type"])
        try:
            props = self._resolve_props(lid, body, resolver, action="UPDATE")
        except _OpFailedError as exc:
            self._event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        if rtype == old.type and props == old.properties:
            op.kind = "none"
            return old
        self._event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
        started = self.clock.now()
        op.shell = replace(old, type=rtype, properties=props, body=body)
        try:
            res = yield from self._update_body(op, op.shell, run)
            if op.shell.kind != "provider":
                self._record(run, lid, "UPDATE", started)
        except _OpFailedError as exc:
            self._end_event(op, run, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        if op.status == "running":
            self._live[lid] = res
        self._end_event(op, run, "UPDATE", "UPDATE_COMPLETE", "", physical_id=res.physical_id)
        return res

    def _update_body(self, op: _Op, shell: Resource, run: _Run) -> Generator[float, None, Resource]:
        assert op.old is not None
        old, props, rtype = op.old, shell.properties, shell.type
        if rtype != old.type:
            raise _OpFailedError(
                f"Update of resource type is not permitted. The new resource type {rtype} "
                f"differs from {old.type}.",
                touched=False,
            )
        if shell.kind == "provider":
            if props.get("ServiceToken") != old.properties.get("ServiceToken"):
                raise _OpFailedError("Modifying service token is not allowed.", touched=False)
            request = self._request("Update", shell, props, old.physical_id, old.properties)
            return (yield from self._injected(op, self._run_provider(op, request, shell, run)))
        if shell.kind != "native":
            return (yield from self._injected(op, _returning(shell)))
        changed = {k for k in set(props) | set(old.properties) if props.get(k) != old.properties.get(k)}
        if changed & CREATE_ONLY[rtype]:
            if props.get("Name") == old.properties.get("Name"):
                raise _OpFailedError(CUSTOM_NAMED_REPLACEMENT.format(name=props.get("Name")), touched=False)
            op.kind = "replace"
            self._event(run, op.logical_id, "UPDATE", "UPDATE_IN_PROGRESS", REPLACEMENT_REASON)
            made = yield from self._injected(op, self._native(self.native.create(rtype, props, op.made)))
        else:
            current = NativeResult(old.physical_id, dict(old.attributes))
            made = yield from self._injected(
                op, self._native(self.native.update(rtype, old.properties, props, current))
            )
        return replace(shell, physical_id=made.physical_id, attributes=made.attributes)

    def _rollback_one(self, op: _Op, run: _Run) -> Process:
        before, last = op.old, op.shell
        assert before is not None and last is not None
        lid = before.logical_id
        self._event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
        started = self.clock.now()
        try:
            if before.kind == "provider":
                request = self._request(
                    "Update", before, before.properties, last.physical_id, last.properties
                )
                back = yield from self._injected(op, self._run_provider(op, request, before, run))
            else:
                back = yield from self._injected(op, _returning(before))
                self._record(run, lid, "UPDATE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        self._live[lid] = back
        self._event(run, lid, "UPDATE", "UPDATE_COMPLETE", "", physical_id=back.physical_id)
        return back

    def _delete(self, op: _Op, res: Resource, run: _Run) -> Generator[float, None, None]:
        lid, pid = res.logical_id, res.physical_id
        self._event(run, lid, "DELETE", "DELETE_IN_PROGRESS", "", physical_id=pid)
        started = self.clock.now()
        try:
            if res.kind == "provider":
                request = self._request("Delete", res, res.properties, res.physical_id)
                yield from self._injected(op, self._run_provider(op, request, res, run))
            elif res.kind == "native" and res.physical_id:
                yield from self._injected(
                    op, self._native(_then_none(self.native.delete(res.type, res.physical_id)))
                )
                self._record(run, lid, "DELETE", started)
            else:
                yield from self._injected(op, self._native(self._delete_other(res)))
                self._record(run, lid, "DELETE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "DELETE", "DELETE_FAILED", exc.reason, physical_id=pid)
            raise
        self._event(run, lid, "DELETE", "DELETE_COMPLETE", "", physical_id=pid)

    def _end_event(
        self, op: _Op, run: _Run, action: str, status: str, reason: str, *, physical_id: str = ""
    ) -> None:
        """The operation's last event, unless CloudFormation already cancelled it."""
        if op.status == "running":
            self._event(run, op.logical_id, action, status, reason, physical_id=physical_id)

    # ---- the Provider -------------------------------------------------------------------------
    def _request(
        self,
        request_type: str,
        res: Resource,
        props: Any,
        physical_id: str | None = None,
        old_props: Any = None,
    ) -> dict[str, Any]:
        self._request_seq += 1
        request: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": (props or {}).get("ServiceToken", ""),
            "ResponseURL": RESPONSE_URL,
            "StackId": self.stack_id,
            "RequestId": str(uuid.uuid5(_ID_NAMESPACE, f"{self.stack_id}/{self._request_seq}")),
            "LogicalResourceId": res.logical_id,
            "ResourceType": res.type,
        }
        if physical_id is not None:
            request["PhysicalResourceId"] = physical_id
        request["ResourceProperties"] = props or {}
        if request_type == "Update":
            request["OldResourceProperties"] = old_props
        self.requests.append(json.loads(json.dumps(request)))
        return request

    def _run_provider(
        self, op: _Op, request: dict[str, Any], shell: Resource, run: _Run
    ) -> Generator[float, None, Resource]:
        op.stats = OperationStats(request["LogicalResourceId"], request["RequestType"], self.clock.now())
        outcome = yield from self.provider.run(request, op.stats)
        self._record_provider(run, op.stats)
        if not outcome.success:
            raise _OpFailedError(outcome.reason, outcome.message, outcome.physical_id)
        return replace(shell, physical_id=outcome.physical_id or "", attributes=dict(outcome.data))

    # ---- helpers ------------------------------------------------------------------------------
    def _resolver(self, template: Mapping[str, Any]) -> Resolver:
        return Resolver(
            template,
            stack_name=self.stack_name,
            stack_id=self.stack_id,
            ref=self._ref,
            get_att=self._get_att,
            parameters=self.parameters,
        )

    def _ref(self, lid: str) -> Any:
        res = self._live.get(lid)
        if res is None:
            raise ResolveError(f"Template error: resource {lid} does not exist (yet)")
        return res.physical_id

    def _get_att(self, lid: str, attr: str) -> Any:
        res = self._live.get(lid)
        if res is None:
            raise ResolveError(f"Template error: resource {lid} does not exist (yet)")
        if res.kind == "provider":
            if attr not in res.attributes:
                raise ResolveError(
                    f"CustomResource attribute error: Vendor response doesn't contain {attr} attribute "
                    f"in object {self.stack_id}|{lid}|{res.physical_id}"
                )
            return res.attributes[attr]
        if res.kind == "native":
            if attr not in res.attributes:
                raise ResolveError(f"Requested attribute {attr} must be a readonly property of {res.type}")
            return res.attributes[attr]
        if attr == "Arn":
            return generic_arn(res.type, lid, res.physical_id)
        return f"{lid}.{attr}"

    def _resolve_props(
        self, lid: str, body: Mapping[str, Any], resolver: Resolver, action: str = "CREATE"
    ) -> Any:
        try:
            props = resolver.resolve(body.get("Properties") or {})
        except ResolveError as exc:
            raise _OpFailedError(str(exc), touched=False) from exc
        return stringify(props) if _kind(str(body["Type"])) == "provider" else props

    def _injected(self, op: _Op, body: Generator[float, None, _T]) -> Generator[float, None, _T]:
        """Run `body` unless a failure is injected: at once, or `after` seconds into it."""
        injected = self._failures.pop(op.logical_id, None)
        if injected is None:
            return (yield from body)
        reason, times, after = injected
        if times > 1:
            self._failures[op.logical_id] = (reason, times - 1, after)
        if after <= 0:
            body.close()
            raise _OpFailedError(reason)
        deadline = self.clock.now() + after
        result: object = None
        while True:
            try:
                wait = body.send(None)
            except StopIteration as stop:
                result = stop.value
                break
            if self.clock.now() + wait >= deadline:
                body.close()
                break
            yield wait
        if deadline > self.clock.now():
            yield deadline - self.clock.now()
        physical_id = result.physical_id if isinstance(result, Resource) else None
        if physical_id is None and op.stats is not None:
            physical_id = op.stats.physical_id
        if physical_id is None and op.made:
            physical_id = op.made[0]
        if (
            physical_id is None
            and op.kind == "create"
            and op.shell is not None
            and op.shell.kind == "provider"
        ):
            from .provider import CREATE_FAILED_MARKER  # noqa: PLC0415

            physical_id = CREATE_FAILED_MARKER
        if op.stats is not None:
            op.stats.ended_at = self.clock.now()
            op.stats.duration = op.stats.ended_at - op.stats.started_at
        raise _OpFailedError(reason, physical_id=physical_id)

    def _delete_other(self, res: Resource) -> Generator[float, None, NativeResult | None]:
        """Resources recorded only; S3 buckets are played (a non-empty bucket refuses deletion)."""
        if self.buckets is not None:
            self.buckets.delete(res.type, res.physical_id, res.properties)
        return None
        yield  # pragma: no cover - makes this a generator

    @staticmethod
    def _native(call: Generator[float, None, NativeResult | None]) -> Generator[float, None, NativeResult]:
        try:
            result = yield from call
        except NativeError as exc:
            raise _OpFailedError(str(exc), physical_id=exc.physical_id) from exc
        return result or NativeResult("")

    def _note_cancelled(self, run: _Run, ops: Mapping[str, _Op]) -> None:
        for op in ops.values():
            if op.status != "cancelled":
                continue
            action = "UPDATE" if op.kind in ("update", "replace") else "CREATE"
            reason = UPDATE_CANCELLED if action == "UPDATE" else CREATE_CANCELLED
            self._event(run, op.logical_id, action, f"{action}_FAILED", reason)
            if op.stats is not None:
                run.cancelled.append(op.stats)

    def _record(self, run: _Run, lid: str, action: str, started: float) -> None:
        run.stats.operations.append(OperationRecord(lid, action, self.clock.now() - started))

    def _record_provider(self, run: _Run, stats: OperationStats) -> None:
        run.stats.operations.append(
            OperationRecord(
                stats.logical_id,
                stats.request_type.upper(),
                stats.duration,
                stats.lambda_invocations,
                stats.state_transitions,
                stats.framework_invocations,
                custom=True,
            )
        )
        run.stats.lambda_invocations += stats.lambda_invocations
        run.stats.state_transitions += stats.state_transitions
        run.stats.framework_invocations += stats.framework_invocations
        if stats.cancelled_at is None:
            run.stats.max_operation_seconds = max(run.stats.max_operation_seconds, stats.duration)

    def _event(
        self,
        run: _Run,
        lid: str,
        action: str,
        status: str,
        reason: str,
        *,
        physical_id: str = "",
        rtype: str = "",
    ) -> None:
        """A stack event; a resource's also updates what DescribeStackResource answers (`records`)."""
        event = StackEvent(self.clock.now(), lid, action, status, reason)
        run.events.append(event)
        self.events.append(event)
        if action != "STACK":
            self.records.observe(lid, status, self.clock.now(), physical_id=physical_id, rtype=rtype)

    def _stack_event(self, run: _Run, status: str, reason: str) -> None:
        self.live_status = status
        self._event(run, self.stack_name, "STACK", status, reason)

    def _finish(self, run: _Run, status: str) -> DeployResult:
        if status != "NO_CHANGES":
            self._stack_event(run, status, "")
        if status.startswith("UPDATE_"):  # what the update removed is no longer the stack's
            self.records.keep_only(set(self.resources))
        run.stats.wall_seconds = self.clock.now() - run.start
        self.scheduler.drain()  # cancelled waiters poll on until they end on their own
        outputs = self.outputs if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES") else {}
        result = DeployResult(status, run.failure, run.events, run.stats, outputs, list(run.cancelled))
        self.history.append(result)
        return result


def _returning(value: _T) -> Generator[float, None, _T]:
    """A process that takes no time and returns `value`."""
    return value
    yield  # pragma: no cover - makes this a generator


def _then_none(process: Generator[float, None, None]) -> Generator[float, None, NativeResult | None]:
    yield from process
    return None


__all__ = [
    "PRIMARY_ATTR",
    "DeleteResult",
    "DeployFailure",
    "DeployResult",
    "DeploySimulator",
    "DeployStats",
    "OperationRecord",
    "Resource",
    "StackEvent",
    "generated_physical_id",
    "load_template",
]

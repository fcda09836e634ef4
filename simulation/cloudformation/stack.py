"""One stack as CloudFormation knows it, and the steps every resource operation shares.

The phases (`create.py`, `update.py`, `rollback.py`, `cleanup.py`, `delete.py`) are functions
of a `Stack`: they record events and accounting, resolve properties against the resources
live so far, send the Provider its requests and call native Personalize through it.
`DeploySimulator` is the `Stack` with the public API on top.

Everything not native Personalize and not a `constants.RESOURCE_TYPES` custom resource is
recorded only: physical id `<LogicalId>-phys`; GetAtt `Arn` gives the service's ARN shape
where services check it (IAM role `arn:aws:iam::111111111111:role/<LogicalId>`, Lambda
`...:function:<LogicalId>`, see `generic_arn`), else `arn:aws:<service>:us-east-1:111111111111:
<LogicalId>`; any other attribute `<LogicalId>.<Attr>`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Final, TypeVar

from lambda_handlers import constants, entry
from lambda_handlers.deps import Deps

from .assets import AssetPublisher
from .buckets import S3Buckets
from .faults import Faults
from .intrinsics import ACCOUNT_ID, REGION, ResolveError, Resolver, stringify
from .model import DeleteResult, DeployResult, OperationRecord, Resource, Run, StackEvent, kind
from .native import NativeError, NativePersonalize, NativeResult
from .provider import DEFAULT_LAMBDA_TIMEOUT, Clock, Handler, OperationStats, ProviderModel
from .scheduler import Op, OpFailedError, Process, Scheduler
from .stack_api import ResourceRecords, StackApi

RESPONSE_URL: Final = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    "arn%3Aaws%3Acloudformation%3Aus-east-1%3A111111111111%3Astack/simulated?X-Amz-Signature=0"
)
CREATE_CANCELLED: Final = "Resource creation cancelled"
UPDATE_CANCELLED: Final = "Resource update cancelled"
_ID_NAMESPACE: Final = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
_T = TypeVar("_T")

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


class Stack:
    """CloudFormation's knowledge of one stack, and the clients and models it plays against."""

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
        self.live: dict[str, Resource] = {}  # what Ref and GetAtt see while a phase runs
        self.scheduler = Scheduler(clock)
        # Run with each template before CloudFormation sees it, as `cdk deploy` publishes assets first.
        self.before_deploy: list[Callable[[Mapping[str, Any]], None]] = []
        self.faults = Faults()
        self.request_seq = 0
        if handlers is None:
            handlers = (entry.handle_on_event, entry.handle_is_complete)
        self.provider = ProviderModel(
            clock,
            handlers[0],
            handlers[1],
            deps_factory or self._default_deps,
            query_interval=query_interval,
            total_timeout=operation_timeout,
            lambda_timeout=lambda_timeout,
            on_event_delay=self._on_event_delay,
        )
        self.native = NativePersonalize(personalize_client, clock, poll_interval=native_poll_interval)
        # With an S3 client: buckets are real, and each deploy first publishes the template's assets.
        self.buckets = S3Buckets(s3_client, stack_name) if s3_client is not None else None
        self.assets = AssetPublisher(s3_client, assemblies) if s3_client and assemblies else None

    def _on_event_delay(self, request: dict[str, Any]) -> float:
        # Looked up on each request: a restored snapshot brings its own `faults`.
        return self.faults.on_event_delay(request)

    def _default_deps(self) -> Deps:
        return Deps(
            personalize=self.personalize,
            now=self.clock.now,
            log=self.logs.append,
            make_cloudformation=lambda: self.stack_api,
            stack_id=self.stack_id,
        )

    # ---- events and accounting ----------------------------------------------------------------
    def event(
        self,
        run: Run,
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

    def stack_event(self, run: Run, status: str, reason: str) -> None:
        self.live_status = status
        self.event(run, self.stack_name, "STACK", status, reason)

    def end_event(
        self, op: Op, run: Run, action: str, status: str, reason: str, *, physical_id: str = ""
    ) -> None:
        """The operation's last event, unless CloudFormation already cancelled it."""
        if op.status == "running":
            self.event(run, op.logical_id, action, status, reason, physical_id=physical_id)

    def note_cancelled(self, run: Run, ops: Mapping[str, Op]) -> None:
        """The failure event of each operation a failure cancelled."""
        for op in ops.values():
            if op.status != "cancelled":
                continue
            action = "UPDATE" if op.kind in ("update", "replace") else "CREATE"
            reason = UPDATE_CANCELLED if action == "UPDATE" else CREATE_CANCELLED
            self.event(run, op.logical_id, action, f"{action}_FAILED", reason)
            if op.stats is not None:
                run.cancelled.append(op.stats)

    def record(self, run: Run, lid: str, action: str, started: float) -> None:
        run.stats.operations.append(OperationRecord(lid, action, self.clock.now() - started))

    def _record_provider(self, run: Run, stats: OperationStats) -> None:
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

    # ---- running one operation ----------------------------------------------------------------
    def spawn(self, op: Op, process: Process) -> Op:
        op.task = self.scheduler.spawn(op.logical_id, process)
        return op

    def injected(self, op: Op, body: Generator[float, None, _T]) -> Generator[float, None, _T]:
        """`body`, or the failure a test injected for this operation."""
        return self.faults.injected(op, body, self.clock)

    def finish(self, op: Op, run: Run, action: str, work: Generator[float, None, Resource]) -> Process:
        """Run a resource's Create or Update (`work`) to its last event: `{action}_FAILED` with the
        failure's reason, or `{action}_COMPLETE` with the physical id (visible to Ref and GetAtt
        unless CloudFormation cancelled the operation meanwhile)."""
        started = self.clock.now()
        try:
            res = yield from work
            if op.shell is not None and op.shell.kind != "provider":
                self.record(run, op.logical_id, action, started)
        except OpFailedError as exc:
            self.end_event(op, run, action, f"{action}_FAILED", exc.reason)
            raise
        if op.status == "running":
            self.live[op.logical_id] = res
        self.end_event(op, run, action, f"{action}_COMPLETE", "", physical_id=res.physical_id)
        return res

    def request(
        self,
        request_type: str,
        res: Resource,
        props: Any,
        physical_id: str | None = None,
        old_props: Any = None,
    ) -> dict[str, Any]:
        """A CloudFormation custom resource request, as the Provider's onEvent receives it."""
        self.request_seq += 1
        request: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": (props or {}).get("ServiceToken", ""),
            "ResponseURL": RESPONSE_URL,
            "StackId": self.stack_id,
            "RequestId": str(uuid.uuid5(_ID_NAMESPACE, f"{self.stack_id}/{self.request_seq}")),
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

    def run_provider(
        self, op: Op, request: dict[str, Any], shell: Resource, run: Run
    ) -> Generator[float, None, Resource]:
        """The Provider framework handles `request`: `shell` with the answered id and Data."""
        op.stats = OperationStats(request["LogicalResourceId"], request["RequestType"], self.clock.now())
        outcome = yield from self.provider.run(request, op.stats)
        self._record_provider(run, op.stats)
        if not outcome.success:
            raise OpFailedError(outcome.reason, outcome.message, outcome.physical_id)
        return replace(shell, physical_id=outcome.physical_id or "", attributes=dict(outcome.data))

    @staticmethod
    def native_call(
        call: Generator[float, None, NativeResult | None],
    ) -> Generator[float, None, NativeResult]:
        """A native API call whose error fails the operation (with the id it made, if any)."""
        try:
            result = yield from call
        except NativeError as exc:
            raise OpFailedError(str(exc), physical_id=exc.physical_id) from exc
        return result or NativeResult("")

    # ---- resolution against the live resources ------------------------------------------------
    def resolver(self, template: Mapping[str, Any]) -> Resolver:
        return Resolver(
            template,
            stack_name=self.stack_name,
            stack_id=self.stack_id,
            ref=self._ref,
            get_att=self._get_att,
            parameters=self.parameters,
        )

    def resolve_props(self, body: Mapping[str, Any], resolver: Resolver) -> Any:
        """A resource's properties as its operation sends them; unresolvable: refused, untouched."""
        try:
            props = resolver.resolve(body.get("Properties") or {})
        except ResolveError as exc:
            raise OpFailedError(str(exc), touched=False) from exc
        return stringify(props) if kind(str(body["Type"])) == "provider" else props

    def _ref(self, lid: str) -> Any:
        res = self.live.get(lid)
        if res is None:
            raise ResolveError(f"Template error: resource {lid} does not exist (yet)")
        return res.physical_id

    def _get_att(self, lid: str, attr: str) -> Any:
        res = self.live.get(lid)
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

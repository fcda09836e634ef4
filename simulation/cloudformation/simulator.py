"""DeploySimulator: CloudFormation plus the Provider framework over a synthesized template.

Model (sequential; one resource at a time, in dependency order):

- First deploy: every resource is created. A failure rolls back: resources already created
  (and the failed one, when it has a physical id) are deleted in reverse order; the stack ends
  ROLLBACK_COMPLETE (ROLLBACK_FAILED if a delete fails). The next `deploy` then starts afresh,
  as the CDK CLI does (it deletes a ROLLBACK_COMPLETE stack first).
- Update: properties are resolved against the current attributes and compared with the
  deployed ones; only changed resources get an operation. Custom resources get an Update
  (replacement when it answers another physical id); native Personalize resources are
  replaced when a create-only property changes (failing when the Name stays the same, as
  CloudFormation does for custom-named resources); other types are updated in place.
  Cleanup then deletes replaced physical ids and removed resources (reverse order of the old
  template); cleanup failures are recorded but do not fail the stack, like CloudFormation.
- Update failure: every resource already updated, including the one that failed, gets an
  Update back to its old properties (custom resources: ResourceProperties = old,
  OldResourceProperties = new, PhysicalResourceId = the id CloudFormation last recorded, even
  from a FAILED response); native in-place updates are restored without a call; then cleanup
  deletes what the update created (new resources, replacement ids not kept). A failure during
  the rollback ends UPDATE_ROLLBACK_FAILED; such a stack refuses further deploys.
- `delete()` deletes every resource in reverse dependency order (DeletionPolicy Retain skips).

Everything not native Personalize and not a `constants.RESOURCE_TYPES` custom resource is
recorded only: physical id `<LogicalId>-phys`; GetAtt `Arn` gives the service's ARN shape
where services check it (IAM role `arn:aws:iam::111111111111:role/<LogicalId>`, Lambda
`...:function:<LogicalId>`, see `generic_arn`), else `arn:aws:<service>:us-east-1:111111111111:
<LogicalId>`; any other attribute `<LogicalId>.<Attr>`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, NamedTuple

from lambda_handlers import constants

from .assets import AssetPublisher
from .buckets import S3Buckets
from .graph import topological_order
from .intrinsics import ACCOUNT_ID, REGION, ResolveError, Resolver, stringify
from .native import CREATE_ONLY, NATIVE_TYPES, PRIMARY_ATTR, NativeError, NativePersonalize, NativeResult
from .provider import Clock, Handler, OperationStats, ProviderModel

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


@dataclass
class _Change:
    logical_id: str
    kind: str  # create | update | replace
    old: Resource | None
    new: Resource | None  # None when a create failed before any physical id existed


class _OpFailedError(Exception):
    def __init__(
        self, reason: str, message: str = "", physical_id: str | None = None, *, touched: bool = True
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or reason
        self.physical_id = physical_id
        self.touched = touched  # False: refused before any handler or API call (nothing to roll back)


@dataclass
class _Run:
    start: float
    events: list[StackEvent] = field(default_factory=list)
    stats: DeployStats = field(default_factory=DeployStats)
    failure: DeployFailure | None = None


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
        self.template: dict[str, Any] | None = None
        self.resources: dict[str, Resource] = {}
        self._failures: dict[str, tuple[str, int]] = {}
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
        )
        self.native = NativePersonalize(
            personalize_client, clock, poll_interval=native_poll_interval, s3=s3_client
        )
        # With an S3 client: buckets are real, and each deploy first publishes the template's assets.
        self.buckets = S3Buckets(s3_client, stack_name) if s3_client is not None else None
        self.assets = AssetPublisher(s3_client, assemblies) if s3_client and assemblies else None

    def _default_deps(self) -> Any:
        from lambda_handlers.deps import Deps  # noqa: PLC0415 - written in parallel

        return Deps(personalize=self.personalize, now=self.clock.now, log=self.logs.append)

    # ---- public API ---------------------------------------------------------------------------
    def inject_failure(self, logical_id: str, reason: str, *, times: int = 1) -> None:
        """Make the next `times` operations (create, update, rollback update, delete) on a resource fail.

        The failure happens before any handler or API call; `reason` becomes the status reason.
        """
        self._failures[logical_id] = (reason, times)

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

    def deploy(self, template: Mapping[str, Any]) -> DeployResult:
        """Create the stack, or update it when it exists."""
        fresh: dict[str, Any] = json.loads(json.dumps(template))
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
        failed: set[str] = set()
        order = [lid for lid in reversed(topological_order(self.template)) if lid in self.resources]
        blocked: set[str] = set()
        for lid in order:
            res = self.resources[lid]
            if lid in blocked:
                continue
            if res.body.get("DeletionPolicy") == "Retain":
                self._event(run, lid, "DELETE", "DELETE_SKIPPED", "")
                del self.resources[lid]
                continue
            try:
                self._delete(res, run)
                del self.resources[lid]
            except _OpFailedError as exc:
                failed.add(lid)
                run.failure = run.failure or DeployFailure(lid, exc.reason, exc.message)
                blocked |= self._dependencies(self.template, lid)
        status = "DELETE_FAILED" if failed or blocked else "DELETE_COMPLETE"
        if status == "DELETE_COMPLETE":
            self.template = None
        self.status = status
        self._stack_event(run, status, "")
        run.stats.wall_seconds = self.clock.now() - run.start
        result = DeleteResult(status, run.failure, run.events, run.stats)
        self.history.append(result)
        return result

    # ---- create -------------------------------------------------------------------------------
    def _create_stack(self, template: dict[str, Any], run: _Run) -> str:
        self._stack_event(run, "CREATE_IN_PROGRESS", "User Initiated")
        order = topological_order(template)
        self._live = {}
        resolver = self._resolver(template)
        created: list[str] = []
        for lid in order:
            body = template["Resources"][lid]
            if not resolver.included(body):
                continue
            try:
                self._live[lid] = self._create(lid, body, resolver, run)
                created.append(lid)
            except _OpFailedError as exc:
                run.failure = DeployFailure(lid, exc.reason, exc.message)
                if exc.physical_id:
                    self._live[lid] = Resource(lid, body["Type"], None, exc.physical_id, {}, body)
                    created.append(lid)
                break
        if run.failure is None:
            self.template, self.resources, self.status = template, dict(self._live), "CREATE_COMPLETE"
            return "CREATE_COMPLETE"
        self._stack_event(
            run,
            "ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to create: [{run.failure.logical_id}]. "
            "Rollback requested by user.",
        )
        self.template, self.resources = template, dict(self._live)
        status = "ROLLBACK_COMPLETE"
        for lid in reversed(created):
            try:
                self._delete(self._live[lid], run)
                del self.resources[lid]
            except _OpFailedError:
                status = "ROLLBACK_FAILED"
        self.status = status
        return status

    # ---- update -------------------------------------------------------------------------------
    def _update_stack(self, template: dict[str, Any], run: _Run) -> str:
        assert self.template is not None
        old_template, old = self.template, dict(self.resources)
        self._stack_event(run, "UPDATE_IN_PROGRESS", "User Initiated")
        self._live = dict(old)
        resolver = self._resolver(template)
        changes: list[_Change] = []
        kept: set[str] = set()
        for lid in topological_order(template):
            body = template["Resources"][lid]
            if not resolver.included(body):
                continue
            kept.add(lid)
            try:
                if lid not in old:
                    changes.append(_Change(lid, "create", None, None))
                    changes[-1].new = self._live[lid] = self._create(lid, body, resolver, run)
                else:
                    change = self._update(old[lid], body, resolver, run)
                    if change is not None:
                        changes.append(change)
            except _OpFailedError as exc:
                run.failure = DeployFailure(lid, exc.reason, exc.message)
                if changes and changes[-1].logical_id == lid and changes[-1].new is None and exc.physical_id:
                    changes[-1].new = Resource(lid, body["Type"], None, exc.physical_id, {}, body)
                elif lid in old and exc.touched:
                    props = self._try_resolve(lid, body, resolver)
                    failed_new = replace(old[lid], properties=props, physical_id=exc.physical_id or "")
                    if exc.physical_id is None:
                        failed_new = replace(failed_new, physical_id=old[lid].physical_id)
                    changes.append(_Change(lid, "update", old[lid], failed_new))
                break
        if run.failure is not None:
            return self._rollback_update(old_template, old, changes, run)
        self._stack_event(run, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
        replaced = {
            c.logical_id: c for c in changes if c.old and c.new and c.old.physical_id != c.new.physical_id
        }
        for lid in reversed(topological_order(old_template)):
            if lid in replaced:
                old_res = replaced[lid].old
                assert old_res is not None
                if old_res.body.get("UpdateReplacePolicy") == "Retain":
                    self._event(run, lid, "DELETE", "DELETE_SKIPPED", "")
                else:
                    self._delete_quietly(old_res, run)
            elif lid in old and lid not in kept:
                if old[lid].body.get("DeletionPolicy") == "Retain":
                    self._event(run, lid, "DELETE", "DELETE_SKIPPED", "")
                else:
                    self._delete_quietly(old[lid], run)
        self.template = template
        self.resources = {lid: res for lid, res in self._live.items() if lid in kept}
        self.status = "UPDATE_COMPLETE"
        return "UPDATE_COMPLETE"

    def _rollback_update(
        self, old_template: dict[str, Any], old: dict[str, Resource], changes: list[_Change], run: _Run
    ) -> str:
        assert run.failure is not None
        self._stack_event(
            run,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to update: [{run.failure.logical_id}].",
        )
        cleanup: list[Resource] = []
        restored = dict(old)
        for change in reversed(changes):
            lid, new = change.logical_id, change.new
            if change.kind == "create":
                if new is not None:
                    cleanup.append(new)
                continue
            assert change.old is not None
            if change.kind == "replace":
                if new is not None:
                    cleanup.append(new)
                continue
            assert new is not None
            try:
                back = self._rollback_one(change.old, new, run)
            except _OpFailedError as exc:
                self.status = "UPDATE_ROLLBACK_FAILED"
                self._stack_event(run, "UPDATE_ROLLBACK_FAILED", f"{lid}: {exc.reason}")
                self.template = old_template
                self.resources = {**restored, lid: new}
                return "UPDATE_ROLLBACK_FAILED"
            restored[lid] = back
            for pid in dict.fromkeys((new.physical_id, change.old.physical_id)):
                if pid and pid != back.physical_id:
                    cleanup.append(replace(new, physical_id=pid, properties=new.properties))
        self._stack_event(run, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
        for res in cleanup:
            self._delete_quietly(res, run)
        self.template, self.resources, self.status = old_template, restored, "UPDATE_ROLLBACK_COMPLETE"
        return "UPDATE_ROLLBACK_COMPLETE"

    def _rollback_one(self, old: Resource, new: Resource, run: _Run) -> Resource:
        lid = old.logical_id
        self._event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
        started = self.clock.now()
        try:
            self._injected(lid)
            if old.kind == "provider":
                request = self._request("Update", old, old.properties, new.physical_id, new.properties)
                back = self._run_provider(request, old, run)
            else:
                back = old
                self._record(run, lid, "UPDATE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        self._event(run, lid, "UPDATE", "UPDATE_COMPLETE", "")
        return back

    # ---- one resource -------------------------------------------------------------------------
    def _create(self, lid: str, body: Mapping[str, Any], resolver: Resolver, run: _Run) -> Resource:
        rtype = str(body["Type"])
        self._event(run, lid, "CREATE", "CREATE_IN_PROGRESS", "")
        started = self.clock.now()
        try:
            props = self._resolve_props(lid, body, resolver)
            self._injected(lid)
            shell = Resource(lid, rtype, props, "", {}, body)
            if shell.kind == "provider":
                res = self._run_provider(self._request("Create", shell, props), shell, run)
            elif shell.kind == "native":
                made = self._native(lambda: self.native.create(rtype, props), None)
                res = replace(shell, physical_id=made.physical_id, attributes=made.attributes)
                self._record(run, lid, "CREATE", started)
            else:
                made_id = self.buckets.create(lid, rtype) if self.buckets else None
                res = replace(shell, physical_id=made_id or f"{lid}-phys")
                self._record(run, lid, "CREATE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "CREATE", "CREATE_FAILED", exc.reason)
            raise
        self._event(run, lid, "CREATE", "CREATE_COMPLETE", "")
        return res

    def _update(
        self, old: Resource, body: Mapping[str, Any], resolver: Resolver, run: _Run
    ) -> _Change | None:
        lid, rtype = old.logical_id, str(body["Type"])
        try:
            props = self._resolve_props(lid, body, resolver, action="UPDATE")
        except _OpFailedError as exc:
            self._event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        if rtype == old.type and props == old.properties:
            return None
        self._event(run, lid, "UPDATE", "UPDATE_IN_PROGRESS", "")
        started = self.clock.now()
        shell = replace(old, type=rtype, properties=props, body=body)
        try:
            if rtype != old.type:
                raise _OpFailedError(
                    f"Update of resource type is not permitted. The new resource type {rtype} "
                    f"differs from {old.type}.",
                    touched=False,
                )
            kind = "update"
            if shell.kind == "provider":
                if props.get("ServiceToken") != old.properties.get("ServiceToken"):
                    raise _OpFailedError("Modifying service token is not allowed.", touched=False)
                self._injected(lid)
                res = self._run_provider(
                    self._request("Update", shell, props, old.physical_id, old.properties), shell, run
                )
            elif shell.kind == "native":
                changed = {
                    k for k in set(props) | set(old.properties) if props.get(k) != old.properties.get(k)
                }
                replacing = bool(changed & CREATE_ONLY[rtype])
                if replacing and props.get("Name") == old.properties.get("Name"):
                    raise _OpFailedError(
                        CUSTOM_NAMED_REPLACEMENT.format(name=props.get("Name")), touched=False
                    )
                self._injected(lid)
                if replacing:
                    kind = "replace"
                    self._event(
                        run,
                        lid,
                        "UPDATE",
                        "UPDATE_IN_PROGRESS",
                        REPLACEMENT_REASON,
                    )
                    made = self._native(lambda: self.native.create(rtype, props), None)
                else:
                    current = NativeResult(old.physical_id, dict(old.attributes))
                    made = self._native(
                        lambda: self.native.update(rtype, old.properties, props, current), None
                    )
                res = replace(shell, physical_id=made.physical_id, attributes=made.attributes)
                self._record(run, lid, "UPDATE", started)
            else:
                self._injected(lid)
                res = shell
                self._record(run, lid, "UPDATE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "UPDATE", "UPDATE_FAILED", exc.reason)
            raise
        self._live[lid] = res
        self._event(run, lid, "UPDATE", "UPDATE_COMPLETE", "")
        return _Change(lid, kind, old, res)

    def _delete(self, res: Resource, run: _Run) -> None:
        lid = res.logical_id
        self._event(run, lid, "DELETE", "DELETE_IN_PROGRESS", "")
        started = self.clock.now()
        try:
            self._injected(lid)
            if res.kind == "provider":
                request = self._request("Delete", res, res.properties, res.physical_id)
                self._run_provider(request, res, run)
            elif res.kind == "native":
                if res.physical_id:
                    self._native(lambda: self.native.delete(res.type, res.physical_id), None)
                self._record(run, lid, "DELETE", started)
            else:
                if self.buckets is not None:
                    buckets = self.buckets
                    self._native(lambda: buckets.delete(res.type, res.physical_id, res.properties), None)
                self._record(run, lid, "DELETE", started)
        except _OpFailedError as exc:
            self._event(run, lid, "DELETE", "DELETE_FAILED", exc.reason)
            raise
        self._event(run, lid, "DELETE", "DELETE_COMPLETE", "")

    def _delete_quietly(self, res: Resource, run: _Run) -> None:
        """A cleanup delete: CloudFormation records a failure and carries on."""
        with contextlib.suppress(_OpFailedError):
            self._delete(res, run)

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

    def _run_provider(self, request: dict[str, Any], shell: Resource, run: _Run) -> Resource:
        outcome = self.provider.run(request)
        stats = outcome.stats
        assert stats is not None
        self._record_provider(run, stats)
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

    def _try_resolve(self, lid: str, body: Mapping[str, Any], resolver: Resolver) -> Any:
        try:
            return self._resolve_props(lid, body, resolver)
        except _OpFailedError:
            return None

    @staticmethod
    def _dependencies(template: Mapping[str, Any], lid: str) -> set[str]:
        from .graph import dependencies  # noqa: PLC0415

        return dependencies(template, lid)

    def _injected(self, lid: str) -> None:
        injected = self._failures.pop(lid, None)
        if injected is not None:
            reason, times = injected
            if times > 1:
                self._failures[lid] = (reason, times - 1)
            raise _OpFailedError(reason)

    def _native(self, call: Callable[[], NativeResult | None], default: NativeResult | None) -> NativeResult:
        try:
            result = call()
        except NativeError as exc:
            raise _OpFailedError(str(exc), physical_id=exc.physical_id) from exc
        return result or default or NativeResult("")

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
        run.stats.max_operation_seconds = max(run.stats.max_operation_seconds, stats.duration)

    def _event(self, run: _Run, lid: str, action: str, status: str, reason: str) -> None:
        event = StackEvent(self.clock.now(), lid, action, status, reason)
        run.events.append(event)
        self.events.append(event)

    def _stack_event(self, run: _Run, status: str, reason: str) -> None:
        self._event(run, self.stack_name, "STACK", status, reason)

    def _finish(self, run: _Run, status: str) -> DeployResult:
        if status != "NO_CHANGES":
            self._stack_event(run, status, "")
        run.stats.wall_seconds = self.clock.now() - run.start
        outputs = self.outputs if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES") else {}
        result = DeployResult(status, run.failure, run.events, run.stats, outputs)
        self.history.append(result)
        return result


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
    "load_template",
]
